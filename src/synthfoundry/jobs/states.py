"""The job state machine: the only code that changes a job's status."""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from synthfoundry.errors import InvalidState


class Status(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    PAUSING = "pausing"
    PAUSED = "paused"
    CANCELLING = "cancelling"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Action(StrEnum):
    CANCEL = "cancel"
    PAUSE = "pause"
    RESUME = "resume"


TERMINAL = frozenset({Status.SUCCEEDED, Status.FAILED, Status.CANCELLED})
ACTIVE = frozenset(Status) - TERMINAL
"""Statuses that hold a slot of the owner's job quota."""
ON_A_WORKER = frozenset({Status.RUNNING, Status.PAUSING, Status.CANCELLING})
"""Statuses in which a runner holds the job (and its lease must be renewed)."""

ALLOWED: dict[Status, frozenset[Status]] = {
    Status.QUEUED: frozenset({Status.RUNNING, Status.PAUSED, Status.CANCELLED, Status.FAILED}),
    Status.RUNNING: frozenset(
        {Status.SUCCEEDED, Status.FAILED, Status.CANCELLING, Status.PAUSING, Status.QUEUED}
    ),
    Status.PAUSING: frozenset(
        {Status.PAUSED, Status.RUNNING, Status.CANCELLING, Status.SUCCEEDED, Status.FAILED}
    ),
    Status.CANCELLING: frozenset({Status.CANCELLED, Status.SUCCEEDED, Status.FAILED}),
    Status.PAUSED: frozenset({Status.QUEUED, Status.CANCELLED}),
    Status.SUCCEEDED: frozenset(),
    Status.FAILED: frozenset(),
    Status.CANCELLED: frozenset(),
}

# What a user's action does in each status; a missing pair is refused with 409. Repeating an
# action that is already under way is allowed and changes nothing.
ACTIONS: dict[tuple[Status, Action], Status] = {
    (Status.QUEUED, Action.CANCEL): Status.CANCELLED,
    (Status.RUNNING, Action.CANCEL): Status.CANCELLING,
    (Status.PAUSING, Action.CANCEL): Status.CANCELLING,
    (Status.PAUSED, Action.CANCEL): Status.CANCELLED,
    (Status.CANCELLING, Action.CANCEL): Status.CANCELLING,
    (Status.QUEUED, Action.PAUSE): Status.PAUSED,
    (Status.RUNNING, Action.PAUSE): Status.PAUSING,
    (Status.PAUSING, Action.PAUSE): Status.PAUSING,
    (Status.PAUSED, Action.PAUSE): Status.PAUSED,
    (Status.PAUSED, Action.RESUME): Status.QUEUED,
    (Status.PAUSING, Action.RESUME): Status.RUNNING,
}


class HasStatus(Protocol):
    @property
    def id(self) -> object: ...

    status: str


def can_transition(current: Status, target: Status) -> bool:
    return current == target or target in ALLOWED[current]


def transition(job: HasStatus, target: Status) -> None:
    current = Status(job.status)
    if current != target and target not in ALLOWED[current]:
        raise InvalidState(f"job {job.id} is {current}; it cannot become {target}")
    job.status = target


def status_after(current: Status, action: Action) -> Status:
    try:
        return ACTIONS[(current, action)]
    except KeyError:
        raise InvalidState(f"a job that is {current} cannot be told to {action}") from None
