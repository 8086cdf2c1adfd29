"""Every change to a job row, each with its event, in one place. Writes from a runner are fenced:
they apply only while the row still carries the runner's attempt number."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from synthfoundry.db import Database, after_commit, utcnow
from synthfoundry.jobs.kinds import get_kind
from synthfoundry.jobs.models import Job, JobEvent
from synthfoundry.jobs.pace import StageReading, overall
from synthfoundry.jobs.states import (
    ACTIVE,
    ON_A_WORKER,
    TERMINAL,
    Action,
    Status,
    status_after,
    transition,
)

JobChange = Callable[[Session, Job], None]

_notify: Callable[[], None] = lambda: None  # noqa: E731


def set_notifier(notify: Callable[[], None]) -> None:
    """Called after each committed change (the event bus wakes subscribers with it)."""
    global _notify
    _notify = notify


def clear_notifier(notify: Callable[[], None]) -> None:
    """Stop calling ``notify`` (if it is still the one set): its owner has shut down."""
    global _notify
    if _notify is notify:
        _notify = _silent


def _silent() -> None:
    return None


def notify_after_commit(session: Session) -> None:
    after_commit(session, lambda: _notify())


def locked(session: Session, job_id: uuid.UUID) -> Job | None:
    return session.scalars(select(Job).where(Job.id == job_id).with_for_update()).first()


def apply(database: Database, job_id: uuid.UUID, attempt: int, change: JobChange) -> bool:
    """Apply a runner's change; ``False`` if the runner no longer owns the job."""
    with database.unit_of_work(write=True) as session:
        job = locked(session, job_id)
        if job is None or job.attempt != attempt or Status(job.status) not in ON_A_WORKER:
            return False
        change(session, job)
        notify_after_commit(session)
    return True


def append_event(session: Session, job: Job, event_type: str, data: dict[str, Any]) -> None:
    job.last_event_seq += 1
    session.add(
        JobEvent(
            job_id=job.id, owner_id=job.owner_id, seq=job.last_event_seq, type=event_type, data=data
        )
    )


def set_status(
    session: Session, job: Job, status: Status, *, error: tuple[str, str] | None = None
) -> None:
    """Move ``job`` to ``status`` with its side effects and its event; a final status also runs
    the kind's outcome hook and ends the job's unfinished children, in this same transaction."""
    before = Status(job.status)
    transition(job, status, utcnow())
    if error is not None:
        job.error_code, job.error_message = error
    data: dict[str, Any] = {"status": job.status, "attempt": job.attempt}
    if error is not None:
        data["error"] = {"code": error[0], "message": error[1]}
    append_event(session, job, "status", data)
    if status in TERMINAL and before != status:
        get_kind(job.kind).on_outcome(session, job)
        for child in children(session, job.id, active_only=True):
            act(session, child, Action.CANCEL)


def children(session: Session, parent_id: uuid.UUID, *, active_only: bool = False) -> list[Job]:
    statement = select(Job).where(Job.parent_job_id == parent_id)
    if active_only:
        statement = statement.where(Job.status.in_([str(status) for status in ACTIVE]))
    return list(session.scalars(statement.order_by(Job.created_at).with_for_update()))


def act(session: Session, job: Job, action: Action) -> tuple[Status, Status]:
    """Apply a user's cancel, pause or resume to ``job`` and to its unfinished children, as the
    state table says; return the job's status before and after."""
    current = Status(job.status)
    target = status_after(current, action)
    if target != current:
        if action == Action.CANCEL:
            job.cancel_requested_at = utcnow()
        elif action == Action.PAUSE:
            job.pause_requested_at = utcnow()
        set_status(session, job, target)
    if action == Action.RESUME:
        for child in children(session, job.id, active_only=True):
            if Status(child.status) in (Status.PAUSED, Status.PAUSING):
                act(session, child, action)
    elif target not in TERMINAL:  # a final parent has ended its children already
        for child in children(session, job.id, active_only=True):
            if (Status(child.status), action) != (Status.PAUSED, Action.PAUSE):
                act(session, child, action)
    return current, target


def start_stage(session: Session, job: Job, name: str) -> None:
    job.stages = [
        {**stage, "status": "running", "started_at": utcnow().isoformat(), "finished_at": None}
        if stage["name"] == name
        else stage
        for stage in job.stages
    ]
    _set_overall_progress(job, name, 0.0, None, "steps", "", None, StageReading(0.0))
    append_event(session, job, "stage", {"stage": name, "status": "running"})


def finish_stage(session: Session, job: Job, name: str) -> None:
    """The stage keeps the last numbers it reported (ticks write them on the job only) and the
    seconds it took in this attempt (the measured cost that weighs the bar)."""
    progress = job.progress
    last = (
        {key: progress.get(key) for key in ("completed", "total", "unit", "message")}
        if progress.get("stage") == name and progress.get("total") is not None
        else {}
    )
    now = utcnow()
    job.stages = [
        {
            **stage,
            **last,
            "status": "succeeded",
            "finished_at": now.isoformat(),
            "seconds": _seconds_since(stage.get("started_at"), now),
        }
        if stage["name"] == name
        else stage
        for stage in job.stages
    ]
    append_event(session, job, "stage", {"stage": name, "status": "succeeded"})


def _seconds_since(started_at: str | None, now: datetime) -> float | None:
    if not started_at:
        return None
    return round(max(0.0, (now - datetime.fromisoformat(started_at)).total_seconds()), 3)


def set_progress(
    session: Session,
    job: Job,
    stage: str | None,
    completed: float,
    total: float | None,
    unit: str,
    message: str,
    step: str | None,
    reading: StageReading,
) -> None:
    """The job's progress, written once on the row (a stage entry gets its last numbers only
    when it finishes) and sent as one event."""
    _set_overall_progress(job, stage, completed, total, unit, message, step, reading)
    append_event(session, job, "progress", dict(job.progress))


def _set_overall_progress(
    job: Job,
    stage: str | None,
    completed: float,
    total: float | None,
    unit: str,
    message: str,
    step: str | None,
    reading: StageReading,
) -> None:
    """The bar never goes back: a resumed job repeats its first stages, and a pace that turns
    out slower than thought would otherwise pull it back."""
    estimate = overall(job.stages, stage, reading)
    previous = float(job.progress.get("fraction", 0.0) or 0.0)
    job.progress = {
        "stage": stage,
        "step": step,
        "completed": completed,
        "total": total,
        "unit": unit,
        "fraction": round(max(previous, estimate.fraction), 4),
        "eta_seconds": _rounded(estimate.eta_seconds),
        "eta_low_seconds": _rounded(estimate.eta_low_seconds),
        "eta_high_seconds": _rounded(estimate.eta_high_seconds),
        "message": message,
    }


def _rounded(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 1)


def add_log(session: Session, job: Job, message: str, level: str, limit: int) -> None:
    if job.log_lines >= limit:
        return
    job.log_lines += 1
    if job.log_lines == limit:
        message, level = f"log truncated after {limit} lines", "warning"
    append_event(session, job, "log", {"level": level, "message": message[:2000]})


def set_checkpoint(job: Job, key: str) -> None:
    job.checkpoint_key = key


def stop_request(session: Session, job_id: uuid.UUID, attempt: int) -> str | None:
    job = session.get(Job, job_id)
    if job is None or job.attempt != attempt or Status(job.status) not in ON_A_WORKER:
        return "fenced"
    if job.status == Status.CANCELLING:
        return "cancel"
    if job.status == Status.PAUSING:
        return "pause"
    return None
