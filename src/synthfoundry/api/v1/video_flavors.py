"""Music-video flavors: the shipped presets and your own, validated against the schema (each
error with its path, such as `pipeline.fps`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Response, status

from synthfoundry.accounts.actor import Actor
from synthfoundry.api.deps import SessionDep
from synthfoundry.api.problems import AUTH_PROBLEMS, problem_response
from synthfoundry.api.security import require_scope
from synthfoundry.videos import flavors
from synthfoundry.videos.schemas import FLAVOR_NAME, FlavorList, FlavorRead, FlavorValidation

router = APIRouter(prefix="/v1/video-flavors", tags=["video-flavors"], responses=AUTH_PROBLEMS)

VideosRead = Annotated[Actor, require_scope("videos:read")]
VideosWrite = Annotated[Actor, require_scope("videos:write")]
FlavorName = Annotated[str, Path(pattern=FLAVOR_NAME)]
YAML_BODY = Body(
    media_type="application/yaml",
    max_length=64 * 1024,
    description="the flavor as YAML (at most 64 KiB)",
)
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: problem_response("No such flavor")}


@router.get("", response_model=FlavorList)
def list_flavors(actor: VideosRead, session: SessionDep) -> FlavorList:
    """The shipped flavors and yours, and which one is the default."""
    return flavors.list_flavors(session, actor)


@router.post("/validate", response_model=FlavorValidation)
def validate_flavor(actor: VideosRead, text: Annotated[str, YAML_BODY]) -> FlavorValidation:
    """Check a flavor without keeping it: `valid`, and each error with its path."""
    return flavors.validate(text)


@router.get("/{name}", response_model=FlavorRead, responses=NOT_FOUND)
def get_flavor(name: FlavorName, actor: VideosRead, session: SessionDep) -> FlavorRead:
    """One flavor, as data and as YAML."""
    return flavors.read(session, actor, name)


@router.post(
    "",
    response_model=FlavorRead,
    status_code=status.HTTP_201_CREATED,
    responses={
        409: problem_response("The name is taken (a shipped flavor's, or one of yours)"),
        422: problem_response("Invalid: every error with its path"),
    },
)
def create_flavor(
    actor: VideosWrite, session: SessionDep, text: Annotated[str, YAML_BODY]
) -> FlavorRead:
    """Keep a flavor of your own (validated first)."""
    return flavors.create(session, actor, text)


@router.delete(
    "/{name}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=NOT_FOUND,
)
def delete_flavor(name: FlavorName, actor: VideosWrite, session: SessionDep) -> Response:
    """Delete a flavor of yours."""
    flavors.delete(session, actor, name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
