from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from synthfoundry.tabular.metadata import ColumnKind


class DatasetStatus(StrEnum):
    INGESTING = "ingesting"
    READY = "ready"
    FAILED = "failed"


class ColumnRead(BaseModel):
    name: str
    kind: ColumnKind
    nullable: bool


class DatasetRead(BaseModel):
    id: uuid.UUID
    owner_id: uuid.UUID
    name: str
    description: str
    file_name: str
    source_format: str
    compressed: bool
    size_bytes: int
    rows: int
    columns: int
    column_overrides: dict[str, ColumnKind]
    column_schema: list[ColumnRead] = Field(description="each column's kind after overrides")
    status: DatasetStatus
    error: str | None = Field(default=None, description="why ingesting failed")
    ingest_job_id: uuid.UUID | None = Field(default=None, description="for large uploads")
    created_at: datetime
    updated_at: datetime


class DatasetUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=10_000)
    column_overrides: dict[str, ColumnKind] | None = Field(
        default=None, description="column name to kind; replaces earlier overrides"
    )


class ColumnStats(BaseModel):
    name: str
    kind: ColumnKind
    nulls: int
    distinct: int
    minimum: Any = None
    maximum: Any = None
    mean: float | None = None
    quantiles: dict[str, float] | None = None
    top_values: list[dict[str, Any]] = Field(default_factory=list)


class DatasetStats(BaseModel):
    rows: int
    columns: list[ColumnStats]


class DatasetPreview(BaseModel):
    columns: list[str]
    rows: list[dict[str, Any]]


DownloadFormat = Literal["csv", "json", "parquet", "zip"]


class IngestParams(BaseModel):
    """The ``datasets.ingest`` job's parameters."""

    dataset_id: uuid.UUID
    file_name: str | None = None


class DatasetImport(BaseModel):
    """A dataset from a file in the server's import directory."""

    model_config = ConfigDict(extra="forbid")

    path: str = Field(
        min_length=1,
        max_length=4096,
        description="the file, relative to the import directory "
        "(SYNTHFOUNDRY_DATASETS__IMPORT_DIR)",
    )
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str = Field(default="", max_length=10_000)
