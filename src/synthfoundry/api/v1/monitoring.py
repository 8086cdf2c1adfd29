"""Monitoring for admins: the platform's figures and its workers. The router's lifespan also
adds the platform's gauges to ``/metrics`` for the app that mounts it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from synthfoundry.api.deps import AppStateDep, SessionDep
from synthfoundry.api.metrics import LiveFigures, PlatformFigures, PlatformGauges
from synthfoundry.api.problems import AUTH_PROBLEMS
from synthfoundry.api.security import Admin
from synthfoundry.api.state import AppState
from synthfoundry.jobs.workers import stale_after_seconds
from synthfoundry.monitoring import service
from synthfoundry.monitoring.schemas import Connections, Metrics, WorkerList


def _platform_gauges(state: AppState) -> PlatformGauges:
    stale_after = stale_after_seconds(state.settings.jobs)

    def platform() -> PlatformFigures:
        with state.database.unit_of_work() as session:
            tally = service.tally_jobs(session, state.settings.jobs.queues)
            workers = service.worker_counts(session, stale_after)
        return PlatformFigures(
            jobs_by_status=tally.jobs.by_status,
            queue_depth={queue: depth.queued for queue, depth in tally.queues.items()},
            workers_alive=workers.alive,
            workers_stale=workers.stale,
        )

    def live() -> LiveFigures:
        return LiveFigures(websockets=state.live.websockets, event_streams=state.live.event_streams)

    return PlatformGauges(platform, live)


@asynccontextmanager
async def platform_gauges(app: FastAPI) -> AsyncIterator[None]:
    """Runs inside the app's own lifespan (FastAPI nests a router's), once its state exists."""
    state: AppState | None = getattr(app.state, "synthfoundry", None)
    if state is None:  # an app without the platform's state has no figures to show
        yield
        return
    gauges = _platform_gauges(state)
    state.metrics.add_collector(gauges)
    try:
        yield
    finally:
        state.metrics.remove_collector(gauges)


router = APIRouter(
    prefix="/v1/monitoring",
    tags=["monitoring"],
    responses=AUTH_PROBLEMS,
    lifespan=platform_gauges,
)


@router.get("/metrics", response_model=Metrics)
def get_monitoring_metrics(actor: Admin, session: SessionDep, state: AppStateDep) -> Metrics:
    """Jobs by status and kind, queue depth per queue, throughput over the last 1, 5 and 60
    minutes, workers alive and stale, this API process's live connections, and its host's CPU,
    memory and (where the process uses CUDA) GPUs (admin)."""
    pump = state.events.stats()
    return service.metrics(
        session,
        connections=Connections(
            websockets=state.live.websockets,
            event_streams=state.live.event_streams,
            watched_jobs=pump.watched_jobs,
            job_readers=pump.job_readers,
            owner_readers=pump.owner_readers,
        ),
        queues=state.settings.jobs.queues,
        stale_after_seconds=stale_after_seconds(state.settings.jobs),
    )


@router.get("/workers", response_model=WorkerList)
def list_monitoring_workers(actor: Admin, session: SessionDep, state: AppStateDep) -> WorkerList:
    """Each worker heard from in the last hour: host, process, queues, concurrency, last
    heartbeat (``stale`` once it is older than ``stale_after_seconds``) and the jobs it runs
    (admin)."""
    return service.workers(session, stale_after_seconds(state.settings.jobs))
