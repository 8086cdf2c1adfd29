from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from synthfoundry.db import RecordBase


class Report(RecordBase):
    """A judgement of synthetic rows against the real ones: JSON and HTML in storage."""

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
    status: Mapped[str] = mapped_column(String(16), default="running")
    files_prefix: Mapped[str] = mapped_column(String(512), default="")
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    job_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
