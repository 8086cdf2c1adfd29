"""Wire models of videos, music videos and flavors, and the params of their jobs."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from synthfoundry.video.spec import MAX_SHORT_SIDE, MIN_SHORT_SIDE
from synthfoundry.video.styles import DEFAULT_STYLE, STYLES

FLAVOR_NAME = r"^[a-z0-9][a-z0-9_-]{0,63}$"


class VideoKind(StrEnum):
    PRODUCT = "product"
    MUSIC = "music"
    CLIP = "clip"
    CHARACTER = "character"


class VideoStatus(StrEnum):
    QUEUED = "queued"
    PROCESSING = "processing"
    PAUSED = "paused"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


class ProviderChoice(BaseModel):
    """Who does each stage; compositing is always local (ffmpeg)."""

    model_config = ConfigDict(extra="forbid")

    script: Literal["local", "openai"] = "local"
    voice: Literal["local", "openai", "silent"] = "local"
    video: Literal["local", "http"] = "local"


class ProductVideoCreate(BaseModel):
    """A product video request (the multipart form's fields, the image aside)."""

    model_config = ConfigDict(extra="forbid")

    product_name: str = Field(min_length=1, max_length=100)
    style: str = Field(default=DEFAULT_STYLE, description=f"one of {', '.join(sorted(STYLES))}")
    cta_text: str = Field(min_length=1, max_length=50, description="the call to action")
    aspect: Literal["16:9", "9:16", "1:1"] | None = Field(
        default=None, description="default: the flavor's, else 16:9"
    )
    voice: str | None = Field(default=None, max_length=64, description="a voice of the provider")
    providers: ProviderChoice = Field(default_factory=ProviderChoice)
    flavor: str | None = Field(
        default=None, pattern=FLAVOR_NAME, description="presets for aspect, size, fps"
    )
    resolution: int | None = Field(
        default=None,
        ge=MIN_SHORT_SIDE,
        le=MAX_SHORT_SIDE,
        description="the short side in pixels (1080: 1920x1080 at 16:9); default 1080",
    )
    fps: int | None = Field(default=None, ge=1, le=60, description="default 24")
    duration_seconds: float | None = Field(
        default=None, ge=1, le=120, description="default: as long as the voice-over"
    )
    seed: int = Field(default=0, ge=0, le=2**32 - 1)

    @field_validator("product_name", "cta_text")
    @classmethod
    def _not_blank(cls, text: str) -> str:
        text = " ".join(text.split())
        if not text:
            raise ValueError("must not be blank")
        return text

    @field_validator("style")
    @classmethod
    def _known_style(cls, style: str) -> str:
        if style not in STYLES:
            raise ValueError(f"unknown style {style!r}; known: {', '.join(sorted(STYLES))}")
        return style


class VideoAccepted(BaseModel):
    id: uuid.UUID
    job_id: uuid.UUID
    status: VideoStatus
    estimated_completion_time: datetime


class VideoStageRead(BaseModel):
    name: str
    status: str
    progress: float = Field(description="0-1")
    started_at: datetime | None
    completed_at: datetime | None
    error: str | None
    cost_usd: float


class VideoRead(BaseModel):
    id: uuid.UUID
    kind: VideoKind
    title: str
    status: VideoStatus
    progress: float = Field(description="the job's overall progress, 0-1")
    stages: list[VideoStageRead]
    job_id: uuid.UUID | None
    video_url: str | None = Field(description="the download route, once completed")
    thumbnail_url: str | None
    error_message: str | None
    cost_usd: float
    seconds: float | None
    width: int | None
    height: int | None
    size_bytes: int | None
    product_name: str | None = None
    style: str | None = None
    cta_text: str | None = None
    request: dict[str, Any]
    details: dict[str, Any] = Field(description="script, silent-voice reason, scenes, keys")
    created_at: datetime
    updated_at: datetime


class ScenesCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    concept_prompt: str = Field(min_length=1, max_length=2000)
    num_scenes: int = Field(default=4, ge=1, le=50)
    seed: int = Field(default=0, ge=0, le=2**32 - 1)


class SceneRead(BaseModel):
    sequence: int
    prompt: str
    duration: float


class ScenesRead(BaseModel):
    flavor: str
    scenes: list[SceneRead]


class CharacterCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    character_description: str = Field(min_length=1, max_length=1000)
    seed: int = Field(default=0, ge=0, le=2**32 - 1)


class ClipCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prompt: str = Field(min_length=1, max_length=2000)
    duration: float = Field(default=4.0, ge=0.5, le=60)
    reference_image_keys: list[str] = Field(default_factory=list, max_length=4)
    provider: Literal["local", "http"] = "local"
    seed: int = Field(default=0, ge=0, le=2**32 - 1)


class MusicVideoCreate(BaseModel):
    """A music video request (the multipart form's fields, the audio aside)."""

    model_config = ConfigDict(extra="forbid")

    concept: str = Field(min_length=1, max_length=2000)
    num_scenes: int = Field(default=4, ge=1, le=50)
    character_description: str = Field(min_length=1, max_length=1000)
    flavor: str | None = Field(default=None, pattern=FLAVOR_NAME)
    provider: Literal["local", "http"] = "local"
    seed: int = Field(default=0, ge=0, le=2**32 - 1)


class FlavorSummary(BaseModel):
    name: str
    description: str
    builtin: bool


class FlavorList(BaseModel):
    flavors: list[FlavorSummary]
    default_flavor: str


class FlavorRead(FlavorSummary):
    flavor: dict[str, Any]
    yaml: str


class FlavorProblem(BaseModel):
    path: str
    message: str


class FlavorValidation(BaseModel):
    valid: bool
    name: str | None
    errors: list[FlavorProblem]


class VideoJobParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    video_id: uuid.UUID
    queue: Literal["cpu", "gpu"] = "cpu"


class ProductVideoParams(VideoJobParams):
    pass


class MusicVideoParams(VideoJobParams):
    pass


class ClipParams(VideoJobParams):
    pass


class CharacterParams(VideoJobParams):
    pass
