"""Every "202 Accepted + job" route answers the same way: the caller's job-rate budget is spent
first, the service submits the job, the answer is the job with its ``Location``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Response

from synthfoundry.accounts.actor import Actor
from synthfoundry.api.problems import problem_response
from synthfoundry.api.state import AppState
from synthfoundry.jobs.models import Job
from synthfoundry.jobs.schemas import JobRead

JOB_PROBLEMS: dict[int | str, dict[str, Any]] = {
    429: problem_response("Too many unfinished jobs or job requests"),
}


def job_accepted(
    state: AppState, actor: Actor, response: Response, submit: Callable[[], Job]
) -> JobRead:
    state.rate_limiter.hit("jobs", str(actor.user_id))
    job = submit()
    response.headers["Location"] = f"/v1/jobs/{job.id}"
    return JobRead.of(job)
