"""Every owned object is found the same way: another user's answers exactly like a missing one,
so that ids disclose nothing."""

from __future__ import annotations

import uuid
from typing import Any, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from synthfoundry.accounts.principal import Principal
from synthfoundry.db.pagination import Page, paginate
from synthfoundry.errors import NotFound


class Owned(Protocol):
    @property
    def owner_id(self) -> uuid.UUID: ...


OwnedT = TypeVar("OwnedT", bound=Owned)


def get_visible(
    session: Session, model: type[OwnedT], principal: Principal, object_id: uuid.UUID, what: str
) -> OwnedT:
    found = session.get(model, object_id)
    if found is None or not principal.can_see(found.owner_id):
        raise NotFound(f"no {what} {object_id}")
    return found


def list_visible(
    session: Session,
    model: type[OwnedT],
    principal: Principal,
    *,
    all_owners: bool,
    limit: int,
    cursor: str | None,
) -> Page[OwnedT]:
    """The caller's objects, newest first (every owner's for an admin who asks)."""
    statement = select(model)
    if not principal.lists_everyone(all_owners):
        statement = statement.where(model.owner_id == principal.user_id)  # type: ignore[arg-type]
    identifier: InstrumentedAttribute[Any] = model.id  # type: ignore[attr-defined]
    return paginate(session, statement, identifier, limit=limit, cursor=cursor)
