"""Job kinds: what a job does. Each kind is one class registered under its name, in the job-kind
modules that packages declare (``synthfoundry.packages``); workers import those to find them."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel

from synthfoundry.errors import InvalidInput
from synthfoundry.packages import import_job_kinds

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from synthfoundry.jobs.context import JobContext
    from synthfoundry.jobs.models import Job

_REGISTRY: dict[str, type[JobKind]] = {}
_BY_PARAMS: dict[type[BaseModel], type[JobKind]] = {}


@dataclass(frozen=True)
class Stage:
    """A step of a job; ``weight`` is its share of the job's progress bar."""

    name: str
    weight: float = 1.0


class JobKind(ABC):
    name: ClassVar[str]
    queue: ClassVar[str] = "cpu"
    stages: ClassVar[tuple[Stage, ...]]
    Params: ClassVar[type[BaseModel]]

    def stages_for(self, params: BaseModel) -> tuple[Stage, ...]:
        """This job's stages (a kind whose steps depend on its parameters overrides this)."""
        return self.stages

    def queue_for(self, params: BaseModel) -> str:
        """The queue this job waits in (a kind whose model may need a GPU overrides this)."""
        return self.queue

    @abstractmethod
    def run(self, context: JobContext) -> dict[str, Any] | None:
        """Do the work; save checkpoints and call ``context.check()`` at safe points."""

    def on_outcome(self, session: Session, job: Job) -> None:
        """Write the job's outcome into the rows it works on. Runs in the transaction that gives
        the job its final status (succeeded, failed or cancelled), however it got there."""
        return

    def cleanup(self, context: JobContext) -> None:
        """Remove partial results after a cancel or a failure (default: the job's own files)."""
        context.storage.delete_prefix(context.files_prefix)


def register(kind: type[JobKind]) -> type[JobKind]:
    _REGISTRY[kind.name] = kind
    _BY_PARAMS[kind.Params] = kind
    return kind


def get_kind(name: str) -> JobKind:
    if name not in _REGISTRY:
        import_job_kinds()
    try:
        return _REGISTRY[name]()
    except KeyError:
        raise InvalidInput(f"unknown job kind {name!r}", field="kind") from None


def kind_for(params: BaseModel) -> JobKind:
    """The kind whose ``Params`` class ``params`` is."""
    if type(params) not in _BY_PARAMS:
        import_job_kinds()
    try:
        return _BY_PARAMS[type(params)]()
    except KeyError:
        raise InvalidInput(f"no job kind takes {type(params).__name__}", field="kind") from None
