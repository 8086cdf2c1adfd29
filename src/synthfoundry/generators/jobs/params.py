"""The parameters of the generators' job kinds (the service submits them; the kinds run them)."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict

from synthfoundry.generators.schemas import OptimizeRequest

Queue = Literal["cpu", "gpu"]


class TrainParams(BaseModel):
    generator_id: uuid.UUID
    queue: Queue = "cpu"


class OptimizeParams(OptimizeRequest):
    # Read back from job rows: stored data loads even if a field is later removed.
    model_config = ConfigDict(extra="ignore")

    generator_id: uuid.UUID
    queue: Queue = "cpu"
