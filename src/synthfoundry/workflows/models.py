from __future__ import annotations

import uuid
from typing import Any, ClassVar

from sqlalchemy import JSON, Boolean, ColumnElement, Float, ForeignKey, Integer, String, Text, case
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column

from synthfoundry.db import Base, RecordBase
from synthfoundry.jobs.models import Job
from synthfoundry.jobs.tracking import job_link
from synthfoundry.workflows.schemas import WorkflowStatus


class WorkflowConfig(RecordBase):
    """A saved workflow configuration; each update is a new version (``versions``)."""

    target_type: ClassVar[str] = "workflow_config"
    __tablename__ = "workflow_configs"

    owner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)


class WorkflowConfigVersion(Base):
    __tablename__ = "workflow_config_versions"

    config_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workflow_configs.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)


class Workflow(RecordBase):
    """One run of a configuration: a parent job with a child job per step. ``outputs`` holds
    each finished step's outputs (what later steps' references resolve to), ``step_jobs`` the
    child job of each step, ``results`` the test step's checks and the exports."""

    target_type: ClassVar[str] = "workflow"
    __tablename__ = "workflows"

    owner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    config_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("workflow_configs.id", ondelete="SET NULL"), index=True, default=None
    )
    config_version: Mapped[int | None] = mapped_column(Integer, default=None)
    name: Mapped[str] = mapped_column(String(200))
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    keep_outputs: Mapped[bool] = mapped_column(Boolean, default=False)
    outputs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    step_jobs: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    results: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    cost: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0)
    compute_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    error_message: Mapped[str | None] = mapped_column(Text, default=None)
    job_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    job: Mapped[Job | None] = job_link("Workflow", "job_id")

    @hybrid_property
    def status(self) -> WorkflowStatus:
        """The run's job's status, in the workflow's words."""
        if self.job is None:
            return WorkflowStatus.FAILED
        return STATUS_OF_JOB.get(str(self.job.status), WorkflowStatus.RUNNING)

    @status.inplace.expression
    @classmethod
    def _status_expression(cls) -> ColumnElement[str]:
        from sqlalchemy import select

        job_status = select(Job.status).where(Job.id == cls.job_id).scalar_subquery()
        return case(
            *((job_status == job, ours.value) for job, ours in STATUS_OF_JOB.items()),
            else_=WorkflowStatus.FAILED.value,
        )


STATUS_OF_JOB: dict[str, WorkflowStatus] = {
    "queued": WorkflowStatus.QUEUED,
    "running": WorkflowStatus.RUNNING,
    "pausing": WorkflowStatus.PAUSING,
    "paused": WorkflowStatus.PAUSED,
    "cancelling": WorkflowStatus.ABORTING,
    "cancelled": WorkflowStatus.ABORTED,
    "succeeded": WorkflowStatus.SUCCEEDED,
    "failed": WorkflowStatus.FAILED,
}
