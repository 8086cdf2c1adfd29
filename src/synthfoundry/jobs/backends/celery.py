"""The scaled-out backend: Celery workers with a Redis broker run jobs by id.

Messages carry only "run job X" (JSON, never pickle); the job row stays the truth. Late acks with
reject-on-worker-lost redeliver the message of a worker that died, and the atomic claim turns
extra deliveries into no-ops. The API process sends each queued job once (an outbox over the
jobs table, so a crash between commit and send loses nothing) and re-sends jobs still queued
long after, in case the broker lost a message.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from celery import Celery
from celery.signals import setup_logging
from sqlalchemy import or_, select, update

from synthfoundry.config import Settings
from synthfoundry.db import Database, utcnow
from synthfoundry.jobs import records, workers
from synthfoundry.jobs.backends import Dispatcher, logger
from synthfoundry.jobs.events import create_bus
from synthfoundry.jobs.models import Job
from synthfoundry.jobs.runner import run_job
from synthfoundry.jobs.states import Status
from synthfoundry.jobs.threads import limit_threads
from synthfoundry.logging import configure_logging
from synthfoundry.storage import BlobStore

TASK_NAME = "synthfoundry.run_job"
SEND_BATCH = 100
# Redis serves a queue's lower priority numbers first: a job that has run before (recovered
# from a lost worker, given back at shutdown or after an outage, resumed) goes ahead of the
# backlog of fresh ones, so a recovery does not wait for the whole queue.
RESUMED_PRIORITY = 0
FRESH_PRIORITY = 6


def create_celery_app(settings: Settings) -> Celery:
    app = Celery("synthfoundry", broker=settings.jobs.broker_url)
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_default_queue=settings.jobs.queues[0],
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        # Job lines are our structured logs on stderr, at their own level; redirected, Celery
        # would print them as plain text relabelled as warnings.
        worker_redirect_stdouts=False,
    )
    app.task(name=TASK_NAME)(_run_job_task)
    return app


@dataclass
class _WorkerResources:
    settings: Settings
    database: Database
    storage: BlobStore


@cache
def _worker_resources() -> _WorkerResources:
    settings = Settings()
    limit_threads(settings.jobs.torch_threads)
    records.set_notifier(create_bus(settings.events.url).notify)
    return _WorkerResources(
        settings,
        Database.connect(settings.database_url, settings.database),
        BlobStore.from_settings(settings.storage_url, settings.storage),
    )


def _celery_worker_id(pid: int) -> str:
    return f"celery:{socket.gethostname()}:{pid}"


def _run_job_task(job_id: str) -> None:
    resources = _worker_resources()
    # Tasks run in the prefork children of the worker's main process, which is the registered
    # worker: its id first (the registry finds its jobs by it), this child's pid last.
    worker_id = f"{_celery_worker_id(os.getppid())}:{os.getpid()}"
    ran = run_job(
        resources.database, resources.storage, resources.settings, uuid.UUID(job_id), worker_id
    )
    if not ran:
        logger.info("message for a job that is not queued; ignored", job_id=job_id)


class CeleryDispatcher(Dispatcher):
    def __init__(self, settings: Settings, database: Database, storage: BlobStore) -> None:
        super().__init__(settings, database, storage)
        self.app = create_celery_app(settings)

    def dispatch(self) -> None:
        resend_before = utcnow() - timedelta(seconds=self.settings.jobs.resend_after_seconds)
        with self.database.unit_of_work() as session:
            due = list(
                session.execute(
                    select(Job.id, Job.queue, Job.attempt)
                    .where(
                        Job.status == Status.QUEUED,
                        or_(Job.enqueued_at.is_(None), Job.enqueued_at < resend_before),
                    )
                    .order_by(Job.attempt == 0, Job.created_at)
                    .limit(SEND_BATCH)
                )
            )
        for job_id, queue, attempt in due:
            priority = RESUMED_PRIORITY if attempt > 0 else FRESH_PRIORITY
            self.app.send_task(TASK_NAME, args=[str(job_id)], queue=queue, priority=priority)
            with self.database.unit_of_work() as session:
                session.execute(
                    update(Job)
                    .where(Job.id == job_id, Job.status == Status.QUEUED)
                    .values(enqueued_at=utcnow())
                )
            logger.info("job sent to the broker", job_id=str(job_id), queue=queue)


def _keep_our_logging(**_: object) -> None:
    return None


def worker_main(settings: Settings, queues: list[str], concurrency: int) -> None:
    """Run a Celery worker for ``queues`` in the foreground (``synthfoundry worker``)."""
    configure_logging(settings.logging)
    # A receiver on setup_logging tells Celery to leave logging alone: its own lines then go
    # through the handler configured here, in the same format as ours.
    setup_logging.connect(_keep_our_logging, weak=False)
    app = create_celery_app(settings)
    database = Database.connect(settings.database_url, settings.database)
    # The pool's children are forked from this process: they must not share its connections.
    os.register_at_fork(after_in_child=lambda: database.engine.dispose(close=False))
    heartbeat = workers.WorkerHeartbeat(
        database,
        workers.WorkerInfo(
            id=_celery_worker_id(os.getpid()),
            host=socket.gethostname(),
            pid=os.getpid(),
            backend="celery",
            queues=tuple(queues),
            concurrency=concurrency,
        ),
        settings.jobs.heartbeat_seconds,
    )
    argv = [
        "worker",
        f"--queues={','.join(queues)}",
        f"--concurrency={concurrency}",
        f"--loglevel={settings.logging.level}",
        "--without-gossip",
        "--without-mingle",
        "--pool=prefork",
    ]
    heartbeat.start()
    try:
        app.worker_main(argv)
    finally:
        heartbeat.stop()
        database.dispose()
