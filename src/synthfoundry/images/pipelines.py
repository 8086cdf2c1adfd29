"""Diffusers text-to-image pipelines, loaded once per process and kept in a least-recently-used
cache bounded by the bytes of their weights.

The budget is ``SYNTHFOUNDRY_IMAGES_CACHE_BYTES`` when set, else half the physical memory for
CPU pipelines and 80% of the GPU's memory for CUDA ones; each device has its own budget. diffusers
is imported on first load, so importing this module stays cheap.
"""

from __future__ import annotations

import gc
import os
import threading
import warnings
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import torch

from synthfoundry.errors import ConfigurationError, InvalidInput, SynthfoundryError
from synthfoundry.images.requests import (
    check_model_reference,
    looks_like_path,
)

CACHE_BYTES_ENV = "SYNTHFOUNDRY_IMAGES_CACHE_BYTES"
CPU_MEMORY_SHARE = 0.5
GPU_MEMORY_SHARE = 0.8


class ModelUnavailable(SynthfoundryError):
    """A text-to-image model cannot be loaded or run here: absent, not a diffusers text-to-image
    pipeline, or too large for the device's memory."""

    code = "model_unavailable"
    title = "Model unavailable"


@dataclass(frozen=True)
class CacheStats:
    hits: int
    misses: int
    entries: int
    bytes: int


@dataclass(frozen=True)
class _Entry:
    pipeline: Any
    size: int


CacheKey = tuple[str, str, str]


class _PipelineCache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: OrderedDict[CacheKey, _Entry] = OrderedDict()
        self.loading: dict[CacheKey, threading.Lock] = {}
        self.hits = 0
        self.misses = 0

    def get(self, key: CacheKey) -> Any | None:
        """The cached pipeline, marked most recently used; call with ``lock`` held."""
        entry = self.entries.get(key)
        if entry is None:
            return None
        self.entries.move_to_end(key)
        self.hits += 1
        return entry.pipeline

    def put(self, key: CacheKey, pipeline: Any, size: int, budget: int) -> bool:
        """Add ``pipeline``, first evicting the least recently used pipelines of its device
        until it fits; whether any was evicted. Call with ``lock`` held."""
        device = key[1]
        same_device = [k for k in self.entries if k[1] == device]
        used = sum(self.entries[k].size for k in same_device)
        evicted = False
        for old in same_device:
            if used + size <= budget:
                break
            used -= self.entries.pop(old).size
            evicted = True
        self.entries[key] = _Entry(pipeline, size)
        return evicted

    def evict_device(self, device: str) -> bool:
        """Drop every pipeline of ``device``; whether there was one. Call with ``lock`` held."""
        keys = [key for key in self.entries if key[1] == device]
        for key in keys:
            del self.entries[key]
        return bool(keys)

    def clear(self) -> set[str]:
        """Drop everything; the devices that held pipelines. Call with ``lock`` held."""
        devices = {key[1] for key in self.entries}
        self.entries.clear()
        self.hits = self.misses = 0
        return devices


_CACHE = _PipelineCache()
_CALL_LOCKS: weakref.WeakKeyDictionary[Any, threading.Lock] = weakref.WeakKeyDictionary()


def resolve_device(device: str) -> str:
    """``auto``: CUDA when there is a GPU, else CPU; ``cuda`` without a GPU is unavailable."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ModelUnavailable("device cuda was asked for, but no CUDA GPU is available here")
    if device not in {"cpu", "cuda"}:
        raise InvalidInput(f"device must be auto, cpu or cuda, not {device!r}", field="device")
    return device


def dtype_for(device: str) -> torch.dtype:
    return torch.float16 if device.startswith("cuda") else torch.float32


def load_pipeline(model: str, device: str) -> Any:
    """The text-to-image pipeline of ``model`` on ``device`` (already resolved), from the cache
    when it is there."""
    check_model_reference(model)
    key = _cache_key(model, device)
    with _CACHE.lock:
        cached = _CACHE.get(key)
        if cached is not None:
            return cached
        key_lock = _CACHE.loading.setdefault(key, threading.Lock())
    # One thread loads a given model while the others wait for it; other models load meanwhile.
    with key_lock:
        with _CACHE.lock:
            cached = _CACHE.get(key)
            if cached is not None:
                return cached
            _CACHE.misses += 1
        try:
            pipeline = _load_freeing_memory(model, device)
            with _CACHE.lock:
                evicted = _CACHE.put(key, pipeline, pipeline_bytes(pipeline), cache_budget(device))
            if evicted:
                _release_memory(device)
        finally:
            with _CACHE.lock:
                _CACHE.loading.pop(key, None)
    return pipeline


def pipeline_lock(pipeline: Any) -> threading.Lock:
    """The lock to hold while calling ``pipeline``: cached pipelines are shared, and a call
    changes their scheduler's state."""
    with _CACHE.lock:
        lock = _CALL_LOCKS.get(pipeline)
        if lock is None:
            lock = _CALL_LOCKS[pipeline] = threading.Lock()
        return lock


def cache_stats() -> CacheStats:
    with _CACHE.lock:
        size = sum(entry.size for entry in _CACHE.entries.values())
        return CacheStats(_CACHE.hits, _CACHE.misses, len(_CACHE.entries), size)


def clear_cache() -> None:
    with _CACHE.lock:
        devices = _CACHE.clear()
    for device in devices:
        _release_memory(device)


def pipeline_bytes(pipeline: Any) -> int:
    """Bytes of the parameters and buffers of the pipeline's torch modules."""
    seen: set[int] = set()
    total = 0
    for component in getattr(pipeline, "components", {}).values():
        if not isinstance(component, torch.nn.Module):
            continue
        for tensor in [*component.parameters(), *component.buffers()]:
            if id(tensor) not in seen:
                seen.add(id(tensor))
                total += tensor.numel() * tensor.element_size()
    return total


def cache_budget(device: str) -> int:
    configured = os.environ.get(CACHE_BYTES_ENV)
    if configured:
        try:
            return int(configured)
        except ValueError:
            raise ConfigurationError(
                f"{CACHE_BYTES_ENV} must be a number of bytes, not {configured!r}"
            ) from None
    if device.startswith("cuda"):
        total = torch.cuda.get_device_properties(torch.device(device)).total_memory
        return int(GPU_MEMORY_SHARE * total)
    return int(CPU_MEMORY_SHARE * os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))


def _cache_key(model: str, device: str) -> CacheKey:
    path = Path(model).expanduser()
    name = str(path.resolve()) if path.is_dir() else model
    return name, device, str(dtype_for(device))


def _hub_offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def _load_freeing_memory(model: str, device: str) -> Any:
    """Load; on running out of memory, empty the cache of that device and try once more."""
    try:
        return _load(model, device)
    except ModelUnavailable as exc:
        out_of_memory = isinstance(exc.__cause__, torch.cuda.OutOfMemoryError | MemoryError)
        with _CACHE.lock:
            evicted = out_of_memory and _CACHE.evict_device(device)
        if not evicted:
            raise
        _release_memory(device)
    return _load(model, device)


def _load(model: str, device: str) -> Any:
    path = Path(model).expanduser()
    if looks_like_path(model) and not path.exists():
        raise ModelUnavailable(f"model {model!r} is unavailable: no such local directory")
    try:
        pipeline = _from_pretrained(str(path) if path.is_dir() else model, device)
    except (torch.cuda.OutOfMemoryError, MemoryError) as exc:
        _release_memory(device)
        raise ModelUnavailable(
            f"model {model!r} does not fit in the memory of {device}: {exc}"
        ) from exc
    except (OSError, ValueError) as exc:
        raise ModelUnavailable(_load_failure(model, exc)) from exc
    except Exception as exc:
        if not _is_hub_error(exc):
            raise
        raise ModelUnavailable(_load_failure(model, exc)) from exc
    pipeline.set_progress_bar_config(disable=True)
    return pipeline


def _from_pretrained(model: str, device: str) -> Any:
    from diffusers import AutoPipelineForText2Image

    with warnings.catch_warnings():
        # Newer diffusers prefer ``dtype=``; ``torch_dtype=`` works on every supported version.
        warnings.filterwarnings("ignore", message=".*torch_dtype.*", category=FutureWarning)
        pipeline = AutoPipelineForText2Image.from_pretrained(  # type: ignore[no-untyped-call]
            model,
            torch_dtype=dtype_for(device),
            use_safetensors=True,  # never unpickle weights
            local_files_only=_hub_offline(),
        )
    pipeline = pipeline.to(device)
    if device.startswith("cuda"):
        _use_channels_last(pipeline)
    return pipeline


def _use_channels_last(pipeline: Any) -> None:
    """Convolutions run faster on CUDA with channels-last tensors."""
    for name in ("unet", "vae"):
        module = getattr(pipeline, name, None)
        if isinstance(module, torch.nn.Module):
            # Module.to's stubs omit memory_format in some torch releases.
            cast(Any, module).to(memory_format=torch.channels_last)


def _is_hub_error(exc: Exception) -> bool:
    from huggingface_hub.errors import HfHubHTTPError

    return isinstance(exc, HfHubHTTPError)


def _load_failure(model: str, exc: Exception) -> str:
    reason = " ".join(str(exc).split())[:500]
    if isinstance(exc, ValueError) and "can't find a pipeline" in reason:
        return f"model {model!r} is not a diffusers text-to-image model: {reason}"
    if isinstance(exc, OSError) and not Path(model).expanduser().exists():
        if _hub_offline():
            return (
                f"model {model!r} is unavailable: not in the local Hugging Face cache, and the"
                f" Hub is offline (HF_HUB_OFFLINE) ({reason})"
            )
        return (
            f"model {model!r} is unavailable: not in the local Hugging Face cache, and the Hub"
            f" has no such model or could not be reached ({reason})"
        )
    return f"model {model!r} could not be loaded: {reason}"


def _release_memory(device: str) -> None:
    # Pipelines hold reference cycles: without a collection their tensors could linger.
    gc.collect()
    if device.startswith("cuda") and torch.cuda.is_available():
        torch.cuda.empty_cache()
