"""Jobs as their owners see them: create, read, list, cancel, pause, resume, events."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from synthfoundry import audit
from synthfoundry.accounts.ownership import get_visible
from synthfoundry.accounts.principal import Principal
from synthfoundry.audit import AuditContext
from synthfoundry.config import JobsSettings
from synthfoundry.db import utcnow
from synthfoundry.db.pagination import Page, paginate
from synthfoundry.errors import QuotaExceeded
from synthfoundry.jobs import records
from synthfoundry.jobs.kinds import get_kind
from synthfoundry.jobs.models import Job, JobEvent
from synthfoundry.jobs.states import ACTIVE, Action, Status, status_after

MAX_EVENTS_PER_READ = 1000


def create(
    session: Session,
    context: AuditContext,
    principal: Principal,
    settings: JobsSettings,
    kind_name: str,
    params: dict[str, Any],
    *,
    target_type: str | None = None,
    target_id: uuid.UUID | None = None,
) -> Job:
    kind = get_kind(kind_name)
    validated = kind.Params.model_validate(params)
    active = session.scalar(
        select(func.count())
        .select_from(Job)
        .where(Job.owner_id == principal.user_id, Job.status.in_([str(s) for s in ACTIVE]))
    )
    if (active or 0) >= settings.max_active_per_user:
        raise QuotaExceeded(
            f"you have {active} unfinished jobs; the limit is {settings.max_active_per_user}"
        )
    job = Job(
        owner_id=principal.user_id,
        kind=kind.name,
        queue=kind.queue,
        status=Status.QUEUED,
        target_type=target_type,
        target_id=target_id,
        params=validated.model_dump(mode="json"),
        stages=[{"name": name, "status": "pending"} for name in kind.stages],
        progress={"fraction": 0.0},
        max_retries=settings.max_retries,
    )
    session.add(job)
    session.flush()
    records.append_event(session, job, "status", {"status": job.status, "attempt": 0})
    audit.record(
        session,
        context,
        "jobs.create",
        target_type="job",
        target_id=job.id,
        details={"kind": job.kind},
    )
    records.notify_after_commit(session)
    return job


def get_owned(session: Session, principal: Principal, job_id: uuid.UUID) -> Job:
    return get_visible(session, Job, principal, job_id, "job")


def list_page(
    session: Session,
    principal: Principal,
    *,
    status: Status | None,
    kind: str | None,
    all_owners: bool,
    limit: int,
    cursor: str | None,
) -> Page[Job]:
    statement = select(Job)
    if not principal.lists_everyone(all_owners):
        statement = statement.where(Job.owner_id == principal.user_id)
    if status is not None:
        statement = statement.where(Job.status == status)
    if kind is not None:
        statement = statement.where(Job.kind == kind)
    return paginate(session, statement, Job.id, limit=limit, cursor=cursor)


def act(
    session: Session, context: AuditContext, principal: Principal, job_id: uuid.UUID, action: Action
) -> Job:
    """Apply cancel, pause or resume as the state table says, or raise ``InvalidState`` (409)."""
    get_owned(session, principal, job_id)
    job = records.locked(session, job_id)
    assert job is not None
    current = Status(job.status)
    target = status_after(current, action)
    if target != current:
        now = utcnow()
        if action == Action.CANCEL:
            job.cancel_requested_at = now
        elif action == Action.PAUSE:
            job.pause_requested_at = now
        elif action == Action.RESUME:
            job.pause_requested_at = None
            job.enqueued_at = None
        records.set_status(session, job, target)
        records.notify_after_commit(session)
    audit.record(
        session,
        context,
        f"jobs.{action}",
        target_type="job",
        target_id=job.id,
        details={"from": str(current), "to": str(target)},
    )
    return job


def events_after(
    session: Session,
    job_id: uuid.UUID,
    after_seq: int,
    *,
    event_type: str | None = None,
    limit: int = MAX_EVENTS_PER_READ,
) -> list[JobEvent]:
    statement = select(JobEvent).where(JobEvent.job_id == job_id, JobEvent.seq > after_seq)
    if event_type is not None:
        statement = statement.where(JobEvent.type == event_type)
    return list(session.scalars(statement.order_by(JobEvent.seq).limit(limit)))


def active_job_for(session: Session, target_id: uuid.UUID) -> uuid.UUID | None:
    """An unfinished job working on ``target_id``, if any (such objects are not deleted)."""
    return session.scalar(
        select(Job.id).where(Job.target_id == target_id, Job.status.in_(ACTIVE)).limit(1)
    )
