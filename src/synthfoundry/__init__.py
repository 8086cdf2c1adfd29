"""Synthfoundry: a self-hostable synthetic data platform."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("synthfoundry")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

from synthfoundry.synthesizers.registry import (
    get_synthesizer,
    list_synthesizers,
    load_synthesizer,
)

__all__ = ["__version__", "evaluate", "get_synthesizer", "list_synthesizers", "load_synthesizer"]


def __getattr__(name: str) -> object:
    # evaluate pulls in scikit-learn; import it only when asked for
    if name == "evaluate":
        from synthfoundry.evaluation import evaluate

        return evaluate
    raise AttributeError(name)
