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
    _set_overall_progress(job, name, 0.0, None, "steps", "", None)
    append_event(session, job, "stage", {"stage": name, "status": "running"})


def finish_stage(session: Session, job: Job, name: str) -> None:
    """The stage keeps the last numbers it reported (ticks write them on the job only)."""
    progress = job.progress
    last = (
        {key: progress.get(key) for key in ("completed", "total", "unit", "message")}
        if progress.get("stage") == name and progress.get("total") is not None
        else {}
    )
    job.stages = [
        {**stage, **last, "status": "succeeded", "finished_at": utcnow().isoformat()}
        if stage["name"] == name
        else stage
        for stage in job.stages
    ]
    append_event(session, job, "stage", {"stage": name, "status": "succeeded"})


def set_progress(
    session: Session,
    job: Job,
    stage: str | None,
    completed: float,
    total: float | None,
    unit: str,
    message: str,
    step: str | None = None,
) -> None:
    """The job's progress, written once on the row (a stage entry gets its last numbers only
    when it finishes) and sent as one event."""
    _set_overall_progress(job, stage, completed, total, unit, message, step)
    append_event(session, job, "progress", dict(job.progress))


def _set_overall_progress(
    job: Job,
    stage: str | None,
    completed: float,
    total: float | None,
    unit: str,
    message: str,
    step: str | None,
) -> None:
    """Each stage counts by its weight, and the bar never goes back (a resumed job repeats its
    first stages). The ETA extrapolates the current stage's own pace over what is left of it and
    of the stages after it, so that quick loading stages do not make training look short."""
    weights = [float(entry.get("weight", 1.0)) for entry in job.stages]
    names = [entry["name"] for entry in job.stages]
    whole = sum(weights) or 1.0
    stage_fraction = min(1.0, completed / total) if total else 0.0
    index = names.index(stage) if stage in names else 0
    done_before = sum(weights[:index])
    current_weight = weights[index] if weights else 1.0
    fraction = (done_before + current_weight * stage_fraction) / whole if names else stage_fraction
    fraction = max(fraction, float(job.progress.get("fraction", 0.0) or 0.0))  # never backwards
    eta: float | None = None
    started = job.stages[index].get("started_at") if names else None
    if started and 0 < stage_fraction < 1:
        in_stage = (utcnow() - datetime.fromisoformat(started)).total_seconds()
        stage_left = in_stage * (1 - stage_fraction) / stage_fraction
        per_weight = in_stage / (current_weight * stage_fraction)
        after = sum(weights[index + 1 :]) * per_weight if index + 1 < len(weights) else 0.0
        eta = round(stage_left + after, 1)
    job.progress = {
        "stage": stage,
        "step": step,
        "completed": completed,
        "total": total,
        "unit": unit,
        "fraction": round(fraction, 4),
        "eta_seconds": eta,
        "message": message,
    }


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
