"""Liveness, readiness and Prometheus metrics, outside the versioned API."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from synthfoundry.api.deps import AppStateDep
from synthfoundry.api.problems import ProblemResponse, problem_for_request, problem_response
from synthfoundry.logging import get_logger

CHECK_TIMEOUT_SECONDS = 5.0

router = APIRouter(tags=["system"])
logger = get_logger("synthfoundry.api.health")


class Liveness(BaseModel):
    status: str = "ok"


class Readiness(BaseModel):
    status: str
    checks: dict[str, str]


async def _run_check(name: str, check: Callable[[], None]) -> str:
    try:
        await asyncio.wait_for(run_in_threadpool(check), timeout=CHECK_TIMEOUT_SECONDS)
    except TimeoutError:
        return f"timed out after {CHECK_TIMEOUT_SECONDS:g} s"
    except Exception as exc:
        logger.warning("readiness check failed", check=name, error=repr(exc))
        # The class name tells an operator what broke without echoing hosts or paths.
        return f"unreachable ({type(exc).__name__})"
    return "ok"


@router.get("/healthz", response_model=Liveness)
async def healthz() -> Liveness:
    """Liveness: the process is up and serving requests."""
    return Liveness()


@router.get("/health", response_model=Liveness, include_in_schema=False)
async def health() -> Liveness:
    """The original service's liveness path: the same answer as ``/healthz``."""
    return Liveness()


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: problem_response("A dependency is unreachable; `checks` names which")},
)
async def readyz(request: Request, state: AppStateDep) -> Readiness | ProblemResponse:
    """Readiness: the database and the blob storage answer."""
    names = ("database", "storage")
    results = await asyncio.gather(
        _run_check("database", state.database.ping), _run_check("storage", state.storage.ping)
    )
    checks = dict(zip(names, results, strict=True))
    failing = [name for name, result in checks.items() if result != "ok"]
    if failing:
        return problem_for_request(
            request,
            503,
            detail=f"Not ready: {', '.join(f'{name} {checks[name]}' for name in failing)}",
            checks=checks,
        )
    return Readiness(status="ready", checks=checks)


class LiveEvents(BaseModel):
    watched_jobs: int = Field(description="jobs with at least one live reader")
    job_readers: int = Field(description="readers of a single job (WebSocket or event stream)")
    owner_readers: int = Field(description="readers of all of an owner's jobs")
    websockets: int = Field(description="open WebSocket connections")
    event_streams: int = Field(description="open Server-Sent Event streams")
    last_event_id: int


@router.get("/healthz/events", response_model=LiveEvents)
async def live_events(state: AppStateDep) -> LiveEvents:
    """Live job updates of this process: one pump reads the events once and hands each to the
    readers of its job, however many clients watch it."""
    stats = state.events.stats()
    return LiveEvents(
        watched_jobs=stats.watched_jobs,
        job_readers=stats.job_readers,
        owner_readers=stats.owner_readers,
        websockets=state.live.websockets,
        event_streams=state.live.event_streams,
        last_event_id=stats.last_event_id,
    )


@router.get("/metrics", response_class=Response)
async def metrics(state: AppStateDep) -> Response:
    """Prometheus metrics: request counts and latency histograms by route, process figures."""
    return Response(state.metrics.render(), media_type="text/plain; version=0.0.4")
