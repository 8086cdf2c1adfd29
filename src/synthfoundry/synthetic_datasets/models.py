from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from synthfoundry.db import RecordBase


class SyntheticDataset(RecordBase):
    """Rows made by a trained generator, stored as Parquet."""

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
    status: Mapped[str] = mapped_column(String(16), default="generating")
    storage_key: Mapped[str] = mapped_column(String(512))
    rows: Mapped[int | None] = mapped_column(BigInteger, default=None)
    size_bytes: Mapped[int | None] = mapped_column(BigInteger, default=None)
    job_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
