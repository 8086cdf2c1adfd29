from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, Security, status

from synthfoundry.accounts.principal import Principal
from synthfoundry.accounts.scopes import ADMIN
from synthfoundry.api.deps import AppStateDep, SessionDep
from synthfoundry.api.pagination import Cursor, Limit, PageOf
from synthfoundry.api.problems import AUTH_PROBLEMS, Responses, problem_response
from synthfoundry.api.security import audit_context, authenticated
from synthfoundry.jobs import service
from synthfoundry.jobs.schemas import DiagnosticJobCreate, JobEventRead, JobRead
from synthfoundry.jobs.states import Action, Status

router = APIRouter(
    prefix="/v1/jobs",
    tags=["jobs"],
    responses=AUTH_PROBLEMS,
)
NOT_FOUND: Responses = {404: problem_response("No such job of yours")}
REFUSED: Responses = {409: problem_response("The job's status does not allow this action")}

JobsRead = Annotated[Principal, Security(authenticated, scopes=["jobs:read"])]
JobsWrite = Annotated[Principal, Security(authenticated, scopes=["jobs:write"])]
Admin = Annotated[Principal, Security(authenticated, scopes=[ADMIN])]


@router.get("", response_model=PageOf[JobRead])
def list_jobs(
    principal: JobsRead,
    session: SessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    status: Annotated[Status | None, Query(description="only jobs in this status")] = None,
    kind: Annotated[str | None, Query(max_length=64)] = None,
    all_owners: Annotated[bool, Query(description="every user's jobs (admin)")] = False,
) -> PageOf[JobRead]:
    """Your jobs, newest first."""
    page = service.list_page(
        session,
        principal,
        status=status,
        kind=kind,
        all_owners=all_owners,
        limit=limit,
        cursor=cursor,
    )
    return PageOf[JobRead](
        items=[JobRead.of(job) for job in page.items], next_cursor=page.next_cursor
    )


@router.post(
    "/diagnostics",
    response_model=JobRead,
    status_code=status.HTTP_202_ACCEPTED,
    responses={429: problem_response("Too many unfinished jobs or job requests")},
)
def create_diagnostic_job(
    request: Request,
    response: Response,
    body: DiagnosticJobCreate,
    principal: Admin,
    session: SessionDep,
    state: AppStateDep,
) -> JobRead:
    """Start a `system.steps` job (N timed steps with checkpoints) to check that workers,
    progress, cancel, pause and resume work end to end (admin)."""
    state.rate_limiter.hit("jobs", str(principal.user_id))
    job = service.create(
        session,
        audit_context(request),
        principal,
        state.settings.jobs,
        "system.steps",
        body.model_dump(),
    )
    response.headers["Location"] = f"/v1/jobs/{job.id}"
    return JobRead.of(job)


@router.get("/{job_id}", response_model=JobRead, responses=NOT_FOUND)
def get_job(job_id: uuid.UUID, principal: JobsRead, session: SessionDep) -> JobRead:
    """One job: status, stages, progress, result or error."""
    return JobRead.of(service.get_owned(session, principal, job_id))


def _act(
    request: Request,
    session: SessionDep,
    principal: Principal,
    job_id: uuid.UUID,
    action: Action,
) -> JobRead:
    return JobRead.of(service.act(session, audit_context(request), principal, job_id, action))


@router.post(
    "/{job_id}/cancel",
    response_model=JobRead,
    status_code=status.HTTP_202_ACCEPTED,
    responses={**NOT_FOUND, **REFUSED},
)
def cancel_job(
    request: Request, job_id: uuid.UUID, principal: JobsWrite, session: SessionDep
) -> JobRead:
    """Cancel: a queued or paused job at once, a running one at its next safe point."""
    return _act(request, session, principal, job_id, Action.CANCEL)


@router.post(
    "/{job_id}/pause",
    response_model=JobRead,
    status_code=status.HTTP_202_ACCEPTED,
    responses={**NOT_FOUND, **REFUSED},
)
def pause_job(
    request: Request, job_id: uuid.UUID, principal: JobsWrite, session: SessionDep
) -> JobRead:
    """Pause: a running job checkpoints and stops at its next safe point; resume continues there."""
    return _act(request, session, principal, job_id, Action.PAUSE)


@router.post(
    "/{job_id}/resume",
    response_model=JobRead,
    status_code=status.HTTP_202_ACCEPTED,
    responses={**NOT_FOUND, **REFUSED},
)
def resume_job(
    request: Request, job_id: uuid.UUID, principal: JobsWrite, session: SessionDep
) -> JobRead:
    """Resume a paused job from its last checkpoint."""
    return _act(request, session, principal, job_id, Action.RESUME)


@router.get("/{job_id}/logs", response_model=list[JobEventRead], responses=NOT_FOUND)
def get_job_logs(
    job_id: uuid.UUID,
    principal: JobsRead,
    session: SessionDep,
    after_seq: Annotated[
        int, Query(ge=0, le=2**62, description="only lines after this sequence")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[JobEventRead]:
    """The job's log lines, oldest first."""
    service.get_owned(session, principal, job_id)
    events = service.events_after(session, job_id, after_seq, event_type="log", limit=limit)
    return [JobEventRead.model_validate(event) for event in events]
