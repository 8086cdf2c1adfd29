"""Text-to-image synthesis with a pretrained diffusers pipeline (SDXL-Turbo by default): images
for a list of labels, each from its own seed, so that a request reproduces image for image
whatever the batch size."""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal, Self

import numpy as np
import torch
from PIL import Image
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from synthfoundry.errors import InvalidInput
from synthfoundry.images import noise, pipelines, requests
from synthfoundry.images.pipelines import ModelUnavailable
from synthfoundry.images.requests import DEFAULT_MODEL, ImageRequest
from synthfoundry.progress import Progress, silent
from synthfoundry.suggestions import model_keys, unknown_name
from synthfoundry.synthesizers import artifacts
from synthfoundry.synthesizers.base import Capabilities, Modality, Stop, Synthesizer, never

TURBO_NAMES = ("sdxl-turbo", "sd-turbo")
TURBO_DEFAULTS = (1, 0.0, 512, 512)
DEFAULT_STEPS = 25
DEFAULT_GUIDANCE = 7.5
DEFAULT_SIZE = 512
NOISE_STREAM = 1  # the extra seed element that sets the noise seeds apart from the image seeds
CPU_BATCH_SIZE = 1
MAX_GPU_BATCH_SIZE = 8
# Rough GPU memory one SDXL image takes in flight (UNet activations and VAE decoding, fp16) per
# megapixel; the default batch is what the free memory holds with a margin.
GPU_BYTES_PER_MEGAPIXEL = 2.5 * 2**30
GPU_MEMORY_MARGIN = 0.7


class Text2ImageParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str = Field(
        default=DEFAULT_MODEL,
        min_length=1,
        max_length=1000,
        description="a Hugging Face Hub id (owner/name) or a local diffusers model directory",
    )
    device: Literal["auto", "cpu", "cuda"] = Field(
        default="auto", description="auto: the GPU when there is one"
    )
    batch_size: int | None = Field(
        default=None,
        ge=1,
        le=64,
        description="images per pipeline call; none: sized to the device",
    )


@dataclass(frozen=True)
class GeneratedImage:
    """One image and everything that made it. ``negative_prompt`` is the one applied: none when
    the guidance scale leaves it without effect."""

    label: str
    label_index: int
    index: int  # 1-based within its label
    prompt: str
    negative_prompt: str | None
    seed: int
    noise_seed: int
    noise_sigma: float
    image: Image.Image
    seconds: float  # this image's share of its batch's wall time
    steps: int
    guidance_scale: float
    width: int
    height: int
    model: str


@dataclass(frozen=True)
class _Settings:
    steps: int
    guidance_scale: float
    width: int
    height: int
    negative_prompt: str | None


@dataclass(frozen=True)
class _Slot:
    label_index: int
    index: int


def image_seed(request_seed: int, label_index: int, index: int) -> int:
    """The seed of one image's starting latents: a function of its place in the request alone."""
    return int(np.random.SeedSequence([request_seed, label_index, index]).generate_state(1)[0])


def noise_seed(request_seed: int, label_index: int, index: int) -> int:
    """The seed of one image's pixel noise, independent of its ``image_seed``."""
    sequence = np.random.SeedSequence([request_seed, label_index, index, NOISE_STREAM])
    return int(sequence.generate_state(1)[0])


def model_defaults(model: str, pipeline: Any) -> tuple[int, float, int, int]:
    """Steps, guidance scale, width and height that suit ``model`` when a request leaves them out:
    the published settings of the distilled turbo models, else the pipeline's own."""
    if any(name in model.lower() for name in TURBO_NAMES):
        return TURBO_DEFAULTS
    size = _default_size(pipeline)
    return DEFAULT_STEPS, _default_guidance(pipeline), size, size


def _default_guidance(pipeline: Any) -> float:
    try:
        parameter = inspect.signature(type(pipeline).__call__).parameters.get("guidance_scale")
    except (TypeError, ValueError):
        parameter = None
    default = getattr(parameter, "default", None)
    if isinstance(default, int | float) and not isinstance(default, bool):
        return float(default)
    return DEFAULT_GUIDANCE


def _default_size(pipeline: Any) -> int:
    sample_size = getattr(pipeline, "default_sample_size", None)
    if sample_size is None:
        unet = getattr(pipeline, "unet", None)
        sample_size = getattr(getattr(unet, "config", None), "sample_size", None)
    scale = getattr(pipeline, "vae_scale_factor", None)
    if isinstance(sample_size, int) and isinstance(scale, int):
        return sample_size * scale
    return DEFAULT_SIZE


def _validate_request(request: ImageRequest | dict[str, Any]) -> ImageRequest:
    if isinstance(request, ImageRequest):
        return request
    try:
        return ImageRequest.model_validate(request)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "request"
        message = first["msg"]
        if first["type"] == "extra_forbidden" and len(first["loc"]) == 1:
            message = unknown_name("field", field, model_keys(ImageRequest))
        raise InvalidInput(f"image request {field}: {message}", field=field) from None


class Text2Image(Synthesizer):
    name = "text2image"
    description = "Images for class labels from a pretrained text-to-image diffusion model."
    Params = Text2ImageParams
    SampleRequest = ImageRequest
    capabilities: ClassVar[Capabilities] = Capabilities(
        modality=Modality.IMAGE, needs_training=False, gpu=True
    )
    params: Text2ImageParams

    @classmethod
    def queue_for(cls, params: dict[str, Any]) -> str:
        """Only an explicit ``device="cpu"`` runs on the CPU queue: diffusion wants a GPU."""
        return "cpu" if params.get("device") == "cpu" else "gpu"

    def fit(
        self,
        data: Any = None,
        metadata: Any = None,
        *,
        progress: Progress = silent,
        stop: Stop = never,
        checkpoint_dir: str | Path | None = None,
        on_checkpoint: Callable[[], None] | None = None,
    ) -> Self:
        """Nothing to learn: the model is pretrained."""
        return self

    def load_pipeline(self) -> None:
        """Resolve the device and load the pipeline (through the per-process cache)."""
        requests.check_model_reference(self.params.model)  # a bad name is the first error
        device = pipelines.resolve_device(self.params.device)
        self.pipeline_ = pipelines.load_pipeline(self.params.model, device)
        self.device_ = device

    @property
    def device_used(self) -> str:
        device: str | None = getattr(self, "device_", None)
        return device if device is not None else pipelines.resolve_device(self.params.device)

    def sample(
        self, request: ImageRequest | dict[str, Any], /, *, progress: Progress = silent
    ) -> Iterator[GeneratedImage]:
        """The request's images, label by label, lazily: the pipeline loads (if it has not) and
        each batch runs as the iteration reaches it."""
        return self._generate(_validate_request(request), progress)

    def save(self, directory: str | Path) -> None:
        """Write the parameters (the weights stay where ``model`` names them)."""
        content = {"params": self.params.model_dump(mode="json")}
        artifacts.write(directory, self.name, content, {})

    @classmethod
    def load(cls, directory: str | Path) -> Self:
        content, _ = artifacts.read(directory)
        return cls(cls.stored_params(content["params"]))

    def _generate(self, request: ImageRequest, progress: Progress) -> Iterator[GeneratedImage]:
        if getattr(self, "pipeline_", None) is None:
            self.load_pipeline()
        settings = self._settings(request)
        slots = [
            _Slot(label_index, index)
            for label_index in range(len(request.labels))
            for index in range(1, request.images_per_label + 1)
        ]
        batch_size = self.params.batch_size or self._default_batch_size(settings)
        for number, start in enumerate(range(0, len(slots), batch_size), start=1):
            batch = slots[start : start + batch_size]
            images = self._run_batch(request, settings, batch, number)
            progress("generate", start + len(batch), len(slots), "images")
            yield from images

    def _settings(self, request: ImageRequest) -> _Settings:
        steps, guidance, width, height = model_defaults(self.params.model, self.pipeline_)
        guidance = request.guidance_scale if request.guidance_scale is not None else guidance
        # At a scale of 1 or less there is no classifier-free guidance: no negative prompt either.
        negative = request.negative_prompt if guidance > 1 else None
        return _Settings(
            steps=request.steps or steps,
            guidance_scale=guidance,
            width=request.width or width,
            height=request.height or height,
            negative_prompt=negative,
        )

    def _default_batch_size(self, settings: _Settings) -> int:
        if not self.device_.startswith("cuda"):
            return CPU_BATCH_SIZE
        free, _ = torch.cuda.mem_get_info()
        per_image = GPU_BYTES_PER_MEGAPIXEL * settings.width * settings.height / 1e6
        return max(1, min(MAX_GPU_BATCH_SIZE, int(GPU_MEMORY_MARGIN * free / per_image)))

    def _run_batch(
        self, request: ImageRequest, settings: _Settings, batch: list[_Slot], number: int
    ) -> list[GeneratedImage]:
        started = time.perf_counter()
        seeds = [image_seed(request.seed, s.label_index, s.index) for s in batch]
        noise_seeds = [noise_seed(request.seed, s.label_index, s.index) for s in batch]
        prompts = [request.prompt_for(request.labels[s.label_index]) for s in batch]
        images = self._call_pipeline(prompts, seeds, settings, number)
        noisy = [
            noise.add_gaussian_noise(image, request.noise_level, seed)
            for image, seed in zip(images, noise_seeds, strict=True)
        ]
        seconds = (time.perf_counter() - started) / len(batch)
        return [
            GeneratedImage(
                label=request.labels[slot.label_index],
                label_index=slot.label_index,
                index=slot.index,
                prompt=prompt,
                negative_prompt=settings.negative_prompt,
                seed=seed,
                noise_seed=seed_of_noise,
                noise_sigma=sigma,
                image=image,
                seconds=seconds,
                steps=settings.steps,
                guidance_scale=settings.guidance_scale,
                width=settings.width,
                height=settings.height,
                model=self.params.model,
            )
            for slot, prompt, seed, seed_of_noise, (image, sigma) in zip(
                batch, prompts, seeds, noise_seeds, noisy, strict=True
            )
        ]

    def _call_pipeline(
        self, prompts: list[str], seeds: list[int], settings: _Settings, number: int
    ) -> list[Image.Image]:
        # One generator per image: an image depends on its seed, not on the batch it fell in.
        generators = [torch.Generator(device=self.device_).manual_seed(seed) for seed in seeds]
        options: dict[str, Any] = {
            "num_inference_steps": settings.steps,
            "guidance_scale": settings.guidance_scale,
            "width": settings.width,
            "height": settings.height,
            "generator": generators,
            "output_type": "pil",
        }
        if settings.negative_prompt is not None:
            options["negative_prompt"] = [settings.negative_prompt] * len(prompts)
        try:
            with pipelines.pipeline_lock(self.pipeline_), torch.inference_mode():
                output = self.pipeline_(prompt=prompts, **options)
        except torch.cuda.OutOfMemoryError as exc:
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
            raise ModelUnavailable(
                f"model {self.params.model!r} ran out of memory on {self.device_} at batch"
                f" {number} ({len(prompts)} images of {settings.width}x{settings.height});"
                " lower batch_size"
            ) from exc
        return list(output.images)
