from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from synthfoundry.synthetic_datasets.schemas import SyntheticDatasetCreate

MAX_OPERATIONS = 10


class TrainOperation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["train"]
    generator_id: uuid.UUID


class GenerateOperation(SyntheticDatasetCreate):
    type: Literal["generate"]


Operation = Annotated[TrainOperation | GenerateOperation, Field(discriminator="type")]


class BatchCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: Literal["parallel", "sequence"] = Field(
        default="sequence", description="sequence: one after another, stopping at a failure"
    )
    operations: list[Operation] = Field(min_length=1, max_length=MAX_OPERATIONS)


class BatchParams(BatchCreate):
    """The ``batch.run`` job's parameters."""
