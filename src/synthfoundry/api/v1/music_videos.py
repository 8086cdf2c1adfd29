"""Music videos: scenes planned from a concept (at once), character reference images, clips
and whole music videos (jobs), each shaped by a configuration flavor (``?config_flavor=``)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Header, Query, Response, UploadFile, status
from fastapi.responses import StreamingResponse

from synthfoundry.accounts.actor import Actor
from synthfoundry.api.accepted import JOB_PROBLEMS
from synthfoundry.api.deps import AppStateDep, SessionDep, StorageDep
from synthfoundry.api.forms import form_model
from synthfoundry.api.pagination import Cursor, Limit, PageOf
from synthfoundry.api.problems import AUTH_PROBLEMS, problem_response
from synthfoundry.api.security import require_scope
from synthfoundry.api.v1.videos import MP4, NOT_FOUND, NOT_READY, video_file
from synthfoundry.jobs.schemas import JobRead
from synthfoundry.videos import music_service, service
from synthfoundry.videos.schemas import (
    FLAVOR_NAME,
    CharacterCreate,
    ClipCreate,
    MusicVideoCreate,
    ScenesCreate,
    ScenesRead,
    VideoAccepted,
    VideoKind,
    VideoRead,
    VideoStatus,
)
from synthfoundry.videos.stages import output_key

router = APIRouter(prefix="/v1/music-videos", tags=["music-videos"], responses=AUTH_PROBLEMS)

VideosRead = Annotated[Actor, require_scope("videos:read")]
VideosWrite = Annotated[Actor, require_scope("videos:write")]
ConfigFlavor = Annotated[
    str | None,
    Query(pattern=FLAVOR_NAME, description="a flavor's name; default: the default flavor"),
]
MUSIC_KINDS = frozenset({VideoKind.MUSIC, VideoKind.CLIP, VideoKind.CHARACTER})
INVALID: dict[int | str, dict[str, Any]] = {
    422: problem_response("A field or the flavor is invalid: it is named")
}


@router.post("/scenes", response_model=ScenesRead, responses=INVALID)
def plan_scenes(
    body: ScenesCreate, actor: VideosRead, session: SessionDep, config_flavor: ConfigFlavor = None
) -> ScenesRead:
    """Scenes for a concept: prompts from the flavor's template and beats, durations from its
    pacing."""
    return music_service.scenes(session, actor, config_flavor, body)


@router.post(
    "/character-reference",
    response_model=VideoAccepted,
    status_code=status.HTTP_202_ACCEPTED,
    responses={**INVALID, **JOB_PROBLEMS},
)
def create_character_reference(
    body: CharacterCreate,
    response: Response,
    actor: VideosWrite,
    session: SessionDep,
    state: AppStateDep,
    config_flavor: ConfigFlavor = None,
) -> VideoAccepted:
    """Draw a character reference image with the flavor's text-to-image model. Once completed,
    `GET /v1/music-videos/{id}` gives its storage key (`details.image_key`, for clips) and
    its URL."""
    state.rate_limiter.hit("jobs", str(actor.user_id))
    video = music_service.create_character(session, actor, config_flavor, body)
    response.headers["Location"] = f"/v1/music-videos/{video.id}"
    return service.accepted(video)


@router.post(
    "/clips",
    response_model=VideoAccepted,
    status_code=status.HTTP_202_ACCEPTED,
    responses={**INVALID, **JOB_PROBLEMS},
)
def create_clip(
    body: ClipCreate,
    response: Response,
    actor: VideosWrite,
    session: SessionDep,
    state: AppStateDep,
    config_flavor: ConfigFlavor = None,
) -> VideoAccepted:
    """Render one clip from a prompt and your character references (their storage keys)."""
    state.rate_limiter.hit("jobs", str(actor.user_id))
    video = music_service.create_clip(session, actor, config_flavor, body)
    response.headers["Location"] = f"/v1/music-videos/{video.id}"
    return service.accepted(video)


@router.post(
    "",
    response_model=VideoAccepted,
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        413: problem_response("The audio is over its limit (50 MB by default)"),
        **INVALID,
        **JOB_PROBLEMS,
    },
)
def create_music_video(
    response: Response,
    actor: VideosWrite,
    session: SessionDep,
    state: AppStateDep,
    concept: Annotated[str, Form()],
    character_description: Annotated[str, Form()],
    num_scenes: Annotated[str | None, Form()] = None,
    flavor: Annotated[str | None, Form()] = None,
    provider: Annotated[str | None, Form(description="local or http")] = None,
    seed: Annotated[str | None, Form()] = None,
    audio: Annotated[
        UploadFile | None, File(description="the music: WAV, MP3, Ogg, FLAC or M4A")
    ] = None,
) -> VideoAccepted:
    """A whole music video in one job: stages scenes, character, clips and compositing (the
    music mixed under, its length setting the scenes')."""
    request = form_model(
        MusicVideoCreate,
        {
            "concept": concept,
            "character_description": character_description,
            "num_scenes": num_scenes,
            "flavor": flavor,
            "provider": provider,
            "seed": seed,
        },
    )
    state.rate_limiter.hit("jobs", str(actor.user_id))
    upload = audio.file if audio is not None and audio.filename else None
    video = music_service.create_music_video(session, actor, request, upload)
    response.headers["Location"] = f"/v1/music-videos/{video.id}"
    return service.accepted(video)


@router.get("", response_model=PageOf[VideoRead])
def list_music_videos(
    actor: VideosRead,
    session: SessionDep,
    limit: Limit = 20,
    cursor: Cursor = None,
    kind: Annotated[VideoKind | None, Query(description="music, clip or character")] = None,
    status: Annotated[VideoStatus | None, Query()] = None,
    all_owners: Annotated[bool, Query(description="every user's (admin)")] = False,
) -> PageOf[VideoRead]:
    """Your music videos, clips and character references, newest first."""
    kinds = frozenset({kind}) & MUSIC_KINDS if kind is not None else MUSIC_KINDS
    page = service.list_page(
        session,
        actor,
        kinds=kinds,
        status=status,
        all_owners=all_owners,
        limit=limit,
        cursor=cursor,
    )
    return PageOf[VideoRead](
        items=[service.to_read(video) for video in page.items], next_cursor=page.next_cursor
    )


@router.get("/{video_id}", response_model=VideoRead, responses=NOT_FOUND)
def get_music_video(video_id: uuid.UUID, actor: VideosRead, session: SessionDep) -> VideoRead:
    """One music video, clip or character reference, with its stages and cost."""
    return service.to_read(service.get_owned(session, actor, video_id, MUSIC_KINDS))


@router.get(
    "/{video_id}/download",
    response_class=StreamingResponse,
    responses={**NOT_FOUND, **NOT_READY, **MP4},
)
def download_music_video(
    video_id: uuid.UUID,
    actor: VideosRead,
    session: SessionDep,
    storage: StorageDep,
    range_header: Annotated[str | None, Header(alias="Range")] = None,
) -> Response:
    """The MP4 (a character reference: its PNG), with range requests."""
    video = service.get_owned(session, actor, video_id, MUSIC_KINDS)
    return video_file(video, storage, range_header)


@router.get(
    "/{video_id}/thumbnail",
    response_class=StreamingResponse,
    responses={**NOT_FOUND, **NOT_READY, 200: {"content": {"image/jpeg": {}}}},
)
def music_video_thumbnail(
    video_id: uuid.UUID, actor: VideosRead, session: SessionDep, storage: StorageDep
) -> StreamingResponse:
    """A JPEG frame from the first scene."""
    video = service.get_owned(session, actor, video_id, MUSIC_KINDS)
    service.require_completed(video)
    key = output_key(video, "thumbnail.jpg")
    return StreamingResponse(storage.iter_chunks(key), media_type="image/jpeg")


@router.post(
    "/{video_id}/cancel",
    response_model=JobRead,
    status_code=status.HTTP_202_ACCEPTED,
    responses={**NOT_FOUND, 409: problem_response("Its job has finished")},
)
def cancel_music_video(video_id: uuid.UUID, actor: VideosWrite, session: SessionDep) -> JobRead:
    """Cancel the job; finished stages stay for a retry."""
    video = service.get_owned(session, actor, video_id, MUSIC_KINDS)
    return JobRead.of(service.cancel(session, actor, video))


@router.post(
    "/{video_id}/retry",
    response_model=VideoAccepted,
    status_code=status.HTTP_202_ACCEPTED,
    responses={**NOT_FOUND, 409: problem_response("Not failed or cancelled"), **JOB_PROBLEMS},
)
def retry_music_video(
    video_id: uuid.UUID, actor: VideosWrite, session: SessionDep, state: AppStateDep
) -> VideoAccepted:
    """Run a failed or cancelled job again, after the stages it finished."""
    state.rate_limiter.hit("jobs", str(actor.user_id))
    video = service.get_owned(session, actor, video_id, MUSIC_KINDS)
    return service.accepted(service.retry(session, actor, video))


@router.delete(
    "/{video_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses={**NOT_FOUND, 409: problem_response("Its job is still running")},
)
def delete_music_video(video_id: uuid.UUID, actor: VideosWrite, session: SessionDep) -> Response:
    """Delete it and every file of it."""
    video = service.get_owned(session, actor, video_id, MUSIC_KINDS)
    service.delete(session, actor, video)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
