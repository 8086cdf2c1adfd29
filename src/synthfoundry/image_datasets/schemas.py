from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, model_validator

from synthfoundry.images.augment import ALL_OPERATIONS, Operation
from synthfoundry.images.requests import DEFAULT_MODEL, ImageRequest

MAX_IMAGES = 1_000_000


class ImageDatasetStatus(StrEnum):
    GENERATING = "generating"
    READY = "ready"
    CANCELLED = "cancelled"
    FAILED = "failed"


class ImageDatasetSource(StrEnum):
    GENERATED = "generated"
    AUGMENTED = "augmented"
    UPLOADED = "uploaded"


class ImageDatasetCreate(ImageRequest):
    """A text-to-image request: labels (or the original service's ``class_label``), how many
    images of each, and the model's settings."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    images_per_label: int = Field(
        default=1,
        ge=1,
        le=10_000,
        validation_alias=AliasChoices("images_per_label", "output_size"),
        description="images of each label (`output_size` is accepted as its alias)",
    )
    model: str = Field(
        default=DEFAULT_MODEL,
        min_length=1,
        max_length=500,
        description="a Hugging Face hub id or a diffusers model directory on the workers",
    )
    device: Literal["auto", "cpu", "cuda"] = "auto"
    batch_size: int | None = Field(default=None, ge=1, le=64, description="default: by device")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str = Field(default="", max_length=10_000)

    @model_validator(mode="before")
    @classmethod
    def _class_label_is_one_label(cls, data: Any) -> Any:
        if isinstance(data, dict) and "class_label" in data:
            data = dict(data)
            label = data.pop("class_label")
            if "labels" in data:
                raise ValueError("give labels or class_label, not both")
            data["labels"] = [label]
        return data

    def image_request(self) -> ImageRequest:
        return ImageRequest.model_validate(self.model_dump(include=set(ImageRequest.model_fields)))


class ImageDatasetUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=10_000)


class AugmentRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    variants_per_image: int = Field(default=1, ge=1, le=100)
    operations: list[Operation] = Field(default_factory=lambda: list(ALL_OPERATIONS), min_length=1)
    seed: int = Field(default=0, ge=0, le=2**32 - 1)
    name: str | None = Field(default=None, min_length=1, max_length=200)


class ImageDatasetRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    owner_id: uuid.UUID
    name: str
    description: str
    source: ImageDatasetSource
    source_dataset_id: uuid.UUID | None
    status: ImageDatasetStatus
    labels: list[str]
    request: dict[str, Any]
    file_count: int | None
    size_bytes: int | None
    generation_time: float | None = Field(description="seconds the images took to make")
    device_used: str | None
    job_id: uuid.UUID | None
    error: str | None
    created_at: datetime
    updated_at: datetime


class ImageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    image_id: int = Field(validation_alias="position")
    label: str
    file: str
    seed: int | None
    noise_sigma: float
    width: int
    height: int
    source: str | None
    augmentation: dict[str, Any] | None


class Thumbnail(BaseModel):
    image_id: int
    label: str
    file: str
    media_type: str = "image/jpeg"
    data: str = Field(description="base64 of the JPEG thumbnail")


class GenerateImagesParams(BaseModel):
    """The ``images.generate`` job's parameters."""

    image_dataset_id: uuid.UUID
    device: Literal["auto", "cpu", "cuda"] = "auto"


class AugmentImagesParams(BaseModel):
    """The ``images.augment`` job's parameters."""

    image_dataset_id: uuid.UUID
