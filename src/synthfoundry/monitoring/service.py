"""The figures of the monitoring routes and of the Prometheus gauges, read in a few grouped
queries over ``jobs`` and ``workers``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from synthfoundry.db import utcnow
from synthfoundry.jobs import workers as registry
from synthfoundry.jobs.models import Job
from synthfoundry.jobs.states import ON_A_WORKER, TERMINAL, Status
from synthfoundry.monitoring import host
from synthfoundry.monitoring.schemas import (
    Connections,
    JobCounts,
    KindCounts,
    Metrics,
    QueueDepth,
    RunningJob,
    Throughput,
    ThroughputWindow,
    WorkerCounts,
    WorkerList,
    WorkerRead,
)

THROUGHPUT_MINUTES = (1, 5, 60)
RATE_MINUTES = 5


@dataclass(frozen=True)
class JobTally:
    """Jobs counted by status and kind, and by queue for those queued or on a worker."""

    jobs: JobCounts
    queues: dict[str, QueueDepth]


def tally_jobs(session: Session, queues: Sequence[str] = ()) -> JobTally:
    """One query: jobs grouped by status, kind and queue."""
    by_status = {str(status): 0 for status in Status}
    by_kind: dict[str, KindCounts] = {}
    depth = {queue: QueueDepth(queued=0, running=0) for queue in queues}
    rows = session.execute(
        select(Job.status, Job.kind, Job.queue, func.count()).group_by(
            Job.status, Job.kind, Job.queue
        )
    )
    for status, kind, queue, count in rows:
        status = Status(status)
        by_status[str(status)] += count
        counts = by_kind.setdefault(kind, KindCounts(total=0, by_status={}))
        counts.total += count
        counts.by_status[str(status)] = counts.by_status.get(str(status), 0) + count
        if status == Status.QUEUED:
            depth.setdefault(queue, QueueDepth(queued=0, running=0)).queued += count
        elif status in ON_A_WORKER:
            depth.setdefault(queue, QueueDepth(queued=0, running=0)).running += count
    return JobTally(
        jobs=JobCounts(
            total=sum(by_status.values()),
            by_status=by_status,
            by_kind=dict(sorted(by_kind.items())),
        ),
        queues=dict(sorted(depth.items())),
    )


def throughput(session: Session, now: datetime | None = None) -> Throughput:
    """One query: jobs that reached a final status in each window, by status."""
    now = now or utcnow()
    starts = {minutes: now - timedelta(minutes=minutes) for minutes in THROUGHPUT_MINUTES}
    rows = session.execute(
        select(
            Job.status,
            *(func.sum(case((Job.finished_at >= start, 1), else_=0)) for start in starts.values()),
        )
        .where(
            Job.status.in_([str(status) for status in TERMINAL]),
            Job.finished_at >= starts[max(THROUGHPUT_MINUTES)],
        )
        .group_by(Job.status)
    )
    counts: dict[tuple[int, Status], int] = {}
    for status, *in_windows in rows:
        for minutes, count in zip(THROUGHPUT_MINUTES, in_windows, strict=True):
            counts[minutes, Status(status)] = int(count or 0)
    windows = [
        ThroughputWindow(
            minutes=minutes,
            finished=sum(counts.get((minutes, status), 0) for status in TERMINAL),
            succeeded=counts.get((minutes, Status.SUCCEEDED), 0),
            failed=counts.get((minutes, Status.FAILED), 0),
            cancelled=counts.get((minutes, Status.CANCELLED), 0),
        )
        for minutes in THROUGHPUT_MINUTES
    ]
    succeeded = counts.get((RATE_MINUTES, Status.SUCCEEDED), 0)
    return Throughput(windows=windows, succeeded_per_minute=round(succeeded / RATE_MINUTES, 3))


def worker_counts(
    session: Session, stale_after_seconds: float, now: datetime | None = None
) -> WorkerCounts:
    alive, stale = registry.count_workers(session, stale_after_seconds, now)
    return WorkerCounts(alive=alive, stale=stale)


def metrics(
    session: Session,
    *,
    connections: Connections,
    queues: Sequence[str],
    stale_after_seconds: float,
    now: datetime | None = None,
) -> Metrics:
    """Everything on the monitoring page; ``connections`` are the answering API process's."""
    now = now or utcnow()
    tally = tally_jobs(session, queues)
    return Metrics(
        generated_at=now,
        jobs=tally.jobs,
        queues=tally.queues,
        throughput=throughput(session, now),
        workers=worker_counts(session, stale_after_seconds, now),
        connections=connections,
        host=host.sample(),
    )


def workers(
    session: Session, stale_after_seconds: float, now: datetime | None = None
) -> WorkerList:
    """Every worker heard from in the last hour, with the jobs its processes hold."""
    return WorkerList(
        items=[
            WorkerRead(
                id=status.worker.id,
                host=status.worker.host,
                pid=status.worker.pid,
                backend=status.worker.backend,
                queues=status.worker.queues,
                concurrency=status.worker.concurrency,
                started_at=status.worker.started_at,
                heartbeat_at=status.worker.heartbeat_at,
                stale=status.stale,
                running_jobs=[RunningJob.model_validate(job) for job in status.running],
            )
            for status in registry.list_workers(session, stale_after_seconds, now)
        ],
        stale_after_seconds=stale_after_seconds,
    )
