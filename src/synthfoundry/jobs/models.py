from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from synthfoundry.db import Base, RecordBase, utcnow
from synthfoundry.db.types import EnumText
from synthfoundry.jobs.states import Status

# SQLite autoincrements only an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
EventId = BigInteger().with_variant(Integer(), "sqlite")


class Job(RecordBase):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_queue", "status", "queue"),)

    owner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(64), index=True)
    queue: Mapped[str] = mapped_column(String(16), default="cpu")
    status: Mapped[Status] = mapped_column(EnumText(Status), default=Status.QUEUED)
    parent_job_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("jobs.id", ondelete="CASCADE"), index=True, default=None
    )
    # The credential that created the job: a job that calls services acts with these scopes.
    actor_scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    api_key_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    target_type: Mapped[str | None] = mapped_column(String(64), default=None)
    target_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    stages: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    progress: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    attempt: Mapped[int] = mapped_column(default=0)
    retries: Mapped[int] = mapped_column(default=0)
    max_retries: Mapped[int] = mapped_column(default=2)
    worker_id: Mapped[str | None] = mapped_column(String(128), default=None)
    heartbeat_at: Mapped[datetime | None] = mapped_column(default=None)
    lease_expires_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    enqueued_at: Mapped[datetime | None] = mapped_column(default=None)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    checkpoint_key: Mapped[str | None] = mapped_column(String(512), default=None)
    cancel_requested_at: Mapped[datetime | None] = mapped_column(default=None)
    pause_requested_at: Mapped[datetime | None] = mapped_column(default=None)
    error_code: Mapped[str | None] = mapped_column(String(64), default=None)
    error_message: Mapped[str | None] = mapped_column(Text, default=None)
    last_event_seq: Mapped[int] = mapped_column(default=0)
    log_lines: Mapped[int] = mapped_column(default=0)


class JobEvent(Base):
    """One change of a job, in order: status, stage, progress or log. WebSocket clients replay
    these by ``seq``; ``id`` orders all jobs' events for the pump that fans them out."""

    __tablename__ = "job_events"
    __table_args__ = (Index("ix_job_events_job_id_seq", "job_id", "seq", unique=True),)

    id: Mapped[int] = mapped_column(EventId, primary_key=True, autoincrement=True)
    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    owner_id: Mapped[uuid.UUID] = mapped_column(index=True)
    seq: Mapped[int]
    type: Mapped[str] = mapped_column(String(16))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow)
