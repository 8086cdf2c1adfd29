from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from synthfoundry.accounts.actor import Actor
from synthfoundry.api.accepted import JOB_PROBLEMS, job_accepted
from synthfoundry.api.deps import AppStateDep, SessionDep
from synthfoundry.api.pagination import Cursor, Limit, PageOf
from synthfoundry.api.problems import AUTH_PROBLEMS, Responses, problem_response
from synthfoundry.api.security import Admin, require_scope
from synthfoundry.jobs import service
from synthfoundry.jobs.diagnostics import StepsParams
from synthfoundry.jobs.schemas import DiagnosticJobCreate, JobEventRead, JobRead
from synthfoundry.jobs.states import Action, Status

router = APIRouter(
    prefix="/v1/jobs",
    tags=["jobs"],
    responses=AUTH_PROBLEMS,
)
NOT_FOUND: Responses = {404: problem_response("No such job of yours")}
REFUSED: Responses = {409: problem_response("The job's status does not allow this action")}

MAX_OFFSET = 1_000_000

JobsRead = Annotated[Actor, require_scope("jobs:read")]
JobsWrite = Annotated[Actor, require_scope("jobs:write")]


@router.get("", response_model=PageOf[JobRead])
def list_jobs(
    actor: JobsRead,
    session: SessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    offset: Annotated[
        int,
        Query(ge=0, le=MAX_OFFSET, description="skip this many jobs (after `cursor`, if given)"),
    ] = 0,
    status: Annotated[Status | None, Query(description="only jobs in this status")] = None,
    kind: Annotated[str | None, Query(max_length=64)] = None,
    all_owners: Annotated[bool, Query(description="every user's jobs (admin)")] = False,
) -> PageOf[JobRead]:
    """Your jobs, newest first. Page with `next_cursor`; `offset` skips jobs, for a table that
    jumps to a page (a cursor stays right while jobs are added)."""
    page = service.list_page(
        session,
        actor,
        status=status,
        kind=kind,
        all_owners=all_owners,
        limit=limit,
        cursor=cursor,
        offset=offset,
    )
    return PageOf[JobRead](
        items=[JobRead.of(job) for job in page.items], next_cursor=page.next_cursor
    )


@router.post(
    "/diagnostics",
    response_model=JobRead,
    status_code=status.HTTP_202_ACCEPTED,
    responses=JOB_PROBLEMS,
)
def create_diagnostic_job(
    response: Response,
    body: DiagnosticJobCreate,
    actor: Admin,
    session: SessionDep,
    state: AppStateDep,
) -> JobRead:
    """Start a `system.steps` job (N timed steps with checkpoints) to check that workers,
    progress, cancel, pause and resume work end to end (admin)."""
    params = StepsParams(**body.model_dump())
    return job_accepted(state, actor, response, lambda: service.submit(session, actor, params))


@router.get("/{job_id}", response_model=JobRead, responses=NOT_FOUND)
def get_job(job_id: uuid.UUID, actor: JobsRead, session: SessionDep) -> JobRead:
    """One job: status, stages, progress, result or error."""
    return JobRead.of(service.get_owned(session, actor, job_id))


@router.post(
    "/{job_id}/cancel",
    response_model=JobRead,
    status_code=status.HTTP_202_ACCEPTED,
    responses={**NOT_FOUND, **REFUSED},
)
def cancel_job(job_id: uuid.UUID, actor: JobsWrite, session: SessionDep) -> JobRead:
    """Cancel: a queued or paused job at once, a running one at its next safe point."""
    return JobRead.of(service.act(session, actor, job_id, Action.CANCEL))


@router.post(
    "/{job_id}/pause",
    response_model=JobRead,
    status_code=status.HTTP_202_ACCEPTED,
    responses={**NOT_FOUND, **REFUSED},
)
def pause_job(job_id: uuid.UUID, actor: JobsWrite, session: SessionDep) -> JobRead:
    """Pause: a running job checkpoints and stops at its next safe point; resume continues there."""
    return JobRead.of(service.act(session, actor, job_id, Action.PAUSE))


@router.post(
    "/{job_id}/resume",
    response_model=JobRead,
    status_code=status.HTTP_202_ACCEPTED,
    responses={**NOT_FOUND, **REFUSED},
)
def resume_job(job_id: uuid.UUID, actor: JobsWrite, session: SessionDep) -> JobRead:
    """Resume a paused job from its last checkpoint."""
    return JobRead.of(service.act(session, actor, job_id, Action.RESUME))


@router.get("/{job_id}/logs", response_model=list[JobEventRead], responses=NOT_FOUND)
def get_job_logs(
    job_id: uuid.UUID,
    actor: JobsRead,
    session: SessionDep,
    after_seq: Annotated[
        int, Query(ge=0, le=2**62, description="only lines after this sequence")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[JobEventRead]:
    """The job's log lines, oldest first."""
    service.get_owned(session, actor, job_id)
    events = service.events_after(session, job_id, after_seq, event_type="log", limit=limit)
    return [JobEventRead.model_validate(event) for event in events]
