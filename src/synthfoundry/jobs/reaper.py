"""Jobs whose runner is gone: re-queued while retries last, else failed with ``worker_lost``."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from synthfoundry import layout
from synthfoundry.db import Database, utcnow
from synthfoundry.jobs import records, workdirs
from synthfoundry.jobs.models import Job
from synthfoundry.jobs.states import ON_A_WORKER, Status
from synthfoundry.logging import get_logger
from synthfoundry.storage import BlobStore

logger = get_logger("synthfoundry.jobs.reaper")


LOST_LOG_LIMIT = 10_000


def recover(
    database: Database, storage: BlobStore, job_id: uuid.UUID, *, attempt: int | None = None
) -> Status | None:
    """Deal with a job whose runner died: by a known attempt (the dispatcher saw its child exit),
    or when its lease has expired. Return the job's new status, or ``None`` if nothing changed.
    The local folders of the job's ended attempts on this machine go too (``jobs.workdirs``)."""
    workdirs.sweep(job_id)
    with database.unit_of_work(write=True) as session:
        job = records.locked(session, job_id)
        if job is None or Status(job.status) not in ON_A_WORKER:
            return None
        if attempt is not None and job.attempt != attempt:
            return None
        if attempt is None and (job.lease_expires_at is None or job.lease_expires_at > utcnow()):
            return None
        current = Status(job.status)
        lost_runs = job.retries + 1
        if current == Status.CANCELLING:
            target = Status.CANCELLED
        elif current == Status.PAUSING:
            target = Status.PAUSED
        elif job.retries < job.max_retries:
            job.retries += 1
            target = Status.QUEUED
        else:
            target = Status.FAILED
        records.add_log(
            session,
            job,
            f"worker {job.worker_id} lost during attempt {job.attempt}",
            "warning",
            limit=LOST_LOG_LIMIT,
        )
        job.worker_id = None
        job.enqueued_at = None
        job.lease_expires_at = None
        error = None
        if target == Status.FAILED:
            error = ("worker_lost", f"the job's worker was lost {lost_runs} times; giving up")
        records.set_status(session, job, target, error=error)
        records.notify_after_commit(session)
    if target == Status.CANCELLED:
        storage.delete_prefix(layout.job_folder(job_id))
    logger.warning("recovered a lost job", job_id=str(job_id), status=str(target))
    return target


def reap_expired(database: Database, storage: BlobStore) -> list[uuid.UUID]:
    """Recover every job whose lease has expired; return those re-queued."""
    with database.unit_of_work() as session:
        expired = list(
            session.scalars(
                select(Job.id).where(
                    Job.status.in_([str(status) for status in ON_A_WORKER]),
                    Job.lease_expires_at < utcnow(),
                )
            )
        )
    return [job_id for job_id in expired if recover(database, storage, job_id) == Status.QUEUED]
