"""The job state machine: the only code that changes a job's status."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from synthfoundry.errors import InvalidState

if TYPE_CHECKING:
    from synthfoundry.jobs.models import Job


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


Effect = Callable[["Job", datetime], None]


def _started(job: Job, now: datetime) -> None:
    if job.started_at is None:
        job.started_at = now


def _pause_withdrawn(job: Job, now: datetime) -> None:
    job.pause_requested_at = None


def _off_the_worker(job: Job, now: datetime) -> None:
    job.worker_id = None
    job.enqueued_at = None
    job.lease_expires_at = None


def _estimate_dropped(job: Job, now: datetime) -> None:
    # A job off its worker has no pace: the next attempt measures its own.
    unknown = {"eta_seconds": None, "eta_low_seconds": None, "eta_high_seconds": None}
    job.progress = {**job.progress, **unknown}


def _completed(job: Job, now: datetime) -> None:
    done = {"eta_seconds": 0.0, "eta_low_seconds": 0.0, "eta_high_seconds": 0.0}
    job.progress = {**job.progress, "fraction": 1.0, **done}


def _ended(job: Job, now: datetime) -> None:
    job.finished_at = now
    job.lease_expires_at = None
    cancelled = job.status == Status.CANCELLED
    # The stage a failed job was in is the one that failed; those it never reached are skipped.
    ended = {"pending": "skipped", "running": "failed"} if not cancelled else {}
    job.stages = [
        {**stage, "status": ended.get(stage["status"], "cancelled")}
        if stage["status"] in ("pending", "running")
        else stage
        for stage in job.stages
    ]


def _resumed(job: Job, now: datetime) -> None:
    job.pause_requested_at = None
    job.enqueued_at = None


# What entering a status does besides setting it, whatever the transition's cause.
ON_ENTER: dict[Status, tuple[Effect, ...]] = {
    Status.RUNNING: (_started, _pause_withdrawn),
    Status.QUEUED: (_off_the_worker, _resumed, _estimate_dropped),
    Status.PAUSED: (_off_the_worker, _estimate_dropped),
    Status.SUCCEEDED: (_completed, _ended),
    Status.FAILED: (_ended,),
    Status.CANCELLED: (_ended,),
}


def can_transition(current: Status, target: Status) -> bool:
    return current == target or target in ALLOWED[current]


def transition(job: Job, target: Status, now: datetime | None = None) -> None:
    """Give ``job`` the status ``target`` with its side effects, or raise ``InvalidState``."""
    current = Status(job.status)
    if current != target and target not in ALLOWED[current]:
        raise InvalidState(f"job {job.id} is {current}; it cannot become {target}")
    if current == target:
        return
    job.status = target
    for effect in ON_ENTER.get(target, ()):
        effect(job, now or datetime.now(UTC))


def status_after(current: Status, action: Action) -> Status:
    try:
        return ACTIONS[(current, action)]
    except KeyError:
        raise InvalidState(f"a job that is {current} cannot be told to {action}") from None
