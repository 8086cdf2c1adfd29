"""Job kinds: what a job does. Each kind is one class registered under its name; worker
processes import the modules in ``KIND_MODULES`` to find them."""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel

from synthfoundry.errors import InvalidInput

if TYPE_CHECKING:
    from synthfoundry.jobs.context import JobContext

KIND_MODULES = (
    "synthfoundry.jobs.diagnostics",
    "synthfoundry.datasets.jobs",
    "synthfoundry.generators.jobs.train",
    "synthfoundry.generators.jobs.optimize",
    "synthfoundry.synthetic_datasets.jobs",
    "synthfoundry.reports.jobs",
    "synthfoundry.batch.jobs",
)

_REGISTRY: dict[str, type[JobKind]] = {}


class JobKind(ABC):
    name: ClassVar[str]
    queue: ClassVar[str] = "cpu"
    stages: ClassVar[tuple[str, ...]]
    Params: ClassVar[type[BaseModel]]

    @abstractmethod
    def run(self, context: JobContext) -> dict[str, Any] | None:
        """Do the work; save checkpoints and call ``context.check()`` at safe points."""

    def cleanup(self, context: JobContext) -> None:
        """Remove partial results after a cancel or a failure (default: the job's own files)."""
        context.storage.delete_prefix(context.files_prefix)


def register(kind: type[JobKind]) -> type[JobKind]:
    _REGISTRY[kind.name] = kind
    return kind


def load_kinds() -> None:
    for module in KIND_MODULES:
        importlib.import_module(module)


def get_kind(name: str) -> JobKind:
    if name not in _REGISTRY:
        load_kinds()  # a module imported elsewhere may have registered some kinds only
    try:
        return _REGISTRY[name]()
    except KeyError:
        raise InvalidInput(f"unknown job kind {name!r}", field="kind") from None
