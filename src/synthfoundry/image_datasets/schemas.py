from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, model_validator

from synthfoundry.images.augment import ALL_OPERATIONS, Operation
from synthfoundry.images.requests import DEFAULT_MODEL, ImageRequest

MAX_IMAGES = 1_000_000
MAX_LABEL = 200


class ImageDatasetStatus(StrEnum):
    GENERATING = "generating"
    READY = "ready"
    CANCELLED = "cancelled"
    FAILED = "failed"


class ImageDatasetSource(StrEnum):
    COLLECTED = "collected"
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


ProviderName = Literal["openverse", "wikimedia", "google", "urls"]
ImageFormat = Literal["jpeg", "png", "webp", "gif", "bmp", "tiff"]
LicenseCode = Literal[
    "cc0", "pdm", "by", "by-sa", "by-nc", "by-nd", "by-nc-sa", "by-nc-nd", "unknown"
]
DEFAULT_PROVIDERS: tuple[ProviderName, ...] = ("openverse", "wikimedia")
ALL_FORMATS: tuple[ImageFormat, ...] = ("jpeg", "png", "webp", "gif", "bmp", "tiff")
URL_PATTERN = r"^https?://[^\s]+$"


class CollectCreate(BaseModel):
    """Collect a labelled dataset from search providers and URL lists."""

    model_config = ConfigDict(extra="forbid")

    labels: list[str | list[str]] = Field(
        min_length=1,
        max_length=100,
        description="each a keyword, or a list of query terms (the first names the label)",
    )
    images_per_label: int = Field(default=20, ge=1, le=10_000)
    providers: list[ProviderName] = Field(
        default_factory=lambda: list(DEFAULT_PROVIDERS), max_length=4
    )
    urls: (
        list[Annotated[str, Field(pattern=URL_PATTERN, max_length=2000)]]
        | dict[str, list[Annotated[str, Field(pattern=URL_PATTERN, max_length=2000)]]]
    ) = Field(
        default_factory=list,
        description="URLs to fetch: one list for the first label, or a list per label",
    )
    min_width: int = Field(default=64, ge=1, le=10_000)
    min_height: int = Field(default=64, ge=1, le=10_000)
    max_megapixels: float = Field(default=40.0, gt=0, le=200)
    allowed_formats: list[ImageFormat] = Field(
        default_factory=lambda: list(ALL_FORMATS), min_length=1
    )
    licenses: list[LicenseCode] | None = Field(
        default=None, description='e.g. ["cc0", "by", "by-sa"]; none: any license'
    )
    dedupe_threshold: int = Field(
        default=8, ge=0, le=32, description="perceptual-hash bits apart still counted as one image"
    )
    top_up_with: Literal["generate", "augment"] | None = Field(
        default=None, description="fill labels that found too few images"
    )
    model: str = Field(
        default=DEFAULT_MODEL, max_length=500, description="for top_up_with=generate"
    )
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str = Field(default="", max_length=10_000)

    @model_validator(mode="after")
    def _labels_and_urls_agree(self) -> CollectCreate:
        names = self.label_names()
        cleaned = [name.strip() for name in names]
        if any(not name for name in cleaned):
            raise ValueError("labels must not be empty")
        if any(len(name) > MAX_LABEL for name in cleaned):
            raise ValueError(f"labels must be at most {MAX_LABEL} characters")
        if len(set(cleaned)) != len(cleaned):
            raise ValueError("labels must differ")
        if isinstance(self.urls, dict) and (unknown := set(self.urls) - set(cleaned)):
            raise ValueError(f"urls name labels that are not asked for: {sorted(unknown)}")
        if not self.providers and not self.urls:
            raise ValueError("give providers or urls")
        return self

    def label_names(self) -> list[str]:
        return [
            (label if isinstance(label, str) else (label[0] if label else "")).strip()
            for label in self.labels
        ]


class CollectImagesParams(BaseModel):
    """The ``images.collect`` job's parameters."""

    image_dataset_id: uuid.UUID
    generates: bool = Field(default=False, description="tops up with a diffusion model (gpu)")


class ImageDatasetStats(BaseModel):
    """A user's image datasets summed."""

    datasets: int
    by_status: dict[str, int]
    images: int
    bytes: int
    duplicates_removed: int
    invalid_by_reason: dict[str, int]
    refused_by_reason: dict[str, int]


class ProviderInfo(BaseModel):
    name: str
    available: bool
    reason: str | None


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
    collection: dict[str, Any] | None = Field(
        description="collected datasets: found, downloaded, invalid and refused by reason, "
        "duplicates, per provider"
    )
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
    provider: str | None = None
    license: str | None = None


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
