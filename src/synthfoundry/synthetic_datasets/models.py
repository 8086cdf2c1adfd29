from __future__ import annotations

import uuid
from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, ColumnElement, ForeignKey, String, case
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column

from synthfoundry.db import RecordBase
from synthfoundry.jobs.models import Job
from synthfoundry.jobs.tracking import active_job, is_active, job_link
from synthfoundry.synthetic_datasets.schemas import SyntheticDatasetStatus


class SyntheticDataset(RecordBase):
    """Rows made by a trained generator, stored as Parquet."""

    target_type: ClassVar[str] = "synthetic_dataset"
    __tablename__ = "synthetic_datasets"

    owner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    generator_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("generators.id", ondelete="SET NULL"), index=True, default=None
    )
    name: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(BigInteger)
    seed: Mapped[int | None] = mapped_column(BigInteger, default=None)
    conditions: Mapped[Any] = mapped_column(JSON, nullable=True, default=None)
    rebalance: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    file_format: Mapped[str] = mapped_column(String(16), default="csv")
    with_report: Mapped[bool] = mapped_column(default=False)
    storage_key: Mapped[str] = mapped_column(String(512))
    rows: Mapped[int | None] = mapped_column(BigInteger, default=None)
    size_bytes: Mapped[int | None] = mapped_column(BigInteger, default=None)
    job_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    job: Mapped[Job | None] = job_link("SyntheticDataset", "job_id")

    @hybrid_property
    def status(self) -> SyntheticDatasetStatus:
        """Generating while its job is unfinished; ready once its rows are stored."""
        if is_active(self.job):
            return SyntheticDatasetStatus.GENERATING
        if self.rows is not None:
            return SyntheticDatasetStatus.READY
        return SyntheticDatasetStatus.FAILED

    @status.inplace.expression
    @classmethod
    def _status_expression(cls) -> ColumnElement[str]:
        return case(
            (active_job(cls.job_id), SyntheticDatasetStatus.GENERATING.value),
            (cls.rows.is_not(None), SyntheticDatasetStatus.READY.value),
            else_=SyntheticDatasetStatus.FAILED.value,
        )
