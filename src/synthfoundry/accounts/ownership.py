"""Every owned object is found the same way: another user's answers exactly like a missing one,
so that ids disclose nothing."""

from __future__ import annotations

import uuid
from typing import Protocol, TypeVar

from sqlalchemy.orm import Session

from synthfoundry.accounts.principal import Principal
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
