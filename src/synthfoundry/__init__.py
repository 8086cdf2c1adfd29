"""Synthfoundry: a self-hostable synthetic data platform."""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

try:
    __version__ = version("synthfoundry")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

if TYPE_CHECKING:
    from synthfoundry.evaluation import evaluate
    from synthfoundry.synthesizers.registry import (
        get_synthesizer,
        list_synthesizers,
        load_synthesizer,
    )

__all__ = ["__version__", "evaluate", "get_synthesizer", "list_synthesizers", "load_synthesizer"]

# The library's entry points, imported on first use: the registry pulls in numpy and pydantic,
# evaluate scikit-learn, and the CLI's --help needs none of them.
_LAZY = {
    "evaluate": "synthfoundry.evaluation",
    "get_synthesizer": "synthfoundry.synthesizers.registry",
    "list_synthesizers": "synthfoundry.synthesizers.registry",
    "load_synthesizer": "synthfoundry.synthesizers.registry",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'synthfoundry' has no attribute {name!r}")
    return getattr(import_module(module), name)
