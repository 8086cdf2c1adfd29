from __future__ import annotations

import uuid
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    ColumnElement,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    case,
    exists,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column

from synthfoundry.db import RecordBase
from synthfoundry.jobs.models import Job
from synthfoundry.jobs.states import Status
from synthfoundry.jobs.tracking import job_link
from synthfoundry.videos.schemas import VideoStatus

RUNNING_VALUES = [str(Status.RUNNING), str(Status.PAUSING), str(Status.CANCELLING)]


class Video(RecordBase):
    """A product video, a music video, a clip or a character reference image: its request, the
    files each finished stage left under ``folder`` (so a retry starts after them), the output
    and what the providers charged."""

    target_type: ClassVar[str] = "video"
    __tablename__ = "videos"

    owner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16), index=True)
    title: Mapped[str] = mapped_column(String(200))
    request: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    folder: Mapped[str] = mapped_column(String(512), default="")
    stages_done: Mapped[list[str]] = mapped_column(JSON, default=list)
    cost: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0)
    output_file: Mapped[str | None] = mapped_column(String(64), default=None)
    size_bytes: Mapped[int | None] = mapped_column(BigInteger, default=None)
    seconds: Mapped[float | None] = mapped_column(Float, default=None)
    width: Mapped[int | None] = mapped_column(Integer, default=None)
    height: Mapped[int | None] = mapped_column(Integer, default=None)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    job_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    job: Mapped[Job | None] = job_link("Video", "job_id")

    @hybrid_property
    def status(self) -> VideoStatus:
        """Queued, processing or paused with its job; then completed once its output is
        stored, else cancelled or failed."""
        job = self.job
        if job is not None and job.status == Status.QUEUED:
            return VideoStatus.QUEUED
        if job is not None and job.status == Status.PAUSED:
            return VideoStatus.PAUSED
        if job is not None and job.status in RUNNING_VALUES:
            return VideoStatus.PROCESSING
        if self.size_bytes is not None:
            return VideoStatus.COMPLETED
        if job is not None and job.status == Status.CANCELLED:
            return VideoStatus.CANCELLED
        return VideoStatus.FAILED

    @status.inplace.expression
    @classmethod
    def _status_expression(cls) -> ColumnElement[str]:
        def job_is(*statuses: str) -> ColumnElement[bool]:
            return exists().where(Job.id == cls.job_id, Job.status.in_(statuses))

        return case(
            (job_is(str(Status.QUEUED)), VideoStatus.QUEUED.value),
            (job_is(str(Status.PAUSED)), VideoStatus.PAUSED.value),
            (job_is(*RUNNING_VALUES), VideoStatus.PROCESSING.value),
            (cls.size_bytes.is_not(None), VideoStatus.COMPLETED.value),
            (job_is(str(Status.CANCELLED)), VideoStatus.CANCELLED.value),
            else_=VideoStatus.FAILED.value,
        )

    @property
    def error_message(self) -> str | None:
        if self.job is None or self.job.status != Status.FAILED:
            return None
        return self.job.error_message


class VideoFlavor(RecordBase):
    """A user's own music-video flavor: the YAML as given (validated when stored)."""

    __tablename__ = "video_flavors"
    __table_args__ = (UniqueConstraint("owner_id", "name"),)

    owner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text)
