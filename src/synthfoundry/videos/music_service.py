"""Music videos as a user asks for them: planned scenes (answered at once), and character
references, clips and whole music videos (each a job)."""

from __future__ import annotations

import re
import uuid
from typing import IO

from sqlalchemy.orm import Session

from synthfoundry import layout, runtime
from synthfoundry.accounts.actor import Actor
from synthfoundry.errors import InvalidInput
from synthfoundry.images.requests import check_local_model, check_model_reference
from synthfoundry.video.flavors import Flavor
from synthfoundry.video.music import plan_scenes
from synthfoundry.videos import flavors
from synthfoundry.videos.inputs import check_audio, read_capped
from synthfoundry.videos.models import Video
from synthfoundry.videos.providers import unavailable_providers
from synthfoundry.videos.schemas import (
    CharacterCreate,
    CharacterParams,
    ClipCreate,
    ClipParams,
    MusicVideoCreate,
    MusicVideoParams,
    ProviderChoice,
    SceneRead,
    ScenesCreate,
    ScenesRead,
    VideoKind,
    VideoStatus,
)
from synthfoundry.videos.service import submit

CHARACTER_KEY = re.compile(
    rf"{layout.VIDEOS}/(?P<owner>[0-9a-f-]{{36}})/(?P<video>[0-9a-f-]{{36}})/character\.png"
)


def scenes(
    session: Session, actor: Actor, flavor_name: str | None, request: ScenesCreate
) -> ScenesRead:
    flavor = flavors.resolve(session, actor, flavor_name)
    try:
        planned = plan_scenes(request.concept_prompt, request.num_scenes, flavor, request.seed)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="num_scenes") from None
    return ScenesRead(
        flavor=flavor.name,
        scenes=[
            SceneRead(sequence=s.sequence, prompt=s.prompt, duration=s.duration) for s in planned
        ],
    )


def create_character(
    session: Session, actor: Actor, flavor_name: str | None, request: CharacterCreate
) -> Video:
    actor.require("videos:write")
    flavor = _flavor_with_model(session, actor, flavor_name)
    video = Video(
        owner_id=actor.user_id,
        kind=VideoKind.CHARACTER.value,
        title=request.character_description[:200],
        request=request.model_dump(mode="json"),
        details={"flavor": flavor.model_dump(mode="json")},
    )
    return submit(session, actor, video, CharacterParams, queue=_image_queue())


def create_clip(
    session: Session, actor: Actor, flavor_name: str | None, request: ClipCreate
) -> Video:
    actor.require("videos:write")
    flavor = flavors.resolve(session, actor, flavor_name)
    _check_provider(request.provider)
    keys = [_owned_reference(session, actor, key) for key in request.reference_image_keys]
    video = Video(
        owner_id=actor.user_id,
        kind=VideoKind.CLIP.value,
        title=request.prompt[:200],
        request=request.model_dump(mode="json"),
        details={"flavor": flavor.model_dump(mode="json"), "reference_keys": keys},
    )
    return submit(session, actor, video, ClipParams)


def create_music_video(
    session: Session,
    actor: Actor,
    request: MusicVideoCreate,
    audio: IO[bytes] | None,
) -> Video:
    """Queue a music video; the audio, if any, is checked by its bytes before it is stored."""
    actor.require("videos:write")
    flavor = _flavor_with_model(session, actor, request.flavor)
    _check_provider(request.provider)
    pipeline = flavor.pipeline
    if not pipeline.min_scenes <= request.num_scenes <= pipeline.max_scenes:
        raise InvalidInput(
            f"num_scenes must be between {pipeline.min_scenes} and {pipeline.max_scenes} "
            f"for flavor {flavor.name!r}",
            field="num_scenes",
        )
    settings = runtime.settings().video
    data = read_capped(audio, settings.max_audio_bytes, "audio") if audio is not None else None
    files = {}
    details: dict[str, object] = {"flavor": flavor.model_dump(mode="json")}
    if data is not None:
        name = f"music.{check_audio(data)}"
        files[name] = data
        details["music"] = name
    video = Video(
        owner_id=actor.user_id,
        kind=VideoKind.MUSIC.value,
        title=request.concept[:200],
        request=request.model_dump(mode="json"),
        details=details,
    )
    return submit(session, actor, video, MusicVideoParams, files=files, queue=_image_queue())


def _flavor_with_model(session: Session, actor: Actor, name: str | None) -> Flavor:
    flavor = flavors.resolve(session, actor, name)
    model = flavor.image.model
    try:
        check_local_model(model, runtime.settings().model_dirs())
        check_model_reference(model)
    except InvalidInput as exc:
        raise InvalidInput(f"flavor {flavor.name!r}: image.model: {exc}", field="flavor") from None
    return flavor


def _check_provider(provider: str) -> None:
    choice = ProviderChoice(video="http" if provider == "http" else "local")
    for _field, reason in unavailable_providers(choice, runtime.settings().video).items():
        raise InvalidInput(f"provider: {reason}", field="provider")


def _owned_reference(session: Session, actor: Actor, key: str) -> str:
    """A character reference's storage key, only if it is the caller's and finished."""
    match = CHARACTER_KEY.fullmatch(key)
    problem = f"reference_image_keys: {key[:80]!r} is not a character reference of yours"
    if match is None or match["owner"] != str(actor.user_id):
        raise InvalidInput(problem, field="reference_image_keys")
    video = session.get(Video, uuid.UUID(match["video"]))
    if video is None or video.owner_id != actor.user_id or video.status != VideoStatus.COMPLETED:
        raise InvalidInput(problem, field="reference_image_keys")
    return key


def _image_queue() -> str:
    # text2image wants a GPU; the gpu queue is served by GPU workers (or locally in one process).
    return "gpu"
