"""Scenes from a generic asynchronous text/image-to-video API: create a task per scene, poll it
until it is done, download the MP4. Field names and JSON paths are configuration, so most such
APIs fit without code."""

from __future__ import annotations

import base64
import math
import mimetypes
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from synthfoundry.video.http import HttpClient, RetryPolicy, safe_text, sleep_checked
from synthfoundry.video.spec import (
    ProductBrief,
    ProviderError,
    Reporter,
    SceneClip,
    Script,
)
from synthfoundry.video.styles import STYLES

PROVIDER = "http"
IMAGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
}


@dataclass(frozen=True)
class AsyncVideoConfig:
    """An asynchronous video API: where its endpoints are and how its JSON is shaped. Field
    names and paths are dotted ("input.prompt", "data.task_id", "output.0.url")."""

    base_url: str = ""
    """The API's root URL; required."""
    api_key: str = ""
    model: str = ""
    """Sent in ``model_field`` when not empty."""
    create_path: str = "/tasks"
    status_path: str = "/tasks/{id}"
    # The create request
    model_field: str = "model"
    prompt_field: str = "prompt"
    duration_field: str | None = "duration"
    size_mode: Literal["width_height", "aspect", "size", "none"] = "width_height"
    """How the frame size is sent: two numbers, an aspect ratio ("16:9") or "1280x720"."""
    width_field: str = "width"
    height_field: str = "height"
    aspect_field: str = "aspect_ratio"
    size_field: str = "size"
    image_field: str | None = "image"
    """Where the product image goes, as a base64 data URL; None never sends it."""
    extra_body: Mapping[str, Any] = field(default_factory=dict)
    """Constant fields added to every create request (e.g. {"watermark": false})."""
    durations: tuple[int, ...] = ()
    """The clip lengths the API accepts (e.g. (5, 10)); empty: any whole number of seconds in
    [min_seconds, max_seconds]."""
    min_seconds: int = 1
    max_seconds: int = 10
    # The answers
    id_path: str = "id"
    status_field: str = "status"
    done_values: tuple[str, ...] = ("succeeded", "success", "completed", "complete", "done")
    failed_values: tuple[str, ...] = ("failed", "failure", "error", "cancelled", "canceled")
    video_url_path: str = "video_url"
    error_path: str = "error"
    # Pacing and limits
    poll_interval_seconds: float = 5.0
    task_timeout_seconds: float = 900.0
    max_concurrent_tasks: int = 2
    timeout_seconds: float = 60.0
    connect_timeout_seconds: float = 10.0
    retries: int = 3
    backoff_seconds: float = 0.5
    max_video_bytes: int = 200 * 1024 * 1024
    max_image_bytes: int = 10 * 1024 * 1024
    usd_per_second: float = 0.0
    """The price of a second of generated video."""


@dataclass
class _Task:
    index: int
    task_id: str
    seconds: int
    started: float
    polls: int = 0


class AsyncVideoScenes:
    """A SceneProvider over an asynchronous video API; up to ``max_concurrent_tasks`` scenes are
    generated at once, since each takes minutes."""

    name = PROVIDER

    def __init__(self, config: AsyncVideoConfig | None = None) -> None:
        self.config = config or AsyncVideoConfig()

    def render(
        self,
        brief: ProductBrief,
        script: Script,
        timeline: Sequence[float],
        work: Path,
        reporter: Reporter,
    ) -> list[SceneClip]:
        config = self.config
        if not config.base_url:
            raise ProviderError(PROVIDER, "no base URL is configured for the video API")
        count = len(script.scenes)
        if len(timeline) != count:
            raise ValueError(f"the timeline has {len(timeline)} entries for {count} scenes")
        work.mkdir(parents=True, exist_ok=True)
        image = self._image(brief)
        waiting = list(range(count))
        active: list[_Task] = []
        clips: dict[int, SceneClip] = {}
        with HttpClient(
            PROVIDER,
            config.base_url,
            config.api_key,
            timeout_seconds=config.timeout_seconds,
            connect_timeout_seconds=config.connect_timeout_seconds,
            retry=RetryPolicy(retries=config.retries, backoff_seconds=config.backoff_seconds),
        ) as client:
            while waiting or active:
                while waiting and len(active) < max(config.max_concurrent_tasks, 1):
                    index = waiting.pop(0)
                    task = self._create(client, brief, script, timeline, index, image, reporter)
                    active.append(task)
                    reporter.progress(len(clips), count, f"scene {index + 1} submitted")
                for task in list(active):
                    clip = self._poll(client, task, timeline, work, reporter)
                    if clip is not None:
                        active.remove(task)
                        clips[task.index] = clip
                        reporter.progress(len(clips), count, f"scene {task.index + 1} ready")
                if active:
                    sleep_checked(config.poll_interval_seconds, reporter)
        return [clips[index] for index in range(count)]

    # Steps

    def _create(
        self,
        client: HttpClient,
        brief: ProductBrief,
        script: Script,
        timeline: Sequence[float],
        index: int,
        image: str | None,
        reporter: Reporter,
    ) -> _Task:
        config = self.config
        seconds = self.clip_seconds(timeline[index])
        body: dict[str, Any] = {}
        for name, value in config.extra_body.items():
            put(body, name, value)
        if config.model:
            put(body, config.model_field, config.model)
        put(body, config.prompt_field, self.prompt(brief, script, index))
        if config.duration_field:
            put(body, config.duration_field, seconds)
        width, height = brief.size
        if config.size_mode == "width_height":
            put(body, config.width_field, width)
            put(body, config.height_field, height)
        elif config.size_mode == "aspect":
            put(body, config.aspect_field, brief.aspect.value)
        elif config.size_mode == "size":
            put(body, config.size_field, f"{width}x{height}")
        if image is not None and config.image_field:
            put(body, config.image_field, image)
        what = f"scene {index + 1} request"
        answer = client.post_json(config.create_path, body, reporter, what=what)
        task_id = dig(answer, config.id_path)
        if not isinstance(task_id, str | int) or isinstance(task_id, bool) or task_id == "":
            raise ProviderError(PROVIDER, f"the {what} answer had no task id at {config.id_path!r}")
        return _Task(index, str(task_id), seconds, time.monotonic())

    def _poll(
        self,
        client: HttpClient,
        task: _Task,
        timeline: Sequence[float],
        work: Path,
        reporter: Reporter,
    ) -> SceneClip | None:
        """The scene's clip once its task is done; None while it is still running."""
        config = self.config
        scene = task.index + 1
        reporter.check()
        path = config.status_path.replace("{id}", task.task_id)
        answer = client.get_json(path, reporter, what=f"scene {scene} status")
        task.polls += 1
        status = dig(answer, config.status_field)
        state = str(status).strip().lower() if isinstance(status, str | int) else ""
        if state in {value.lower() for value in config.failed_values}:
            raise ProviderError(PROVIDER, f"scene {scene} failed: {self._api_error(answer)}")
        if state not in {value.lower() for value in config.done_values}:
            waited = time.monotonic() - task.started
            if waited > config.task_timeout_seconds:
                raise ProviderError(
                    PROVIDER,
                    f"scene {scene} was not ready after {config.task_timeout_seconds:g} s "
                    f"(last status {safe_text(state or 'unknown', limit=40)!r})",
                )
            return None
        url = dig(answer, config.video_url_path)
        if not isinstance(url, str) or not url:
            raise ProviderError(
                PROVIDER,
                f"scene {scene} was done but had no video URL at {config.video_url_path!r}",
            )
        target = work / f"scene-{scene:02d}.mp4"
        client.download(
            url, target, reporter, what=f"scene {scene} video", max_bytes=config.max_video_bytes
        )
        _check_video(target, scene)
        reporter.cost(PROVIDER, f"scene {scene}", task.seconds * config.usd_per_second)
        return SceneClip(target, float(timeline[task.index]))

    # Pieces

    def clip_seconds(self, wanted: float) -> int:
        """The clip length to ask for: the shortest accepted one covering ``wanted``."""
        config = self.config
        if config.durations:
            allowed = sorted(config.durations)
            return next((value for value in allowed if value >= wanted - 0.05), allowed[-1])
        return min(max(math.ceil(wanted - 0.05), config.min_seconds), config.max_seconds)

    def prompt(self, brief: ProductBrief, script: Script, index: int) -> str:
        """The scene's visual with the style and product as hints."""
        scene = script.scenes[index]
        style = STYLES.get(brief.style)
        hints = style.description if style else brief.style
        return (
            f"{scene.visual.strip().rstrip('.')}. Product: {brief.product_name}. "
            f"Style: {hints}. Aspect ratio {brief.aspect.value}. No text or captions."
        )

    def _image(self, brief: ProductBrief) -> str | None:
        if brief.product_image is None or not self.config.image_field:
            return None
        path = brief.product_image
        try:
            size = path.stat().st_size
            if size > self.config.max_image_bytes:
                raise ProviderError(
                    PROVIDER,
                    f"the product image is larger than the "
                    f"{self.config.max_image_bytes // (1024 * 1024)} MB the API is sent",
                )
            data = path.read_bytes()
        except OSError:
            raise ProviderError(PROVIDER, "the product image could not be read") from None
        suffix = path.suffix.lower()
        mime = IMAGE_TYPES.get(suffix) or mimetypes.guess_type(path.name)[0] or "image/png"
        return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"

    def _api_error(self, answer: Mapping[str, Any]) -> str:
        error = dig(answer, self.config.error_path)
        if isinstance(error, dict):
            error = next(
                (error[key] for key in ("message", "msg", "detail", "reason") if key in error),
                error.get("code"),
            )
        if error is None or error == "":
            return "no reason given"
        return safe_text(str(error), (self.config.api_key,), limit=200)


def _check_video(path: Path, scene: int) -> None:
    """Refuse an error page or JSON saved as the video."""
    with path.open("rb") as file:
        head = file.read(16)
    if not head or head.lstrip()[:1] in (b"<", b"{", b"["):
        raise ProviderError(PROVIDER, f"scene {scene}'s download was not a video")


def dig(value: Any, path: str) -> Any:
    """The value at a dotted path ("data.task_id", "output.0.url"); None when absent."""
    for part in path.split("."):
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, list) and part.lstrip("-").isdigit():
            position = int(part)
            value = value[position] if -len(value) <= position < len(value) else None
        else:
            return None
    return value


def put(body: dict[str, Any], path: str, value: Any) -> None:
    """Set ``value`` at a dotted path of ``body``, making the objects on the way."""
    *parents, last = path.split(".")
    node = body
    for part in parents:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[last] = value
