from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ReportStatus(StrEnum):
    RUNNING = "running"
    READY = "ready"
    FAILED = "failed"


class ReportCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    real_dataset_id: uuid.UUID
    synthetic_dataset_id: uuid.UUID
    holdout_dataset_id: uuid.UUID | None = Field(
        default=None, description="real rows the generator never saw: privacy and utility"
    )
    target: str | None = Field(default=None, max_length=200, description="the column to predict")


class ReportRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    owner_id: uuid.UUID
    real_dataset_id: uuid.UUID | None
    synthetic_dataset_id: uuid.UUID | None
    holdout_dataset_id: uuid.UUID | None
    target: str | None
    status: ReportStatus
    summary: dict[str, Any] | None
    job_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class EvaluateParams(BaseModel):
    """The ``reports.evaluate`` job's parameters."""

    report_id: uuid.UUID
