from __future__ import annotations

import uuid
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    ColumnElement,
    Float,
    ForeignKey,
    String,
    Text,
    case,
    exists,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column

from synthfoundry.db import Base, RecordBase
from synthfoundry.image_datasets.schemas import ImageDatasetSource, ImageDatasetStatus
from synthfoundry.jobs.models import Job
from synthfoundry.jobs.states import Status
from synthfoundry.jobs.tracking import active_job, is_active, job_link


class ImageDataset(RecordBase):
    """Labelled images in ImageFolder layout, with a manifest, thumbnails and a ZIP in storage
    under ``folder``."""

    target_type: ClassVar[str] = "image_dataset"
    __tablename__ = "image_datasets"

    owner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(16), default=ImageDatasetSource.GENERATED.value)
    source_dataset_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("image_datasets.id", ondelete="SET NULL"), index=True, default=None
    )
    labels: Mapped[list[str]] = mapped_column(JSON, default=list)
    request: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    folder: Mapped[str] = mapped_column(String(512), default="")
    file_count: Mapped[int | None] = mapped_column(BigInteger, default=None)
    size_bytes: Mapped[int | None] = mapped_column(BigInteger, default=None)
    generation_time: Mapped[float | None] = mapped_column(Float, default=None)
    device_used: Mapped[str | None] = mapped_column(String(32), default=None)
    collection: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    job_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    job: Mapped[Job | None] = job_link("ImageDataset", "job_id")

    @hybrid_property
    def status(self) -> ImageDatasetStatus:
        """Generating while its job is unfinished; ready once its files are stored."""
        if is_active(self.job):
            return ImageDatasetStatus.GENERATING
        if self.file_count is not None:
            return ImageDatasetStatus.READY
        if self.job is not None and self.job.status == Status.CANCELLED:
            return ImageDatasetStatus.CANCELLED
        return ImageDatasetStatus.FAILED

    @status.inplace.expression
    @classmethod
    def _status_expression(cls) -> ColumnElement[str]:
        return case(
            (active_job(cls.job_id), ImageDatasetStatus.GENERATING.value),
            (cls.file_count.is_not(None), ImageDatasetStatus.READY.value),
            (
                exists().where(Job.id == cls.job_id, Job.status == Status.CANCELLED),
                ImageDatasetStatus.CANCELLED.value,
            ),
            else_=ImageDatasetStatus.FAILED.value,
        )

    @property
    def error(self) -> str | None:
        if self.job is None or self.job.status != Status.FAILED:
            return None
        return self.job.error_message


class DatasetImage(Base):
    """One image of an image dataset: where it is and how it was made (the manifest's line)."""

    __tablename__ = "image_dataset_images"

    dataset_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("image_datasets.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    label: Mapped[str] = mapped_column(String(200))
    index_in_label: Mapped[int] = mapped_column(BigInteger)
    file: Mapped[str] = mapped_column(String(400))
    seed: Mapped[int | None] = mapped_column(BigInteger, default=None)
    noise_sigma: Mapped[float] = mapped_column(Float, default=0.0)
    width: Mapped[int]
    height: Mapped[int]
    source: Mapped[str | None] = mapped_column(Text, default=None)
    augmentation: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    provider: Mapped[str | None] = mapped_column(String(32), default=None)
    license: Mapped[str | None] = mapped_column(String(32), default=None)
