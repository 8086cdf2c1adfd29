from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, ColumnElement, ForeignKey, String, case
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column

from synthfoundry.db import RecordBase
from synthfoundry.generators.schemas import GeneratorStatus
from synthfoundry.jobs.models import Job
from synthfoundry.jobs.tracking import active_job, is_active, job_link


class Generator(RecordBase):
    """A synthesizer with its parameters, bound to a dataset; once trained, it holds a model."""

    target_type: ClassVar[str] = "generator"
    __tablename__ = "generators"

    owner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    dataset_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("datasets.id", ondelete="SET NULL"), index=True, default=None
    )
    name: Mapped[str] = mapped_column(String(200))
    synthesizer: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    column_overrides: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    model_key: Mapped[str | None] = mapped_column(String(512), default=None)
    training_job_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    training_report: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    trained_rows: Mapped[int | None] = mapped_column(BigInteger, default=None)
    trained_at: Mapped[datetime | None] = mapped_column(default=None)
    training_job: Mapped[Job | None] = job_link("Generator", "training_job_id")

    @hybrid_property
    def status(self) -> GeneratorStatus:
        """Training while its train job is unfinished; else ready once a model is stored."""
        if is_active(self.training_job):
            return GeneratorStatus.TRAINING
        return GeneratorStatus.READY if self.model_key else GeneratorStatus.NEW

    @status.inplace.expression
    @classmethod
    def _status_expression(cls) -> ColumnElement[str]:
        return case(
            (active_job(cls.training_job_id), GeneratorStatus.TRAINING.value),
            (cls.model_key.is_not(None), GeneratorStatus.READY.value),
            else_=GeneratorStatus.NEW.value,
        )
