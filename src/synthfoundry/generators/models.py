from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from synthfoundry.db import RecordBase


class Generator(RecordBase):
    """A synthesizer with its parameters, bound to a dataset; once trained, it holds a model."""

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
    status: Mapped[str] = mapped_column(String(16), default="new")
    model_key: Mapped[str | None] = mapped_column(String(512), default=None)
    training_job_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    training_report: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    trained_rows: Mapped[int | None] = mapped_column(BigInteger, default=None)
    trained_at: Mapped[datetime | None] = mapped_column(default=None)
