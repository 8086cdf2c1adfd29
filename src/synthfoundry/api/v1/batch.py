from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response, status

from synthfoundry.accounts.actor import Actor
from synthfoundry.api.accepted import JOB_PROBLEMS, job_accepted
from synthfoundry.api.deps import AppStateDep, SessionDep
from synthfoundry.api.problems import AUTH_PROBLEMS, problem_response
from synthfoundry.api.security import require_scope
from synthfoundry.batch import service
from synthfoundry.batch.schemas import BatchCreate
from synthfoundry.jobs.schemas import JobRead

router = APIRouter(prefix="/v1/batch", tags=["batch"], responses=AUTH_PROBLEMS)

BatchWrite = Annotated[Actor, require_scope("generators:write", "synthetic-datasets:write")]


@router.post(
    "",
    response_model=JobRead,
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        404: problem_response("No such generator of yours"),
        **JOB_PROBLEMS,
    },
)
def create_batch(
    response: Response,
    body: BatchCreate,
    actor: BatchWrite,
    session: SessionDep,
    state: AppStateDep,
) -> JobRead:
    """Several train and generate operations as one parent job with a child job each, in
    sequence (stopping at the first failure) or in parallel. The parent's result lists its
    children; cancelling it cancels them."""
    return job_accepted(state, actor, response, lambda: service.create(session, actor, body))
