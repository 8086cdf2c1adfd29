"""What a text-to-image request may say, checked without torch or diffusers (the API validates
requests with these; the model module imports them)."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from synthfoundry.errors import InvalidInput

DEFAULT_MODEL = "stabilityai/sdxl-turbo"
LABEL_PLACEHOLDER = "{label}"
MIN_SIZE, MAX_SIZE, SIZE_STEP = 64, 2048, 8
HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]+", re.ASCII)
MODEL_INDEX = "model_index.json"


class ImageRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    labels: list[str] = Field(min_length=1, max_length=100, description="one class per label")
    images_per_label: int = Field(default=1, ge=1, le=10_000)
    prompt_template: str = Field(
        default="a photo of {label}",
        max_length=1000,
        description='the prompt of each label; "{label}" stands for the label',
    )
    negative_prompt: str | None = Field(default=None, max_length=1000)
    noise_level: float = Field(
        default=0.0, ge=0, le=1, description="Gaussian pixel noise added after generation"
    )
    seed: int = Field(default=0, ge=0, le=2**32 - 1)
    width: int | None = Field(default=None, description="pixels; none: the model's default")
    height: int | None = Field(default=None, description="pixels; none: the model's default")
    steps: int | None = Field(default=None, ge=1, le=200, description="none: the model's default")
    guidance_scale: float | None = Field(
        default=None, ge=0, le=50, description="none: the model's default"
    )

    @field_validator("labels")
    @classmethod
    def _clean_labels(cls, labels: list[str]) -> list[str]:
        cleaned = [label.strip() for label in labels]
        seen: set[str] = set()
        for label in cleaned:
            if not label:
                raise ValueError("labels must not be empty")
            if len(label) > 200:
                raise ValueError(f"label {label[:20]!r}... is longer than 200 characters")
            if label in seen:
                raise ValueError(f"label {label!r} is given twice")
            seen.add(label)
        return cleaned

    @field_validator("prompt_template")
    @classmethod
    def _check_template(cls, template: str) -> str:
        if LABEL_PLACEHOLDER not in template:
            raise ValueError('prompt_template must contain "{label}"')
        rest = template.replace(LABEL_PLACEHOLDER, "")
        if "{" in rest or "}" in rest:
            raise ValueError('prompt_template may hold no braces other than "{label}"')
        return template

    @field_validator("negative_prompt")
    @classmethod
    def _blank_is_none(cls, negative_prompt: str | None) -> str | None:
        return negative_prompt if negative_prompt and negative_prompt.strip() else None

    @field_validator("width", "height")
    @classmethod
    def _check_size(cls, size: int | None) -> int | None:
        if size is not None and (size % SIZE_STEP or not MIN_SIZE <= size <= MAX_SIZE):
            raise ValueError(
                f"must be a multiple of {SIZE_STEP} between {MIN_SIZE} and {MAX_SIZE}, not {size}"
            )
        return size

    def prompt_for(self, label: str) -> str:
        return self.prompt_template.replace(LABEL_PLACEHOLDER, label)


def check_model_reference(model: str) -> None:
    """Reject what is neither a Hugging Face Hub id (``owner/name``) nor a path to a diffusers
    model directory."""
    path = Path(model).expanduser()
    if path.is_file():
        raise InvalidInput(
            f"model {model!r} is a file: single-file checkpoints are not supported; "
            "give a diffusers model directory",
            field="model",
        )
    if path.is_dir():
        if not (path / MODEL_INDEX).is_file():
            raise InvalidInput(
                f"model {model!r} is a directory without {MODEL_INDEX}: not a diffusers model",
                field="model",
            )
        return
    if looks_like_hub_id(model) or looks_like_path(model):
        return
    raise InvalidInput(
        f"model {model!r} is neither a Hugging Face Hub id (owner/name) nor a local directory",
        field="model",
    )


def check_local_model(model: str, roots: list[Path]) -> None:
    """A local model directory must lie under one of ``roots`` (otherwise a request could probe
    the server's file system); hub ids pass. Checked before anything looks at the path."""
    if not looks_like_path(model) and not Path(model).exists():
        return
    path = Path(model).expanduser().resolve()
    if not any(path.is_relative_to(root.expanduser().resolve()) for root in roots):
        shown = ", ".join(str(root) for root in roots) or "none are configured"
        raise InvalidInput(
            f"model {model!r}: local model directories must be under the model folders "
            f"(SYNTHFOUNDRY_IMAGES__MODEL_DIRS: {shown})",
            field="model",
        )


def looks_like_hub_id(model: str) -> bool:
    return HUB_ID.fullmatch(model) is not None and ".." not in model


def looks_like_path(model: str) -> bool:
    return model.startswith(("/", "./", "../", "~")) and "\x00" not in model
