"""Every change to a job row, each with its event, in one place. Writes from a runner are fenced:
they apply only while the row still carries the runner's attempt number."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from synthfoundry.db import Database, after_commit, utcnow
from synthfoundry.jobs.models import Job, JobEvent
from synthfoundry.jobs.states import ON_A_WORKER, TERMINAL, Status, transition

JobChange = Callable[[Session, Job], None]

_notify: Callable[[], None] = lambda: None  # noqa: E731


def set_notifier(notify: Callable[[], None]) -> None:
    """Called after each committed change (the event bus wakes subscribers with it)."""
    global _notify
    _notify = notify


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
    transition(job, status)
    now = utcnow()
    if status == Status.RUNNING and job.started_at is None:
        job.started_at = now
    if status == Status.SUCCEEDED:
        job.progress = {**job.progress, "fraction": 1.0, "eta_seconds": 0.0}
    if status in TERMINAL:
        job.finished_at = now
        job.lease_expires_at = None
        job.stages = [
            {**stage, "status": "cancelled" if status == Status.CANCELLED else "skipped"}
            if stage["status"] in ("pending", "running")
            else stage
            for stage in job.stages
        ]
    if error is not None:
        job.error_code, job.error_message = error
    data: dict[str, Any] = {"status": job.status, "attempt": job.attempt}
    if error is not None:
        data["error"] = {"code": error[0], "message": error[1]}
    append_event(session, job, "status", data)


def _update_stage(job: Job, name: str, **fields: Any) -> None:
    job.stages = [{**stage, **fields} if stage["name"] == name else stage for stage in job.stages]


def start_stage(session: Session, job: Job, name: str) -> None:
    _update_stage(job, name, status="running", started_at=utcnow().isoformat(), finished_at=None)
    _set_overall_progress(job, name, 0.0, None, "steps", "")
    append_event(session, job, "stage", {"stage": name, "status": "running"})


def finish_stage(session: Session, job: Job, name: str) -> None:
    _update_stage(job, name, status="succeeded", finished_at=utcnow().isoformat())
    append_event(session, job, "stage", {"stage": name, "status": "succeeded"})


def set_progress(
    session: Session,
    job: Job,
    stage: str | None,
    completed: float,
    total: float | None,
    unit: str,
    message: str,
) -> None:
    if stage is not None:
        _update_stage(job, stage, completed=completed, total=total, unit=unit, message=message)
    _set_overall_progress(job, stage, completed, total, unit, message)
    append_event(session, job, "progress", dict(job.progress))


def _set_overall_progress(
    job: Job, stage: str | None, completed: float, total: float | None, unit: str, message: str
) -> None:
    names = [entry["name"] for entry in job.stages]
    stage_fraction = min(1.0, completed / total) if total else 0.0
    index = names.index(stage) if stage in names else 0
    fraction = (index + stage_fraction) / len(names) if names else stage_fraction
    eta: float | None = None
    if job.started_at is not None and 0 < fraction < 1:
        elapsed = (utcnow() - job.started_at).total_seconds()
        eta = round(elapsed * (1 - fraction) / fraction, 1)
    job.progress = {
        "stage": stage,
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
