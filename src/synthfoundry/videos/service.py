"""Videos: create (a job renders it), read, list, cancel, retry and delete, each owner seeing
only their own."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from synthfoundry import audit, layout, runtime
from synthfoundry.accounts.actor import Actor
from synthfoundry.accounts.ownership import get_visible
from synthfoundry.db.pagination import Page, paginate
from synthfoundry.errors import InvalidInput, InvalidState, NotFound
from synthfoundry.images.requests import check_local_model, check_model_reference
from synthfoundry.jobs import service as jobs
from synthfoundry.jobs.kinds import get_kind
from synthfoundry.jobs.models import Job
from synthfoundry.jobs.states import TERMINAL, Action
from synthfoundry.video.voice import check_espeak_voice
from synthfoundry.videos import flavors
from synthfoundry.videos.inputs import check_image, read_capped
from synthfoundry.videos.models import Video
from synthfoundry.videos.providers import unavailable_providers
from synthfoundry.videos.schemas import (
    ProductVideoCreate,
    ProductVideoParams,
    VideoAccepted,
    VideoJobParams,
    VideoKind,
    VideoRead,
    VideoStageRead,
    VideoStatus,
)
from synthfoundry.videos.stages import input_key

ROUTES = {
    VideoKind.PRODUCT: "/v1/videos",
    VideoKind.MUSIC: "/v1/music-videos",
    VideoKind.CLIP: "/v1/music-videos",
    VideoKind.CHARACTER: "/v1/music-videos",
}
# Rough seconds of work per second of 1080p video with the local providers on one core.
SECONDS_PER_VIDEO_SECOND = 3.0


def create_product(
    session: Session,
    actor: Actor,
    request: ProductVideoCreate,
    image: IO[bytes] | None,
) -> Video:
    """Queue a product video; the image is checked by its bytes before anything is stored."""
    actor.require("videos:write")
    settings = runtime.settings().video
    for field, reason in unavailable_providers(request.providers, settings).items():
        raise InvalidInput(f"providers.{field}: {reason}", field=f"providers.{field}")
    if request.voice is not None and request.providers.voice == "local":
        try:
            check_espeak_voice(request.voice)
        except ValueError as exc:
            raise InvalidInput(str(exc), field="voice") from None
    preset = flavors.preset(session, actor, request.flavor) if request.flavor else {}
    data = read_capped(image, settings.max_image_bytes, "product_image") if image else None
    extension = check_image(data, settings.max_image_pixels) if data is not None else None
    video = Video(
        owner_id=actor.user_id,
        kind=VideoKind.PRODUCT.value,
        title=request.product_name,
        request=request.model_dump(mode="json"),
        details={"preset": preset},
    )
    if data is not None:
        video.details = {**video.details, "input_image": f"product.{extension}"}
    painted = data is None and request.providers.video == "local" and settings.scene_image_model
    if painted:
        assert settings.scene_image_model is not None
        check_local_model(settings.scene_image_model, runtime.settings().model_dirs())
        check_model_reference(settings.scene_image_model)
        video.details = {**video.details, "scene_image_model": settings.scene_image_model}
    return submit(
        session,
        actor,
        video,
        ProductVideoParams,
        files={f"product.{extension}": data} if data else {},
        queue="gpu" if painted else "cpu",  # text2image wants the GPU worker
    )


def submit(
    session: Session,
    actor: Actor,
    video: Video,
    params: type[VideoJobParams],
    *,
    files: dict[str, bytes] | None = None,
    queue: str = "cpu",
) -> Video:
    """Store the row and its input files, and queue its job."""
    session.add(video)
    session.flush()
    storage = runtime.storage()
    video.folder = layout.object_folder(layout.VIDEOS, video.owner_id, video.id)
    layout.remove_on_rollback(session, storage, video.folder)
    for name, data in (files or {}).items():
        storage.put(input_key(video, name), data)
    job = jobs.submit(session, actor, params(video_id=video.id, queue=queue), target=video)
    video.job_id = job.id
    audit.record(
        session,
        actor.audit,
        f"video.create_{video.kind}",
        target_type="video",
        target_id=video.id,
        details={"title": video.title},
    )
    session.flush()
    session.refresh(video)
    return video


def accepted(video: Video) -> VideoAccepted:
    assert video.job_id is not None
    return VideoAccepted(
        id=video.id,
        job_id=video.job_id,
        status=video.status,
        estimated_completion_time=datetime.now(UTC) + timedelta(seconds=estimate_seconds(video)),
    )


def estimate_seconds(video: Video) -> float:
    request = video.request
    preset = video.details.get("preset", {})
    seconds = request.get("duration_seconds") or request.get("duration") or 15.0
    short_side = request.get("resolution") or preset.get("short_side") or 1080
    pixels = (short_side / 1080) ** 2
    return round(10 + seconds * SECONDS_PER_VIDEO_SECOND * pixels, 1)


def get_owned(
    session: Session, actor: Actor, video_id: uuid.UUID, kinds: frozenset[VideoKind] | None = None
) -> Video:
    video = get_visible(session, Video, actor.principal, video_id, "video")
    if kinds is not None and VideoKind(video.kind) not in kinds:
        raise NotFound(f"no video {video_id} of this kind")
    return video


def list_page(
    session: Session,
    actor: Actor,
    *,
    kinds: frozenset[VideoKind],
    status: VideoStatus | None,
    all_owners: bool,
    limit: int,
    cursor: str | None,
) -> Page[Video]:
    statement = select(Video).where(Video.kind.in_([kind.value for kind in kinds]))
    if not actor.principal.lists_everyone(all_owners):
        statement = statement.where(Video.owner_id == actor.user_id)
    if status is not None:
        statement = statement.where(Video.status == status.value)
    return paginate(session, statement, Video.id, limit=limit, cursor=cursor)


def require_completed(video: Video) -> None:
    if video.status != VideoStatus.COMPLETED or video.output_file is None:
        raise InvalidState(f"video {video.id} is {video.status}")


def cancel(session: Session, actor: Actor, video: Video) -> Job:
    actor.require("videos:write")
    if video.job_id is None:
        raise InvalidState(f"video {video.id} has no job")
    return jobs.act(session, actor, video.job_id, Action.CANCEL)


def retry(session: Session, actor: Actor, video: Video) -> Video:
    """A failed or cancelled video gets a new job, which starts after its finished stages."""
    actor.require("videos:write")
    if video.status not in (VideoStatus.FAILED, VideoStatus.CANCELLED):
        raise InvalidState(f"video {video.id} is {video.status}; only a failed or cancelled one")
    assert video.job is not None
    params = get_kind(video.job.kind).Params.model_validate(video.job.params)
    job = jobs.submit(session, actor, params, target=video)
    video.job_id = job.id
    audit.record(session, actor.audit, "video.retry", target_type="video", target_id=video.id)
    session.flush()
    session.refresh(video)
    return video


def delete(session: Session, actor: Actor, video: Video) -> None:
    actor.require("videos:write")
    if video.job is not None and video.job.status not in TERMINAL:
        raise InvalidState(f"video {video.id} is being made by job {video.job_id}; cancel it first")
    folder = video.folder
    video_id = video.id
    session.delete(video)
    audit.record(session, actor.audit, "video.delete", target_type="video", target_id=video_id)
    if folder:
        layout.remove_after_commit(session, runtime.storage(), folder)


def to_read(video: Video) -> VideoRead:
    route = f"{ROUTES[VideoKind(video.kind)]}/{video.id}"
    done = video.status == VideoStatus.COMPLETED
    request = video.request
    return VideoRead(
        id=video.id,
        kind=VideoKind(video.kind),
        title=video.title,
        status=video.status,
        progress=_progress(video),
        stages=_stages(video),
        job_id=video.job_id,
        video_url=f"{route}/download" if done else None,
        thumbnail_url=f"{route}/thumbnail" if done and video.kind != VideoKind.CHARACTER else None,
        error_message=video.error_message,
        cost_usd=video.cost_usd,
        seconds=video.seconds,
        width=video.width,
        height=video.height,
        size_bytes=video.size_bytes,
        product_name=request.get("product_name"),
        style=request.get("style"),
        cta_text=request.get("cta_text"),
        request=request,
        details={k: v for k, v in video.details.items() if k not in ("stage_files",)},
        created_at=video.created_at,
        updated_at=video.updated_at,
    )


def _progress(video: Video) -> float:
    if video.status == VideoStatus.COMPLETED:
        return 1.0
    if video.job is None:
        return 0.0
    return float(video.job.progress.get("fraction") or 0.0)


def _stages(video: Video) -> list[VideoStageRead]:
    if video.job is None:
        return []
    job = video.job
    progress: dict[str, Any] = job.progress
    stages = []
    for entry in job.stages:
        status = entry.get("status", "pending")
        error = job.error_message if status == "failed" else None
        if status == "succeeded":
            fraction = 1.0
        elif (
            status == "running" and progress.get("stage") == entry["name"] and progress.get("total")
        ):
            fraction = min(1.0, float(progress["completed"]) / float(progress["total"]))
        else:
            fraction = 0.0
        stages.append(
            VideoStageRead(
                name=entry["name"],
                status=status,
                progress=round(fraction, 4),
                started_at=entry.get("started_at"),
                completed_at=entry.get("finished_at"),
                error=error,
                cost_usd=video.cost.get(entry["name"], 0.0),
            )
        )
    return stages
