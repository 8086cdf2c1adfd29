"""Flavors as a user sees them: the shipped ones and their own (stored per user, validated
before they are kept). A user's flavor may not take a shipped flavor's name."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from synthfoundry import audit
from synthfoundry.accounts.actor import Actor
from synthfoundry.errors import Conflict, InvalidInput, NotFound
from synthfoundry.video.flavors import (
    DEFAULT_FLAVOR,
    Flavor,
    FlavorError,
    builtin_flavors,
    flavor_to_yaml,
    parse_flavor,
)
from synthfoundry.videos.models import VideoFlavor
from synthfoundry.videos.schemas import (
    FlavorList,
    FlavorProblem,
    FlavorRead,
    FlavorSummary,
    FlavorValidation,
)

MAX_USER_FLAVORS = 200


def list_flavors(session: Session, actor: Actor) -> FlavorList:
    shipped = [
        FlavorSummary(name=flavor.name, description=flavor.description, builtin=True)
        for flavor in builtin_flavors().values()
    ]
    own = [
        FlavorSummary(name=row.name, description=row.description, builtin=False)
        for row in session.scalars(
            select(VideoFlavor)
            .where(VideoFlavor.owner_id == actor.user_id)
            .order_by(VideoFlavor.name)
        )
    ]
    return FlavorList(flavors=shipped + own, default_flavor=DEFAULT_FLAVOR)


def resolve(session: Session, actor: Actor, name: str | None) -> Flavor:
    """The named flavor (shipped, else the caller's own), the default without a name; an unknown
    name is a 422 naming ``flavor``."""
    name = name or DEFAULT_FLAVOR
    shipped = builtin_flavors()
    if name in shipped:
        return shipped[name]
    row = _own(session, actor, name)
    if row is None:
        raise InvalidInput(
            f"unknown flavor {name!r}; yours and the shipped ones: "
            f"{', '.join(summary.name for summary in list_flavors(session, actor).flavors)}",
            field="flavor",
        )
    return parse_flavor(row.text)


def preset(session: Session, actor: Actor, name: str) -> dict[str, Any]:
    """What a product video takes from a flavor: frame shape, size and rate."""
    pipeline = resolve(session, actor, name).pipeline
    return {
        "flavor": name,
        "aspect": pipeline.aspect,
        "short_side": pipeline.short_side,
        "fps": pipeline.fps,
    }


def read(session: Session, actor: Actor, name: str) -> FlavorRead:
    shipped = builtin_flavors()
    if name in shipped:
        flavor, builtin = shipped[name], True
    else:
        row = _own(session, actor, name)
        if row is None:
            raise NotFound(f"no flavor {name!r}")
        flavor, builtin = parse_flavor(row.text), False
    return FlavorRead(
        name=flavor.name,
        description=flavor.description,
        builtin=builtin,
        flavor=flavor.model_dump(mode="json"),
        yaml=flavor_to_yaml(flavor),
    )


def validate(text: str) -> FlavorValidation:
    try:
        flavor = parse_flavor(text)
    except FlavorError as error:
        return FlavorValidation(
            valid=False,
            name=None,
            errors=[FlavorProblem(path=path, message=message) for path, message in error.errors],
        )
    return FlavorValidation(valid=True, name=flavor.name, errors=[])


def create(session: Session, actor: Actor, text: str) -> FlavorRead:
    """Keep a new flavor of the caller's; invalid YAML is a 422 listing each error's path."""
    actor.require("videos:write")
    flavor = parse_flavor(text)
    if flavor.name in builtin_flavors():
        raise Conflict(f"flavor {flavor.name!r} is a shipped flavor; choose another name")
    if _own(session, actor, flavor.name) is not None:
        raise Conflict(f"you already have a flavor named {flavor.name!r}")
    count = len(
        list(session.scalars(select(VideoFlavor.id).where(VideoFlavor.owner_id == actor.user_id)))
    )
    if count >= MAX_USER_FLAVORS:
        raise InvalidInput(f"at most {MAX_USER_FLAVORS} flavors per user", field="flavor")
    session.add(
        VideoFlavor(
            owner_id=actor.user_id, name=flavor.name, description=flavor.description, text=text
        )
    )
    audit.record(session, actor.audit, "video_flavor.create", details={"name": flavor.name})
    session.flush()
    return read(session, actor, flavor.name)


def delete(session: Session, actor: Actor, name: str) -> None:
    actor.require("videos:write")
    row = _own(session, actor, name)
    if row is None:
        raise NotFound(f"no flavor {name!r} of yours (shipped flavors cannot be deleted)")
    session.delete(row)
    audit.record(session, actor.audit, "video_flavor.delete", details={"name": name})


def _own(session: Session, actor: Actor, name: str) -> VideoFlavor | None:
    return session.scalar(
        select(VideoFlavor).where(VideoFlavor.owner_id == actor.user_id, VideoFlavor.name == name)
    )
