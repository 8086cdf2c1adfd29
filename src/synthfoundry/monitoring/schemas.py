"""Wire models of the monitoring routes."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class KindCounts(BaseModel):
    total: int
    by_status: dict[str, int] = Field(description="statuses with at least one job")


class JobCounts(BaseModel):
    total: int
    by_status: dict[str, int] = Field(description="every status, zeros included")
    by_kind: dict[str, KindCounts]


class QueueDepth(BaseModel):
    queued: int = Field(description="jobs waiting for a worker")
    running: int = Field(description="jobs a worker holds (running, pausing or cancelling)")


class ThroughputWindow(BaseModel):
    minutes: int
    finished: int = Field(description="jobs that reached a final status in the window")
    succeeded: int
    failed: int
    cancelled: int


class Throughput(BaseModel):
    windows: list[ThroughputWindow] = Field(description="the last 1, 5 and 60 minutes")
    succeeded_per_minute: float = Field(description="over the last 5 minutes")


class Connections(BaseModel):
    """Live readers of job events in the API process that answered."""

    websockets: int
    event_streams: int = Field(description="open Server-Sent Event streams")
    watched_jobs: int = Field(description="jobs with at least one live reader")
    job_readers: int
    owner_readers: int


class WorkerCounts(BaseModel):
    alive: int
    stale: int = Field(description="silent for longer than stale_after_seconds")


class CpuFigures(BaseModel):
    count: int | None
    percent: float | None = Field(description="busy share of all CPUs since the last reading")
    load_average: list[float] | None = Field(description="1, 5 and 15 minutes")


class MemoryFigures(BaseModel):
    total_bytes: int | None
    available_bytes: int | None
    used_bytes: int | None = Field(description="total less available")
    process_rss_bytes: int | None = Field(description="resident memory of the API process")


class GpuFigures(BaseModel):
    index: int
    name: str | None = Field(description="known once this process has initialised CUDA")
    memory_total_bytes: int | None
    memory_used_bytes: int | None = Field(description="by every process (NVML, when installed)")
    utilization_percent: float | None = Field(description="NVML, when installed")
    process_allocated_bytes: int = Field(description="held by tensors of the API process")
    process_reserved_bytes: int = Field(description="reserved by the API process's allocator")


class HostFigures(BaseModel):
    """The machine of the API process that answered."""

    hostname: str
    cpu: CpuFigures
    memory: MemoryFigures
    gpus: list[GpuFigures] = Field(
        description="empty without CUDA, or where the API process has not imported torch"
    )


class Metrics(BaseModel):
    generated_at: datetime
    jobs: JobCounts
    queues: dict[str, QueueDepth] = Field(description="configured queues and any with jobs")
    throughput: Throughput
    workers: WorkerCounts
    connections: Connections
    host: HostFigures


class RunningJob(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: str
    queue: str
    status: str
    owner_id: uuid.UUID
    parent_job_id: uuid.UUID | None
    worker_id: str | None = Field(description="the process that runs it")
    started_at: datetime | None
    heartbeat_at: datetime | None


class WorkerRead(BaseModel):
    id: str
    host: str
    pid: int
    backend: str
    queues: list[str]
    concurrency: int
    started_at: datetime
    heartbeat_at: datetime
    stale: bool
    running_jobs: list[RunningJob]


class WorkerList(BaseModel):
    items: list[WorkerRead] = Field(description="workers heard from in the last hour")
    stale_after_seconds: float
