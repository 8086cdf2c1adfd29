from __future__ import annotations

import uuid
from typing import Any, ClassVar

from sqlalchemy import JSON, ColumnElement, ForeignKey, String, case
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column

from synthfoundry.db import RecordBase
from synthfoundry.jobs.models import Job
from synthfoundry.jobs.tracking import active_job, is_active, job_link
from synthfoundry.reports.schemas import ReportStatus


class Report(RecordBase):
    """A judgement of synthetic rows against the real ones: JSON and HTML in storage."""

    target_type: ClassVar[str] = "report"
    __tablename__ = "reports"

    owner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    real_dataset_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("datasets.id", ondelete="SET NULL"), default=None
    )
    synthetic_dataset_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("synthetic_datasets.id", ondelete="SET NULL"), default=None
    )
    holdout_dataset_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("datasets.id", ondelete="SET NULL"), default=None
    )
    target: Mapped[str | None] = mapped_column(String(200), default=None)
    files_prefix: Mapped[str] = mapped_column(String(512), default="")
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    job_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    job: Mapped[Job | None] = job_link("Report", "job_id")

    @hybrid_property
    def status(self) -> ReportStatus:
        """Running while its job is unfinished; ready once its summary is stored."""
        if is_active(self.job):
            return ReportStatus.RUNNING
        return ReportStatus.READY if self.summary is not None else ReportStatus.FAILED

    @status.inplace.expression
    @classmethod
    def _status_expression(cls) -> ColumnElement[str]:
        return case(
            (active_job(cls.job_id), ReportStatus.RUNNING.value),
            (cls.summary.is_not(None), ReportStatus.READY.value),
            else_=ReportStatus.FAILED.value,
        )
