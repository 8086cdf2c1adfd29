from __future__ import annotations

import uuid
from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, ColumnElement, ForeignKey, String, Text, case
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column

from synthfoundry.datasets.schemas import DatasetStatus
from synthfoundry.db import RecordBase
from synthfoundry.jobs.models import Job
from synthfoundry.jobs.tracking import active_job, is_active, job_link


class Dataset(RecordBase):
    """An uploaded table, stored once as Parquet whatever format it came in."""

    target_type: ClassVar[str] = "dataset"
    __tablename__ = "datasets"

    owner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    file_name: Mapped[str] = mapped_column(String(255), default="")
    source_format: Mapped[str] = mapped_column(String(16))
    compressed: Mapped[bool] = mapped_column(default=False)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    rows: Mapped[int] = mapped_column(BigInteger)
    columns: Mapped[int]
    storage_key: Mapped[str] = mapped_column(String(512))
    column_metadata: Mapped[dict[str, Any]] = mapped_column(JSON)
    column_overrides: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    ingest_job_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    ingest_job: Mapped[Job | None] = job_link("Dataset", "ingest_job_id")

    @hybrid_property
    def status(self) -> DatasetStatus:
        """Ingesting while its ingest job is unfinished; failed if ingesting failed."""
        if is_active(self.ingest_job):
            return DatasetStatus.INGESTING
        return DatasetStatus.FAILED if self.error is not None else DatasetStatus.READY

    @status.inplace.expression
    @classmethod
    def _status_expression(cls) -> ColumnElement[str]:
        return case(
            (active_job(cls.ingest_job_id), DatasetStatus.INGESTING.value),
            (cls.error.is_not(None), DatasetStatus.FAILED.value),
            else_=DatasetStatus.READY.value,
        )
