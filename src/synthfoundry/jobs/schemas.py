from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class JobError(BaseModel):
    code: str
    message: str


class JobRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    owner_id: uuid.UUID
    kind: str
    queue: str
    status: str
    target_type: str | None
    target_id: uuid.UUID | None
    params: dict[str, Any]
    stages: list[dict[str, Any]]
    progress: dict[str, Any]
    result: dict[str, Any] | None
    attempt: int
    retries: int
    worker_id: str | None
    heartbeat_at: datetime | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    cancel_requested_at: datetime | None
    pause_requested_at: datetime | None
    error: JobError | None = None
    last_event_seq: int

    @classmethod
    def of(cls, job: Any) -> JobRead:
        read = cls.model_validate(job)
        if job.error_code:
            read.error = JobError(code=job.error_code, message=job.error_message or "")
        return read


class JobEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    type: str
    at: datetime
    data: dict[str, Any]


class DiagnosticJobCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    steps: int = Field(default=10, ge=1, le=10_000)
    step_seconds: float = Field(default=0.1, ge=0, le=60)
