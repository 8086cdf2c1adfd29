"""Claiming and running one job: the same code in a local child process and in a Celery worker."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from synthfoundry import runtime
from synthfoundry.config import Settings
from synthfoundry.db import Database, utcnow
from synthfoundry.errors import ServiceUnavailable, SynthfoundryError
from synthfoundry.jobs import records
from synthfoundry.jobs.context import JobContext, StopRequested
from synthfoundry.jobs.kinds import get_kind
from synthfoundry.jobs.models import Job
from synthfoundry.jobs.states import ON_A_WORKER, Status
from synthfoundry.logging import get_logger
from synthfoundry.packages import import_job_kinds, import_models
from synthfoundry.storage import BlobStore

import_models()  # foreign keys need every table

logger = get_logger("synthfoundry.jobs")
CLAIM_CANDIDATES = 8
OUTAGE_PATIENCE_SECONDS = 300.0
OUTAGE_RETRY_MAX_SECONDS = 5.0


def claim(
    database: Database, job_id: uuid.UUID, worker_id: str, lease_seconds: float
) -> int | None:
    """Take a queued job for this worker; return the new attempt number, or ``None`` if the job
    is not queued (another worker has it, or it was cancelled): a redelivered message is a no-op."""
    with database.unit_of_work(write=True) as session:
        job = records.locked(session, job_id)
        if job is None or job.status != Status.QUEUED:
            return None
        now = utcnow()
        job.attempt += 1
        job.worker_id = worker_id
        job.heartbeat_at = now
        job.lease_expires_at = now + timedelta(seconds=lease_seconds)
        records.set_status(session, job, Status.RUNNING)
        records.notify_after_commit(session)
        return job.attempt


def claim_next(
    database: Database, worker_id: str, queues: list[str], lease_seconds: float
) -> tuple[uuid.UUID, int] | None:
    with database.unit_of_work() as session:
        candidates = list(
            session.scalars(
                select(Job.id)
                .where(Job.status == Status.QUEUED, Job.queue.in_(queues))
                # Jobs that have run before (recovered, given back, resumed) first: their work
                # is half done, and a recovery must not wait behind the whole backlog.
                .order_by(Job.attempt == 0, Job.created_at, Job.id)
                .limit(CLAIM_CANDIDATES)
            )
        )
    for job_id in candidates:
        attempt = claim(database, job_id, worker_id, lease_seconds)
        if attempt is not None:
            return job_id, attempt
    return None


class Heartbeat(threading.Thread):
    """Renews the job's lease while it runs; tells the context when another runner took over."""

    def __init__(self, database: Database, context: JobContext, settings: Settings) -> None:
        super().__init__(name=f"heartbeat-{context.job_id}", daemon=True)
        self.database = database
        self.context = context
        self.interval = settings.jobs.heartbeat_seconds
        self.lease = timedelta(seconds=settings.jobs.lease_seconds)
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                if not self.beat():
                    self.context.mark_fenced()
                    return
            except Exception as exc:  # a blip: the lease outlasts a few missed beats
                logger.warning("heartbeat failed", job_id=str(self.context.job_id), error=repr(exc))

    def beat(self) -> bool:
        now = utcnow()
        with self.database.unit_of_work() as session:
            result = session.execute(
                update(Job)
                .where(
                    Job.id == self.context.job_id,
                    Job.attempt == self.context.attempt,
                    Job.status.in_([str(status) for status in ON_A_WORKER]),
                )
                .values(heartbeat_at=now, lease_expires_at=now + self.lease)
            )
            return getattr(result, "rowcount", 0) == 1


def _finish(
    database: Database,
    job_id: uuid.UUID,
    attempt: int,
    status: Status,
    *,
    result: dict[str, Any] | None = None,
    error: tuple[str, str] | None = None,
) -> None:
    def change(session: Any, job: Job) -> None:
        target = status
        if status == Status.QUEUED:  # a graceful stop: give the job back, or honour a request
            target = {Status.CANCELLING: Status.CANCELLED, Status.PAUSING: Status.PAUSED}.get(
                Status(job.status), Status.QUEUED
            )
        if result is not None:
            job.result = result
        records.set_status(session, job, target, error=error)

    if not records.apply(database, job_id, attempt, change):
        logger.warning("job finished by another runner; result dropped", job_id=str(job_id))


def execute(
    database: Database,
    storage: BlobStore,
    settings: Settings,
    job_id: uuid.UUID,
    attempt: int,
    shutdown: threading.Event | None = None,
) -> None:
    """Run a claimed job to a terminal (or paused, or re-queued) state."""
    with database.unit_of_work() as session:
        job = session.get(Job, job_id)
        if job is None:
            return
        kind_name, raw_params = job.kind, dict(job.params)
        stage_names = tuple(stage["name"] for stage in job.stages)
    runtime.configure(settings, storage)
    kind = get_kind(kind_name)
    context = JobContext(
        database=database,
        storage=storage,
        settings=settings.jobs,
        job_id=job_id,
        attempt=attempt,
        params=kind.Params.model_validate(raw_params),
        stage_names=stage_names,
        shutdown=shutdown or threading.Event(),
        app_settings=settings,
    )
    heartbeat = Heartbeat(database, context, settings)
    heartbeat.start()
    log = logger.bind(job_id=str(job_id), kind=kind_name, attempt=attempt)
    log.info("job started")
    try:
        result = kind.run(context)
    except StopRequested as stop:
        log.info("job stopped", reason=stop.reason)
        if stop.reason == "cancel":
            kind.cleanup(context)
            _finish(database, job_id, attempt, Status.CANCELLED)
        elif stop.reason == "pause":
            _finish(database, job_id, attempt, Status.PAUSED)
        elif stop.reason == "shutdown":
            _finish(database, job_id, attempt, Status.QUEUED)
    except Exception as exc:
        if _is_outage(exc):
            log.warning("outage: the job resumes from its checkpoint", error=repr(exc))
            _give_back_after_outage(database, job_id, attempt, context.shutdown)
            return
        log.exception("job failed")
        code = exc.code if isinstance(exc, SynthfoundryError) else "job_error"
        if not context.fenced:  # a fenced attempt's clean-up would undo the current one's work
            kind.cleanup(context)
        _finish(
            database,
            job_id,
            attempt,
            Status.FAILED,
            error=(code, f"{type(exc).__name__}: {exc}"[:2000]),
        )
    else:
        log.info("job succeeded")
        _finish(database, job_id, attempt, Status.SUCCEEDED, result=result or {})
    finally:
        heartbeat.stopped.set()


def _is_outage(exc: BaseException) -> bool:
    """Whether ``exc`` (or what it was raised from) is a dependency outage rather than the job's
    own failure: the database or storage unreachable for a while is no verdict on the job."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ServiceUnavailable):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _give_back_after_outage(
    database: Database, job_id: uuid.UUID, attempt: int, shutdown: threading.Event
) -> None:
    """Queue the job again once the database answers, keeping its checkpoint (no clean-up), so
    that it resumes where it was. If the outage outlasts our patience (or the worker stops),
    the job's lease runs out and the reaper re-queues it the same way."""
    deadline = time.monotonic() + OUTAGE_PATIENCE_SECONDS
    pause = 0.2
    while True:
        try:
            _finish(database, job_id, attempt, Status.QUEUED)
            return
        except ServiceUnavailable:
            if time.monotonic() + pause > deadline or shutdown.wait(pause):
                logger.warning("outage outlasted the wait", job_id=str(job_id))
                return
            pause = min(pause * 2, OUTAGE_RETRY_MAX_SECONDS)


def run_job(
    database: Database,
    storage: BlobStore,
    settings: Settings,
    job_id: uuid.UUID,
    worker_id: str,
    shutdown: threading.Event | None = None,
) -> bool:
    """Claim and run a job; ``False`` if it could not be claimed (not queued any more)."""
    import_job_kinds()  # before the claim starts the lease: the first import takes seconds
    attempt = claim(database, job_id, worker_id, settings.jobs.lease_seconds)
    if attempt is None:
        return False
    execute(database, storage, settings, job_id, attempt, shutdown)
    return True
