"""Registered synthesizers by name. Every model, built-in or third-party, joins through the
entry-point group ``synthfoundry.synthesizers`` (``name = "package.module:Class"``): a new model
is one module and one entry point."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from synthfoundry.errors import InvalidInput
from synthfoundry.synthesizers import artifacts
from synthfoundry.synthesizers.base import Synthesizer

ENTRY_POINT_GROUP = "synthfoundry.synthesizers"
# Chosen by measurement (benchmarks/tabular.py, README): best quality, utility and speed.
DEFAULT_SYNTHESIZER = "sequential_trees"

_REGISTRY: dict[str, type[Synthesizer]] = {}
_UNAVAILABLE: dict[str, str] = {}
_loaded = False


def register(synthesizer: type[Synthesizer]) -> type[Synthesizer]:
    """Add a model by hand (a notebook's own class); installed models use the entry point."""
    _REGISTRY[synthesizer.name] = synthesizer
    return synthesizer


def _load(name: str | None = None) -> None:
    """Import the models of the entry-point group: only ``name``'s when it is given (importing
    every model pulls in torch, seconds that a job training a tree model need not spend)."""
    global _loaded
    if _loaded or (name is not None and name in _REGISTRY):
        return
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        if name is not None and entry_point.name != name:
            continue
        try:
            loaded = entry_point.load()
        except ImportError as exc:
            # A model whose optional extra is not installed stays listed, with the reason,
            # instead of breaking the whole catalogue.
            missing = exc.name or str(exc)
            _UNAVAILABLE[entry_point.name] = (
                f"{entry_point.name} needs the Python package {missing!r}, which is not "
                "installed here (install the extra that provides it)"
            )
            continue
        if not (isinstance(loaded, type) and issubclass(loaded, Synthesizer)):
            raise TypeError(f"entry point {entry_point.name} is not a Synthesizer class")
        _REGISTRY.setdefault(loaded.name, loaded)
    if name is None:
        _loaded = True


def list_synthesizers() -> dict[str, type[Synthesizer]]:
    """Every registered synthesizer class by name."""
    _load()
    return dict(sorted(_REGISTRY.items()))


def unavailable_synthesizers() -> dict[str, str]:
    """Installed models that cannot load here, each with the reason (a missing extra)."""
    _load()
    return dict(sorted(_UNAVAILABLE.items()))


def synthesizer_class(name: str) -> type[Synthesizer]:
    _load(name)
    if name not in _REGISTRY:
        _load()  # an entry point named otherwise than its class's ``name``
    try:
        return _REGISTRY[name]
    except KeyError:
        if name in _UNAVAILABLE:
            raise InvalidInput(_UNAVAILABLE[name], field="synthesizer") from None
        known = ", ".join(sorted(_REGISTRY))
        raise InvalidInput(
            f"unknown synthesizer {name!r}; known: {known}", field="synthesizer"
        ) from None


def get_synthesizer(name: str | None = None, **params: Any) -> Synthesizer:
    """A new, unfitted synthesizer: ``get_synthesizer("gaussian_copula", seed=7)``; no name gives
    the default model."""
    return synthesizer_class(name or DEFAULT_SYNTHESIZER)(**params)


def load_synthesizer(directory: str | Path) -> Synthesizer:
    """A fitted synthesizer from a directory written by its ``save``."""
    name = artifacts.read_manifest(directory).get("synthesizer")
    if not isinstance(name, str):
        raise InvalidInput("the model file does not say which synthesizer wrote it", field="path")
    return synthesizer_class(name).load(directory)
