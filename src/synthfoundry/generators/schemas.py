from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from synthfoundry.tabular.metadata import ColumnKind


class GeneratorStatus(StrEnum):
    NEW = "new"
    TRAINING = "training"
    READY = "ready"


class GeneratorCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dataset_id: uuid.UUID
    synthesizer: str | None = Field(default=None, description="a catalogue name; default model")
    params: dict[str, Any] = Field(default_factory=dict, description="the model's parameters")
    column_overrides: dict[str, ColumnKind] = Field(default_factory=dict)
    name: str | None = Field(default=None, min_length=1, max_length=200)


class GeneratorUpdate(BaseModel):
    """Fields to change; those left out keep their value (as a dataset's PATCH)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)


class GeneratorRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    owner_id: uuid.UUID
    dataset_id: uuid.UUID | None
    name: str
    synthesizer: str
    params: dict[str, Any]
    column_overrides: dict[str, str]
    status: GeneratorStatus
    training_job_id: uuid.UUID | None
    training_report: dict[str, Any] | None
    trained_rows: int | None
    trained_at: datetime | None
    created_at: datetime
    updated_at: datetime


class ProbeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rows: int = Field(default=10, ge=1, le=1000)
    seed: int | None = Field(default=None, ge=0, le=2**32 - 1)
    conditions: dict[str, Any] | None = Field(
        default=None, description='values or [low, high] ranges: {"sex": "Female", "age": [30, 40]}'
    )


class ProbeResult(BaseModel):
    columns: list[str]
    rows: list[dict[str, Any]]


Metric = Literal["fidelity", "utility", "composite"]


class OptimizeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    n_trials: int = Field(default=20, ge=1, le=500)
    metric: Metric = "composite"
    target: str | None = Field(default=None, description="needed for utility and composite")
    max_rows: int = Field(default=20_000, ge=100, le=10_000_000, description="rows per trial")
    max_epochs: int = Field(default=50, ge=1, le=1000, description="neural models")
    seed: int = Field(default=0, ge=0, le=2**32 - 1)
