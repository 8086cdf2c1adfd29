"""The worker registry: every process that takes jobs (a local dispatcher, a Celery worker) keeps
a row in ``workers`` fresh while it lives and removes it when it stops cleanly.

A worker that died without a word keeps its row: it is *stale* once its heartbeat is older than
``stale_after_seconds`` and its row is deleted an hour later. The job processes a worker starts
name themselves ``{worker id}:{their pid}``, so a job's ``worker_id`` leads back to its worker.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import JSON, String, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from synthfoundry.config import JobsSettings
from synthfoundry.db import Base, Database, utcnow
from synthfoundry.jobs.models import Job
from synthfoundry.jobs.states import ON_A_WORKER
from synthfoundry.logging import get_logger

logger = get_logger("synthfoundry.jobs.workers")

STALE_AFTER_BEATS = 3
MIN_STALE_SECONDS = 10.0
"""A dispatcher beats between two rounds of its loop; a round can take a few seconds (the fork
server's first start), which must not read as a dead worker."""
FORGET_AFTER = timedelta(hours=1)
PARENT_PREFIX = "parent:"
"""The ``worker_id`` of a child job run by its parent job, in the parent's process."""

Backend = Literal["local", "celery"]


class Worker(Base):
    __tablename__ = "workers"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int]
    backend: Mapped[str] = mapped_column(String(16))
    queues: Mapped[list[str]] = mapped_column(JSON, default=list)
    concurrency: Mapped[int]
    started_at: Mapped[datetime]
    heartbeat_at: Mapped[datetime] = mapped_column(index=True)


@dataclass(frozen=True)
class WorkerInfo:
    """What a worker says about itself in each heartbeat."""

    id: str
    host: str
    pid: int
    backend: Backend
    queues: tuple[str, ...]
    concurrency: int
    started_at: datetime = field(default_factory=utcnow)


@dataclass
class WorkerStatus:
    worker: Worker
    stale: bool
    running: list[Job]
    """Jobs a process of this worker holds (running, pausing or cancelling)."""


def stale_after_seconds(settings: JobsSettings) -> float:
    return max(STALE_AFTER_BEATS * settings.heartbeat_seconds, MIN_STALE_SECONDS)


def beat(database: Database, worker: WorkerInfo, now: datetime | None = None) -> None:
    """Record that ``worker`` is alive (creating its row if needed) and delete the rows of
    workers silent for over an hour."""
    now = now or utcnow()
    with database.unit_of_work(write=True) as session:
        session.execute(delete(Worker).where(Worker.heartbeat_at < now - FORGET_AFTER))
        row = session.scalars(
            select(Worker).where(Worker.id == worker.id).with_for_update()
        ).first()
        if row is None:
            row = Worker(id=worker.id, started_at=worker.started_at)
            session.add(row)
        row.host = worker.host
        row.pid = worker.pid
        row.backend = worker.backend
        row.queues = list(worker.queues)
        row.concurrency = worker.concurrency
        row.heartbeat_at = now


def forget(database: Database, worker_id: str) -> None:
    """Remove a worker that stops cleanly."""
    with database.unit_of_work(write=True) as session:
        session.execute(delete(Worker).where(Worker.id == worker_id))


def belongs_to(job_worker_id: str, worker_id: str) -> bool:
    """Whether a job's ``worker_id`` names ``worker_id`` or one of its job processes."""
    return job_worker_id == worker_id or job_worker_id.startswith(f"{worker_id}:")


def list_workers(
    session: Session, stale_after_seconds: float, now: datetime | None = None
) -> list[WorkerStatus]:
    """Workers heard from in the last hour, oldest first, each with the jobs it holds."""
    now = now or utcnow()
    workers = list(
        session.scalars(
            select(Worker)
            .where(Worker.heartbeat_at >= now - FORGET_AFTER)
            .order_by(Worker.started_at, Worker.id)
        )
    )
    if not workers:
        return []
    # Jobs held by a worker are few (the fleet's concurrency): match them here, not in SQL.
    held = list(
        session.scalars(
            select(Job)
            .where(
                Job.status.in_([str(status) for status in ON_A_WORKER]),
                Job.worker_id.is_not(None),
            )
            .order_by(Job.started_at, Job.id)
        )
    )
    holder = _holders(held, [worker.id for worker in workers])
    stale_before = now - timedelta(seconds=stale_after_seconds)
    return [
        WorkerStatus(
            worker=worker,
            stale=worker.heartbeat_at < stale_before,
            running=[job for job in held if holder.get(job.id) == worker.id],
        )
        for worker in workers
    ]


def _holders(held: list[Job], worker_ids: list[str]) -> dict[uuid.UUID, str]:
    """The worker that holds each job: by the job's ``worker_id``, or, for a child job that its
    parent runs in its own process (``parent:{parent job id}``), the parent's worker."""
    holder: dict[uuid.UUID, str] = {}
    for job in held:
        for worker_id in worker_ids:
            if job.worker_id is not None and belongs_to(job.worker_id, worker_id):
                holder[job.id] = worker_id
    for _ in held:  # one more generation of children each round
        found = False
        for job in held:
            parent = _parent_runner(job.worker_id)
            if job.id not in holder and parent is not None and parent in holder:
                holder[job.id] = holder[parent]
                found = True
        if not found:
            break
    return holder


def _parent_runner(job_worker_id: str | None) -> uuid.UUID | None:
    if job_worker_id is None or not job_worker_id.startswith(PARENT_PREFIX):
        return None
    try:
        return uuid.UUID(job_worker_id.removeprefix(PARENT_PREFIX))
    except ValueError:
        return None


def count_workers(
    session: Session, stale_after_seconds: float, now: datetime | None = None
) -> tuple[int, int]:
    """``(alive, stale)``: workers heard from within ``stale_after_seconds``, and the others
    heard from in the last hour."""
    now = now or utcnow()
    stale_before = now - timedelta(seconds=stale_after_seconds)
    alive, total = session.execute(
        select(
            func.count().filter(Worker.heartbeat_at >= stale_before),
            func.count(),
        ).where(Worker.heartbeat_at >= now - FORGET_AFTER)
    ).one()
    return int(alive or 0), int(total or 0) - int(alive or 0)


def live_workers_on_queue(
    session: Session, queue: str, stale_after_seconds: float, now: datetime | None = None
) -> int:
    """How many workers heard from within ``stale_after_seconds`` take jobs from ``queue``."""
    stale_before = (now or utcnow()) - timedelta(seconds=stale_after_seconds)
    queues = session.scalars(select(Worker.queues).where(Worker.heartbeat_at >= stale_before))
    return sum(1 for taken in queues if queue in (taken or []))


class WorkerHeartbeat(threading.Thread):
    """Beats for a worker that has no dispatcher loop of its own (a Celery worker's main
    process) until stopped, then forgets it. A failed beat is logged; the next one retries."""

    def __init__(self, database: Database, worker: WorkerInfo, interval: float) -> None:
        super().__init__(name=f"worker-heartbeat-{worker.id}", daemon=True)
        self.database = database
        self.worker = worker
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while True:
            try:
                beat(self.database, self.worker)
            except Exception as exc:
                logger.warning("worker heartbeat failed", worker=self.worker.id, error=repr(exc))
            if self.stopped.wait(self.interval):
                break
        try:
            forget(self.database, self.worker.id)
        except Exception as exc:
            logger.warning("could not remove the worker", worker=self.worker.id, error=repr(exc))

    def stop(self, timeout: float = 5.0) -> None:
        self.stopped.set()
        self.join(timeout)
