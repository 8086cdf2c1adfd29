"""Product videos: a multipart request starts a four-stage job (script_gen, voice_gen,
video_gen, compositing); the video is read, listed, downloaded with range requests, cancelled,
retried after a failure and deleted. Live updates: ``WS /v1/jobs/{job_id}/events``."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Header, Query, Response, UploadFile, status
from fastapi.responses import JSONResponse, StreamingResponse

from synthfoundry.accounts.actor import Actor
from synthfoundry.api.accepted import JOB_PROBLEMS
from synthfoundry.api.deps import AppStateDep, SessionDep, StorageDep
from synthfoundry.api.forms import form_model, json_field
from synthfoundry.api.pagination import Cursor, Limit, PageOf
from synthfoundry.api.problems import AUTH_PROBLEMS, problem_response
from synthfoundry.api.ranges import stored_file
from synthfoundry.api.security import require_scope
from synthfoundry.datasets.exports import safe_stem
from synthfoundry.jobs.schemas import JobRead
from synthfoundry.storage import BlobStore
from synthfoundry.videos import service
from synthfoundry.videos.models import Video
from synthfoundry.videos.schemas import (
    ProductVideoCreate,
    VideoAccepted,
    VideoKind,
    VideoRead,
    VideoStatus,
)
from synthfoundry.videos.stages import output_key

router = APIRouter(prefix="/v1/videos", tags=["videos"], responses=AUTH_PROBLEMS)

VideosRead = Annotated[Actor, require_scope("videos:read")]
VideosWrite = Annotated[Actor, require_scope("videos:write")]
PRODUCT = frozenset({VideoKind.PRODUCT})
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: problem_response("No such video of yours")}
NOT_READY: dict[int | str, dict[str, Any]] = {409: problem_response("Not completed (yet)")}
MP4: dict[int | str, dict[str, Any]] = {
    200: {"content": {"video/mp4": {}}},
    206: {"description": "The requested byte range", "content": {"video/mp4": {}}},
    416: problem_response("The range lies outside the file"),
}


@router.post(
    "",
    response_model=VideoAccepted,
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        413: problem_response("The product image is over its limit (10 MB by default)"),
        422: problem_response("A field is invalid: it is named"),
        **JOB_PROBLEMS,
    },
)
def create_video(
    response: Response,
    actor: VideosWrite,
    session: SessionDep,
    state: AppStateDep,
    product_name: Annotated[str, Form(description="1-100 characters")],
    cta_text: Annotated[str, Form(description="the call to action, 1-50 characters")],
    style: Annotated[str | None, Form(description="modern, minimal, bold, playful, luxury")] = None,
    product_image: Annotated[
        UploadFile | None, File(description="JPEG, PNG or WebP (judged by its bytes)")
    ] = None,
    aspect: Annotated[str | None, Form(description="16:9, 9:16 or 1:1")] = None,
    voice: Annotated[str | None, Form()] = None,
    providers: Annotated[
        str | None, Form(description='JSON: {"script": "local|openai", "voice": ..., "video": ...}')
    ] = None,
    flavor: Annotated[str | None, Form()] = None,
    resolution: Annotated[str | None, Form(description="short side in pixels")] = None,
    fps: Annotated[str | None, Form()] = None,
    duration_seconds: Annotated[str | None, Form()] = None,
    seed: Annotated[str | None, Form()] = None,
) -> VideoAccepted:
    """Render a product video in the background: stages script_gen, voice_gen, video_gen and
    compositing, each with its progress and cost; an MP4 (H.264 + AAC) at the end."""
    request = form_model(
        ProductVideoCreate,
        {
            "product_name": product_name,
            "cta_text": cta_text,
            "style": style,
            "aspect": aspect,
            "voice": voice,
            "providers": json_field("providers", providers),
            "flavor": flavor,
            "resolution": resolution,
            "fps": fps,
            "duration_seconds": duration_seconds,
            "seed": seed,
        },
    )
    state.rate_limiter.hit("jobs", str(actor.user_id))
    image = product_image.file if product_image is not None and product_image.filename else None
    video = service.create_product(session, actor, request, image)
    response.headers["Location"] = f"/v1/videos/{video.id}"
    return service.accepted(video)


@router.get("", response_model=PageOf[VideoRead])
def list_videos(
    actor: VideosRead,
    session: SessionDep,
    limit: Limit = 20,
    cursor: Cursor = None,
    status: Annotated[VideoStatus | None, Query(description="only videos in this status")] = None,
    all_owners: Annotated[bool, Query(description="every user's (admin)")] = False,
) -> PageOf[VideoRead]:
    """Your product videos, newest first."""
    page = service.list_page(
        session,
        actor,
        kinds=PRODUCT,
        status=status,
        all_owners=all_owners,
        limit=limit,
        cursor=cursor,
    )
    return PageOf[VideoRead](
        items=[service.to_read(video) for video in page.items], next_cursor=page.next_cursor
    )


@router.get("/{video_id}", response_model=VideoRead, responses=NOT_FOUND)
def get_video(video_id: uuid.UUID, actor: VideosRead, session: SessionDep) -> VideoRead:
    """Status, overall progress, each stage (status, progress, times, error, cost), the
    video's URL once completed, the error, the cost and the request."""
    return service.to_read(service.get_owned(session, actor, video_id, PRODUCT))


@router.get(
    "/{video_id}/download",
    response_class=StreamingResponse,
    responses={**NOT_FOUND, **NOT_READY, **MP4},
)
def download_video(
    video_id: uuid.UUID,
    actor: VideosRead,
    session: SessionDep,
    storage: StorageDep,
    range_header: Annotated[str | None, Header(alias="Range")] = None,
) -> Response:
    """The MP4; honours `Range: bytes=...` (206) so players can seek."""
    video = service.get_owned(session, actor, video_id, PRODUCT)
    return video_file(video, storage, range_header)


@router.get(
    "/{video_id}/thumbnail",
    response_class=StreamingResponse,
    responses={**NOT_FOUND, **NOT_READY, 200: {"content": {"image/jpeg": {}}}},
)
def video_thumbnail(
    video_id: uuid.UUID, actor: VideosRead, session: SessionDep, storage: StorageDep
) -> StreamingResponse:
    """A JPEG frame from the first scene."""
    video = service.get_owned(session, actor, video_id, PRODUCT)
    service.require_completed(video)
    key = output_key(video, "thumbnail.jpg")
    return StreamingResponse(storage.iter_chunks(key), media_type="image/jpeg")


@router.post(
    "/{video_id}/cancel",
    response_model=JobRead,
    status_code=status.HTTP_202_ACCEPTED,
    responses={**NOT_FOUND, 409: problem_response("Its job has finished")},
)
def cancel_video(video_id: uuid.UUID, actor: VideosWrite, session: SessionDep) -> JobRead:
    """Cancel the render; the stages it finished stay for a retry."""
    video = service.get_owned(session, actor, video_id, PRODUCT)
    return JobRead.of(service.cancel(session, actor, video))


@router.post(
    "/{video_id}/retry",
    response_model=VideoAccepted,
    status_code=status.HTTP_202_ACCEPTED,
    responses={**NOT_FOUND, 409: problem_response("Not failed or cancelled"), **JOB_PROBLEMS},
)
def retry_video(
    video_id: uuid.UUID, actor: VideosWrite, session: SessionDep, state: AppStateDep
) -> VideoAccepted:
    """Run a failed or cancelled video again; it starts after the stages it finished."""
    state.rate_limiter.hit("jobs", str(actor.user_id))
    video = service.get_owned(session, actor, video_id, PRODUCT)
    return service.accepted(service.retry(session, actor, video))


@router.delete(
    "/{video_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses={**NOT_FOUND, 409: problem_response("Its job is still running")},
)
def delete_video(video_id: uuid.UUID, actor: VideosWrite, session: SessionDep) -> Response:
    """Delete the video and every file of it."""
    service.delete(session, actor, service.get_owned(session, actor, video_id, PRODUCT))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def video_file(
    video: Video, storage: BlobStore, range_header: str | None
) -> StreamingResponse | JSONResponse:
    """A completed video's MP4 (or a character's PNG), with range requests."""
    service.require_completed(video)
    assert video.output_file is not None
    return stored_file(
        storage,
        output_key(video, video.output_file),
        media_type="image/png" if video.kind == VideoKind.CHARACTER else "video/mp4",
        range_header=range_header,
        filename=f"{safe_stem(video.title)}.mp4",
    )
