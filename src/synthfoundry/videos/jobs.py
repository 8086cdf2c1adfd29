"""``videos.product``: script_gen -> voice_gen -> video_gen -> compositing. Each finished stage's
files stay in storage, so a failed job retried (or a paused one resumed) starts after them."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel
from sqlalchemy.orm import Session

from synthfoundry import runtime
from synthfoundry.jobs.context import JobContext
from synthfoundry.jobs.kinds import JobKind, Stage, register
from synthfoundry.jobs.models import Job
from synthfoundry.jobs.states import Status
from synthfoundry.video import ffmpeg
from synthfoundry.video.pipeline import STAGES, render_product_video
from synthfoundry.video.spec import Aspect, ProductBrief
from synthfoundry.videos.models import Video
from synthfoundry.videos.providers import product_providers
from synthfoundry.videos.schemas import ProductVideoCreate, ProductVideoParams, VideoJobParams
from synthfoundry.videos.stages import JobStages, input_key, load_video, output_key

VIDEO_FILE, THUMBNAIL_FILE = "video.mp4", "thumbnail.jpg"
DEFAULT_ASPECT, DEFAULT_SHORT_SIDE, DEFAULT_FPS = "16:9", 1080, 24


class RendersVideo(JobKind):
    """What every video kind shares: the queue, restoring finished stages, publishing."""

    def queue_for(self, params: BaseModel) -> str:
        assert isinstance(params, VideoJobParams)
        return params.queue

    def _start(self, context: JobContext, hooks: JobStages, work: Path) -> None:
        restored = hooks.restore(work)
        for name in restored:
            with context.stage(name):  # shown as done: an earlier attempt finished it
                pass
        if restored:
            context.log(f"resuming after {', '.join(restored)}")

    def _publish(
        self, context: JobContext, video: Video, path: Path, at_seconds: float
    ) -> dict[str, Any]:
        info = ffmpeg.probe(path)
        thumbnail = path.with_name(THUMBNAIL_FILE)
        ffmpeg.thumbnail(path, at_seconds, thumbnail)
        context.storage.put(output_key(video, THUMBNAIL_FILE), thumbnail.read_bytes())
        with path.open("rb") as stream:
            size = context.storage.put(output_key(video, VIDEO_FILE), stream)
        return {
            "video_id": str(video.id),
            "output_file": VIDEO_FILE,
            "size_bytes": size,
            "seconds": round(info.duration, 3),
            "width": info.width,
            "height": info.height,
        }

    def on_outcome(self, session: Session, job: Job) -> None:
        if job.target_id is None or job.status != Status.SUCCEEDED or job.result is None:
            return  # a failed or cancelled job keeps its finished stages for a retry
        video = session.get(Video, job.target_id)
        if video is None:
            return
        result = job.result
        video.output_file = result["output_file"]
        video.size_bytes = result["size_bytes"]
        video.seconds = result["seconds"]
        video.width = result["width"]
        video.height = result["height"]
        video.details = {**video.details, **result.get("details", {})}


@register
class RenderProductVideo(RendersVideo):
    name = "videos.product"
    stages: ClassVar[tuple[Stage, ...]] = tuple(
        Stage(name, weight) for name, weight in zip(STAGES, (0.05, 0.15, 0.55, 0.25), strict=True)
    )
    Params = ProductVideoParams

    def run(self, context: JobContext) -> dict[str, Any]:
        params = context.params
        assert isinstance(params, ProductVideoParams)
        video = load_video(context, params.video_id)
        request = ProductVideoCreate.model_validate(video.request)
        with context.work_dir() as work:
            hooks = JobStages(context, video)
            self._start(context, hooks, work)
            image = _image(context, video, work)
            brief = product_brief(request, video.details.get("preset", {}), image)
            providers = product_providers(
                request.providers, runtime.settings().video, draw_scenes=image is None
            )
            rendered = render_product_video(brief, providers, work, hooks)
            result = self._publish(context, video, rendered.path, rendered.timeline[0] / 2)
        result["details"] = {
            "script": [scene.__dict__ for scene in rendered.script.scenes],
            "timeline": list(rendered.timeline),
            "silent_reason": rendered.silent_reason,
        }
        return result


def product_brief(
    request: ProductVideoCreate, preset: dict[str, Any], image: Path | None
) -> ProductBrief:
    """The request's own choices first, then the flavor's, then the defaults."""
    return ProductBrief(
        product_name=request.product_name,
        style=request.style,
        cta_text=request.cta_text,
        product_image=image,
        aspect=Aspect(request.aspect or preset.get("aspect") or DEFAULT_ASPECT),
        short_side=request.resolution or preset.get("short_side") or DEFAULT_SHORT_SIDE,
        fps=request.fps or preset.get("fps") or DEFAULT_FPS,
        voice=request.voice,
        seed=request.seed,
        duration_seconds=request.duration_seconds,
    )


def _image(context: JobContext, video: Video, work: Path) -> Path | None:
    name = video.details.get("input_image")
    if not name:
        return None
    path = work / f"input-{name}"
    path.write_bytes(context.storage.get(input_key(video, name)))
    return path
