from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, Response, Security, status

from synthfoundry.accounts.principal import Principal
from synthfoundry.api.deps import AppStateDep, SessionDep
from synthfoundry.api.problems import AUTH_PROBLEMS, problem_response
from synthfoundry.api.security import audit_context, authenticated
from synthfoundry.batch import service
from synthfoundry.batch.schemas import BatchCreate
from synthfoundry.jobs.schemas import JobRead

router = APIRouter(prefix="/v1/batch", tags=["batch"], responses=AUTH_PROBLEMS)

BatchWrite = Annotated[
    Principal,
    Security(authenticated, scopes=["generators:write", "synthetic-datasets:write"]),
]


@router.post(
    "",
    response_model=JobRead,
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        404: problem_response("No such generator of yours"),
        429: problem_response("Too many unfinished jobs or job requests"),
    },
)
def create_batch(
    request: Request,
    response: Response,
    body: BatchCreate,
    principal: BatchWrite,
    session: SessionDep,
    state: AppStateDep,
) -> JobRead:
    """Several train and generate operations as one parent job with a child job each, in
    sequence (stopping at the first failure) or in parallel. The parent's result lists its
    children; cancelling it cancels them."""
    state.rate_limiter.hit("jobs", str(principal.user_id))
    job = service.create(session, audit_context(request), principal, state.settings.jobs, body)
    response.headers["Location"] = f"/v1/jobs/{job.id}"
    return JobRead.of(job)
