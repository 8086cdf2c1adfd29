from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

MAX_SIZE = 100_000_000
MAX_KNOWN_ROWS = 100_000


class SyntheticDatasetStatus(StrEnum):
    GENERATING = "generating"
    READY = "ready"
    FAILED = "failed"


class Rebalance(BaseModel):
    model_config = ConfigDict(extra="forbid")

    column: str
    shares: dict[str, float] = Field(description='category to share: {">50K": 0.5, "<=50K": 0.5}')


class SyntheticDatasetCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    generator_id: uuid.UUID
    size: int = Field(
        default=1000,
        ge=0,
        le=MAX_SIZE,
        description="rows; with a list of conditions, or known rows, it is their number (0, or "
        "any value, stands for it)",
    )
    seed: int | None = Field(default=None, ge=0, le=2**32 - 1)
    conditions: dict[str, Any] | list[dict[str, Any]] | None = Field(
        default=None,
        description='fixed values or [low, high] ranges, or a list of them each with a "count"',
    )
    rebalance: Rebalance | None = None
    known: list[dict[str, Any]] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_KNOWN_ROWS,
        description="partial rows to complete (the library's sample_remaining_columns): each "
        "row gives some columns' values, the others are generated; one row out per row in, the "
        "given values kept",
    )
    format: Literal["csv", "json", "parquet", "zip"] = Field(
        default="csv", description="the download format by default"
    )
    report: bool = Field(default=False, description="also judge the rows against the dataset")
    name: str | None = Field(default=None, min_length=1, max_length=200)

    @model_validator(mode="after")
    def _one_way_of_steering(self) -> SyntheticDatasetCreate:
        given = [
            name for name in ("conditions", "rebalance", "known") if getattr(self, name) is not None
        ]
        if len(given) > 1:
            raise ValueError(
                f"give one of conditions, rebalance or known, not {' and '.join(given)}"
            )
        if self.size == 0 and not isinstance(self.conditions, list) and self.known is None:
            raise ValueError("size 0 needs a list of conditions with counts, or known rows")
        if isinstance(self.conditions, list):
            counts = [c.get("count") for c in self.conditions]
            if not counts or not all(isinstance(n, int) and n > 0 for n in counts):
                raise ValueError('each condition in a list needs a positive integer "count"')
            if sum(counts) > MAX_SIZE:  # type: ignore[arg-type]
                raise ValueError(f"the counts add up to more than {MAX_SIZE} rows")
        return self


class SyntheticDatasetRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    owner_id: uuid.UUID
    generator_id: uuid.UUID | None
    name: str
    size: int
    seed: int | None
    conditions: Any
    rebalance: dict[str, Any] | None
    file_format: str
    status: SyntheticDatasetStatus
    rows: int | None
    size_bytes: int | None
    job_id: uuid.UUID | None
    report: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime


class GenerateParams(BaseModel):
    """The ``synthetic.generate`` job's parameters."""

    synthetic_dataset_id: uuid.UUID
    known_rows_key: str | None = Field(
        default=None, description="where the partial rows to complete are stored (Parquet)"
    )
