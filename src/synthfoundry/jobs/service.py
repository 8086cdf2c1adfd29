"""Jobs as their owners see them: create, read, list, cancel, pause, resume, events."""

from __future__ import annotations

import uuid
from typing import ClassVar, Protocol

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from synthfoundry import audit, runtime
from synthfoundry.accounts.actor import Actor
from synthfoundry.accounts.ownership import get_visible
from synthfoundry.db.pagination import Page, paginate
from synthfoundry.errors import QuotaExceeded
from synthfoundry.jobs import records
from synthfoundry.jobs.kinds import kind_for
from synthfoundry.jobs.models import Job, JobEvent
from synthfoundry.jobs.states import ACTIVE, Action, Status

MAX_EVENTS_PER_READ = 1000


class JobTarget(Protocol):
    """An object a job works on (a generator, a dataset): the job's target."""

    target_type: ClassVar[str]

    @property
    def id(self) -> uuid.UUID: ...


def submit(
    session: Session,
    actor: Actor,
    params: BaseModel,
    *,
    target: JobTarget | None = None,
) -> Job:
    """Queue a job of the kind that takes ``params``, owned by the actor and remembering the
    actor's scopes (the job acts with them when it calls services). A job submitted by a job
    (``Actor.for_job``) is that job's child: cancel and pause reach it through its parent."""
    parent_id = actor.job_id
    kind = kind_for(params)
    settings = runtime.settings().jobs
    active = session.scalar(
        select(func.count())
        .select_from(Job)
        .where(Job.owner_id == actor.user_id, Job.status.in_([str(s) for s in ACTIVE]))
    )
    # Children of a running parent were paid for by the parent's slot.
    if parent_id is None and (active or 0) >= settings.max_active_per_user:
        raise QuotaExceeded(
            f"you have {active} unfinished jobs; the limit is {settings.max_active_per_user}"
        )
    job = Job(
        owner_id=actor.user_id,
        kind=kind.name,
        queue=kind.queue_for(params),
        status=Status.QUEUED,
        target_type=target.target_type if target is not None else None,
        target_id=target.id if target is not None else None,
        parent_job_id=parent_id,
        actor_scopes=sorted(actor.scopes),
        api_key_id=actor.principal.api_key_id,
        params=params.model_dump(mode="json"),
        stages=[
            {"name": stage.name, "weight": stage.weight, "status": "pending"}
            for stage in kind.stages_for(params)
        ],
        progress={"fraction": 0.0},
        max_retries=settings.max_retries,
    )
    session.add(job)
    session.flush()
    records.append_event(session, job, "status", {"status": job.status, "attempt": 0})
    audit.record(
        session,
        actor.audit,
        "jobs.create",
        target_type="job",
        target_id=job.id,
        details={"kind": job.kind},
    )
    records.notify_after_commit(session)
    return job


def get_owned(session: Session, actor: Actor, job_id: uuid.UUID) -> Job:
    return get_visible(session, Job, actor.principal, job_id, "job")


def list_page(
    session: Session,
    actor: Actor,
    *,
    status: Status | None,
    kind: str | None,
    all_owners: bool,
    limit: int,
    cursor: str | None,
    offset: int = 0,
) -> Page[Job]:
    statement = select(Job).offset(offset)
    if not actor.principal.lists_everyone(all_owners):
        statement = statement.where(Job.owner_id == actor.user_id)
    if status is not None:
        statement = statement.where(Job.status == status)
    if kind is not None:
        statement = statement.where(Job.kind == kind)
    return paginate(session, statement, Job.id, limit=limit, cursor=cursor)


def act(session: Session, actor: Actor, job_id: uuid.UUID, action: Action) -> Job:
    """Apply cancel, pause or resume as the state table says, or raise ``InvalidState`` (409);
    the job's unfinished children follow it."""
    get_owned(session, actor, job_id)
    job = records.locked(session, job_id)
    assert job is not None
    current, target = records.act(session, job, action)
    records.notify_after_commit(session)
    audit.record(
        session,
        actor.audit,
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
