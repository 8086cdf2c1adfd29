"""Registered synthesizers by name; third-party models join through the entry-point group
``synthfoundry.synthesizers``."""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from synthfoundry.errors import InvalidInput
from synthfoundry.synthesizers import artifacts
from synthfoundry.synthesizers.base import Synthesizer

BUILT_IN_MODULES = (
    "synthfoundry.tabular.models.gaussian_copula",
    "synthfoundry.tabular.models.ctgan",
    "synthfoundry.tabular.models.copulagan",
    "synthfoundry.tabular.models.tvae",
    "synthfoundry.tabular.models.ganeraid",
    "synthfoundry.tabular.models.sequential_trees",
)
ENTRY_POINT_GROUP = "synthfoundry.synthesizers"
# Chosen by measurement (benchmarks/tabular.py, README): best quality, utility and speed.
DEFAULT_SYNTHESIZER = "sequential_trees"

_REGISTRY: dict[str, type[Synthesizer]] = {}
_loaded = False


def register(synthesizer: type[Synthesizer]) -> type[Synthesizer]:
    _REGISTRY[synthesizer.name] = synthesizer
    return synthesizer


def _load() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for module in BUILT_IN_MODULES:
        importlib.import_module(module)
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        register(entry_point.load())


def list_synthesizers() -> dict[str, type[Synthesizer]]:
    """Every registered synthesizer class by name."""
    _load()
    return dict(sorted(_REGISTRY.items()))


def synthesizer_class(name: str) -> type[Synthesizer]:
    _load()
    try:
        return _REGISTRY[name]
    except KeyError:
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
