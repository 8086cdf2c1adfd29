"""What the neural models share: threads and device, seeded training with an epoch loop that
reports progress, honours stop and writes resumable checkpoints, and sampling through the encoder.

Checkpoints are model files like any other (JSON plus ``.npz``, checksummed, never pickled): the
networks, the optimiser moments and both random states, so a resumed fit ends with exactly the
weights an uninterrupted one would have.
"""

from __future__ import annotations

import hashlib
import os
import time
from abc import abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd
import torch
from pydantic import BaseModel, ConfigDict, Field
from torch import nn

from synthfoundry.progress import Progress
from synthfoundry.synthesizers import artifacts
from synthfoundry.synthesizers.base import Capabilities, Modality, Stop, StopTraining
from synthfoundry.synthesizers.training import training_record
from synthfoundry.tabular.base import TabularSynthesizer
from synthfoundry.tabular.encoding import NumericScheme, Span, TabularEncoder

CHECKPOINT_NAME = "checkpoint"


def default_threads() -> int:
    # Two threads on a shared two-core machine made CTGAN many times slower than one (DESIGN.md).
    return max(1, min(8, (os.cpu_count() or 2) // 2))


class NeuralParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seed: int = Field(
        default=0, ge=0, le=2**32 - 1, description="makes fit and sample reproducible"
    )
    epochs: int = Field(default=300, ge=1, le=100_000, description="passes over the data")
    batch_size: int = Field(default=500, ge=10, le=100_000, description="rows per training step")
    threads: int | None = Field(
        default=None, ge=1, le=256, description="CPU threads; default: half the cores, at most 8"
    )
    device: Literal["auto", "cpu", "cuda"] = Field(
        default="auto", description="auto: CUDA when present, else CPU"
    )
    checkpoint_every: int = Field(
        default=10, ge=1, description="epochs between checkpoints when a checkpoint folder is set"
    )


@contextmanager
def torch_threads(count: int) -> Iterator[None]:
    previous = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


class SpanLayout:
    """The spans of an encoded matrix as tensors, so that activations and per-span softmaxes
    are a few whole-matrix operations instead of a handful of small ones per span (the small
    ones dominate training time on CPU)."""

    def __init__(self, spans: list[Span], device: torch.device) -> None:
        width = sum(span.width for span in spans)
        self.tanh = torch.zeros(width, dtype=torch.bool, device=device)
        segment = torch.zeros(width, dtype=torch.long, device=device)
        for number, span in enumerate(spans):
            segment[span.start : span.start + span.width] = number
            if span.activation == "tanh":
                self.tanh[span.start : span.start + span.width] = True
        self.segment = segment
        self.members = nn.functional.one_hot(segment, len(spans)).to(torch.float32)

    def log_softmax(self, logits: torch.Tensor) -> torch.Tensor:
        """Log-softmax within each span (meaningful on the softmax spans)."""
        shifted = logits - logits.max(dim=1, keepdim=True).values.detach()
        totals = torch.exp(shifted) @ self.members
        return shifted - torch.log(totals.clamp_min(1e-30))[:, self.segment]

    def activate(self, raw: torch.Tensor, temperature: float = 0.2) -> torch.Tensor:
        """Generator output to data space during training: tanh offsets, Gumbel-softmax choices
        (one draw of Gumbel noise for the whole matrix)."""
        gumbel = -torch.log(-torch.log(torch.rand_like(raw).clamp_(1e-10, 1.0)))
        chosen = torch.exp(self.log_softmax((raw + gumbel) / temperature))
        return torch.where(self.tanh, torch.tanh(raw), chosen)


def draw(raw: np.ndarray, spans: list[Span], rng: np.random.Generator) -> np.ndarray:
    """Generator output to data space when sampling: each choice drawn from its softmax with
    numpy's generator (Gumbel-max), so that samples follow the caller's seed."""
    out = np.empty_like(raw)
    for span in spans:
        piece = raw[:, span.start : span.start + span.width]
        if span.activation == "tanh":
            out[:, span.start : span.start + span.width] = np.tanh(piece)
        else:
            gumbel = -np.log(-np.log(rng.uniform(1e-12, 1.0, piece.shape)))
            chosen = (piece + gumbel).argmax(axis=1)
            block = np.zeros_like(piece)
            block[np.arange(len(piece)), chosen] = 1.0
            out[:, span.start : span.start + span.width] = block
    return out


def _module_arrays(prefix: str, module: nn.Module) -> dict[str, np.ndarray]:
    return {
        f"{prefix}.{key}": value.detach().cpu().numpy()
        for key, value in module.state_dict().items()
    }


def _load_module(prefix: str, module: nn.Module, arrays: dict[str, np.ndarray]) -> None:
    state = {
        key.removeprefix(prefix + "."): torch.from_numpy(np.array(value))
        for key, value in arrays.items()
        if key.startswith(prefix + ".")
    }
    module.load_state_dict(state)


def _optimizer_state(
    prefix: str, optimizer: torch.optim.Optimizer
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    state = optimizer.state_dict()
    arrays, keys = {}, {}
    for index, moments in state["state"].items():
        keys[str(index)] = sorted(moments)
        for key, value in moments.items():
            arrays[f"{prefix}.{index}.{key}"] = torch.as_tensor(value).detach().cpu().numpy()
    groups = [
        {k: (list(v) if isinstance(v, tuple) else v) for k, v in g.items()}
        for g in state["param_groups"]
    ]
    return {"keys": keys, "param_groups": groups}, arrays


def _load_optimizer(
    prefix: str,
    optimizer: torch.optim.Optimizer,
    state: dict[str, Any],
    arrays: dict[str, np.ndarray],
) -> None:
    moments = {
        int(index): {
            key: torch.from_numpy(np.array(arrays[f"{prefix}.{index}.{key}"])) for key in keys
        }
        for index, keys in state["keys"].items()
    }
    optimizer.load_state_dict({"state": moments, "param_groups": state["param_groups"]})


class NeuralSynthesizer(TabularSynthesizer):
    """A model trained by gradient steps over an encoded matrix."""

    numeric_scheme: ClassVar[NumericScheme] = "modes"
    capabilities: ClassVar[Capabilities] = Capabilities(
        modality=Modality.TABULAR, needs_training=True, conditional=True, checkpoint=True, gpu=True
    )
    params: NeuralParams

    # -- what each model implements ------------------------------------------------------------
    @abstractmethod
    def _build(self, width: int) -> None:
        """Create the networks and optimisers for an encoded width."""

    @abstractmethod
    def _modules(self) -> dict[str, nn.Module]:
        """Every network, by name (saved in checkpoints)."""

    @abstractmethod
    def _optimizers(self) -> dict[str, torch.optim.Optimizer]: ...

    @abstractmethod
    def _train_epoch(self, data: torch.Tensor, rng: np.random.Generator) -> dict[str, float]:
        """One pass over the data; returns the losses to report."""

    @abstractmethod
    def _generate(self, rows: int, rng: np.random.Generator) -> np.ndarray:
        """Raw network output (before activation) for ``rows`` rows, on the CPU."""

    sampling_modules: ClassVar[tuple[str, ...]] = ()

    def _prepare(self, data: torch.Tensor) -> None:
        """Build what training needs beyond the networks (samplers, lookups)."""

    def _release(self) -> None:
        """Drop what only training needed."""

    # -- shared machinery -----------------------------------------------------------------------
    @property
    def threads(self) -> int:
        return self.params.threads or default_threads()

    @property
    def device(self) -> torch.device:
        wanted = self.params.device
        if wanted == "auto":
            wanted = "cuda" if torch.cuda.is_available() else "cpu"
        return torch.device(wanted)

    def _fit(self, data: pd.DataFrame, progress: Progress, stop: Stop) -> None:
        seed = self.params.seed
        self.encoder_ = TabularEncoder(self.metadata_, self.dtypes_, self.numeric_scheme)
        encode_rng = np.random.default_rng([seed, 1])
        self.encoder_.fit(data, encode_rng)
        progress("encode", 1, 1, "steps")
        matrix = torch.from_numpy(self.encoder_.transform(data, encode_rng)).to(self.device)
        checkpoint = self._checkpoint_folder
        fingerprint = self._fingerprint(data)
        with torch_threads(self.threads), torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self._build(matrix.shape[1])
            self._prepare(matrix)
            rng = np.random.default_rng([seed, 2])
            try:
                self._train(matrix, rng, checkpoint, fingerprint, progress, stop)
            finally:
                self._release()
        for module in self._modules().values():
            module.eval()

    def _train(
        self,
        matrix: torch.Tensor,
        rng: np.random.Generator,
        checkpoint: Path | None,
        fingerprint: str,
        progress: Progress,
        stop: Stop,
    ) -> None:
        self._loss_history: dict[str, list[float]] = {}
        self._earlier_seconds = 0.0
        first_epoch = self._resume(checkpoint, fingerprint, rng) if checkpoint else 0
        epochs = self.params.epochs
        for epoch in range(first_epoch, epochs):
            if (reason := stop()) is not None:
                if reason == "pause" and checkpoint:
                    self._take_checkpoint(checkpoint, fingerprint, epoch, rng)
                raise StopTraining(reason)
            for module in self._modules().values():
                module.train()
            losses = self._train_epoch(matrix, rng)
            for name, value in losses.items():
                # An earlier checkpoint without losses leaves its epochs unknown (NaN).
                self._loss_history.setdefault(name, [float("nan")] * epoch).append(value)
            message = ", ".join(f"{name} {value:.4f}" for name, value in losses.items())
            progress("train", epoch + 1, epochs, "epochs", message)
            if checkpoint and (epoch + 1) % self.params.checkpoint_every == 0:
                self._take_checkpoint(checkpoint, fingerprint, epoch + 1, rng)

    def _sample(self, rows: int, rng: np.random.Generator) -> pd.DataFrame:
        with torch_threads(self.threads), torch.no_grad():
            raw = self._generate(rows, rng)
        return self.encoder_.inverse(draw(raw, self.encoder_.spans, rng), rng)

    def _noise(self, rows: int, width: int, rng: np.random.Generator) -> torch.Tensor:
        return torch.from_numpy(rng.standard_normal((rows, width), dtype=np.float32)).to(
            self.device
        )

    def _training_record(self, seconds: float) -> dict[str, Any]:
        return training_record(seconds + self._earlier_seconds, self._loss_history)

    # -- checkpoints ----------------------------------------------------------------------------
    @property
    def _checkpoint_folder(self) -> Path | None:
        folder = getattr(self, "_checkpoint_dir", None)
        return None if folder is None else Path(folder) / CHECKPOINT_NAME

    def _fingerprint(self, data: pd.DataFrame) -> str:
        digest = hashlib.sha256(pd.util.hash_pandas_object(data, index=False).to_numpy().tobytes())
        digest.update(self.params.model_dump_json(exclude={"epochs", "checkpoint_every"}).encode())
        return digest.hexdigest()

    def _take_checkpoint(
        self, folder: Path, fingerprint: str, epoch: int, rng: np.random.Generator
    ) -> None:
        """Write a checkpoint, then tell the caller that a complete one is there."""
        self._write_checkpoint(folder, fingerprint, epoch, rng)
        on_checkpoint = getattr(self, "_on_checkpoint", None)
        if on_checkpoint is not None:
            on_checkpoint()

    def _write_checkpoint(
        self, folder: Path, fingerprint: str, epoch: int, rng: np.random.Generator
    ) -> None:
        arrays: dict[str, np.ndarray] = {"torch_rng": torch.get_rng_state().numpy()}
        history = self._loss_history
        arrays |= {f"loss.{name}": np.asarray(values) for name, values in history.items()}
        optimizers: dict[str, Any] = {}
        for name, module in self._modules().items():
            arrays |= _module_arrays(f"module.{name}", module)
        for name, optimizer in self._optimizers().items():
            optimizers[name], moments = _optimizer_state(f"optimizer.{name}", optimizer)
            arrays |= moments
        content = {
            "fingerprint": fingerprint,
            "epoch": epoch,
            "numpy_rng": rng.bit_generator.state,
            "optimizers": optimizers,
            "seconds": self._earlier_seconds + time.perf_counter() - self._fit_started,
        }
        partial = folder.with_name(folder.name + ".partial")
        artifacts.write(partial, self.name, content, arrays)
        if folder.exists():
            for old in folder.iterdir():
                old.unlink()
            folder.rmdir()
        partial.rename(folder)

    def _resume(self, folder: Path, fingerprint: str, rng: np.random.Generator) -> int:
        if not (folder / artifacts.MANIFEST).exists():
            return 0
        content, arrays = artifacts.read(folder)
        if content["fingerprint"] != fingerprint:
            return 0  # another table or other parameters: start afresh
        for name, module in self._modules().items():
            _load_module(f"module.{name}", module, arrays)
        for name, optimizer in self._optimizers().items():
            _load_optimizer(f"optimizer.{name}", optimizer, content["optimizers"][name], arrays)
        torch.set_rng_state(torch.from_numpy(np.array(arrays["torch_rng"])))
        rng.bit_generator.state = content["numpy_rng"]
        epoch = int(content["epoch"])
        self._loss_history = {
            key.removeprefix("loss."): [float(value) for value in values[:epoch]]
            for key, values in arrays.items()
            if key.startswith("loss.")
        }
        self._earlier_seconds = float(content.get("seconds", 0.0))  # absent in older ones
        return epoch

    # -- model files ----------------------------------------------------------------------------
    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        arrays = self.encoder_.arrays()
        for name in self.sampling_modules:
            arrays |= _module_arrays(f"module.{name}", self._modules()[name])
        return {"encoder": self.encoder_.state(), "width": self.encoder_.width}, arrays

    def _restore(self, state: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.encoder_ = TabularEncoder(self.metadata_, self.dtypes_, self.numeric_scheme)
        self.encoder_.restore(state["encoder"], arrays)
        self._build(int(state["width"]))
        for name in self.sampling_modules:
            module = self._modules()[name]
            _load_module(f"module.{name}", module, arrays)
            module.to(self.device).eval()
