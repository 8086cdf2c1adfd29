"""Wire models of workflow configurations and runs, and the run job's parameters."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class WorkflowStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    PAUSING = "pausing"
    PAUSED = "paused"
    ABORTING = "aborting"
    ABORTED = "aborted"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class ConfigRead(BaseModel):
    id: uuid.UUID
    name: str
    version: int
    config: dict[str, Any]
    runs: int
    average_cost_usd: float | None
    created_at: datetime
    updated_at: datetime


class ValidationProblem(BaseModel):
    path: str = Field(description="a JSON pointer into the configuration")
    message: str


class ValidationResult(BaseModel):
    valid: bool
    problems: list[ValidationProblem]


class RunCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    config_id: uuid.UUID | None = None
    version: int | None = Field(default=None, ge=1, description="default: the latest")
    config: dict[str, Any] | None = Field(default=None, description="an inline configuration")
    overrides: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description='per step name, parameters to replace: {"train": {...}}'
    )
    keep_outputs: bool = Field(default=False, description="keep what an aborted run made")

    @model_validator(mode="after")
    def _one_source(self) -> RunCreate:
        if (self.config_id is None) == (self.config is None):
            raise ValueError("give config_id or an inline config, not both")
        return self


class StepRead(BaseModel):
    """A step ("agent"): its status, progress and child job."""

    name: str
    type: str
    status: str
    progress: float
    job_id: uuid.UUID | None
    started_at: datetime | None
    finished_at: datetime | None
    compute_seconds: float
    cost_usd: float
    outputs: dict[str, Any]


class WorkflowRead(BaseModel):
    id: uuid.UUID
    name: str
    config_id: uuid.UUID | None
    config_version: int | None
    status: WorkflowStatus
    progress: float
    current_stage: str | None
    message: str
    steps: list[StepRead]
    job_id: uuid.UUID | None
    error_message: str | None
    cost_usd: float
    compute_seconds: float
    results: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class WorkflowStatusRead(BaseModel):
    id: uuid.UUID
    status: WorkflowStatus
    progress: float
    current_stage: str | None
    message: str
    steps: list[StepRead]


class CheckResult(BaseModel):
    name: str
    metric: str
    measured: float | None
    threshold: str
    passed: bool


class ExportCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: str = Field(default="csv", pattern="^(csv|json|parquet)$")
    destination: str | None = Field(default=None, max_length=300)


class ExportRead(BaseModel):
    key: str
    format: str
    size_bytes: int
    download_url: str | None


class RunParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    workflow_id: uuid.UUID
    step_names: list[str]
    step_types: list[str]
