from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from synthfoundry import audit
from synthfoundry.accounts.actor import Actor
from synthfoundry.accounts.models import ApiKey
from synthfoundry.accounts.ownership import get_visible, list_visible
from synthfoundry.accounts.schemas import ApiKeyCreate
from synthfoundry.accounts.scopes import unknown_scopes
from synthfoundry.accounts.secrets import api_key_hash, new_api_key
from synthfoundry.db import utcnow
from synthfoundry.db.pagination import Page
from synthfoundry.errors import InvalidInput, InvalidState, PermissionDenied


def create(
    session: Session, actor: Actor, data: ApiKeyCreate, signing_key: str
) -> tuple[ApiKey, str]:
    """Create a key for the caller; return it with its secret (which is not stored)."""
    if unknown := unknown_scopes(data.scopes):
        raise InvalidInput(f"unknown scopes: {', '.join(unknown)}", field="scopes")
    if beyond := [scope for scope in data.scopes if not actor.principal.allows(scope)]:
        raise PermissionDenied(f"a key cannot hold scopes its creator lacks: {', '.join(beyond)}")
    if data.expires_at is not None and data.expires_at <= utcnow():
        raise InvalidInput("expires_at must be in the future", field="expires_at")
    generated = new_api_key()
    key = ApiKey(
        owner_id=actor.user_id,
        name=data.name,
        key_id=generated.key_id,
        secret_hash=api_key_hash(generated.secret, signing_key),
        scopes=sorted(set(data.scopes)),
        expires_at=data.expires_at,
    )
    session.add(key)
    session.flush()
    audit.record(
        session,
        actor.audit,
        "api_keys.create",
        target_type="api_key",
        target_id=key.id,
        details={"name": key.name, "scopes": key.scopes},
    )
    return key, generated.secret


def list_page(
    session: Session, actor: Actor, *, all_owners: bool, limit: int, cursor: str | None
) -> Page[ApiKey]:
    return list_visible(
        session, ApiKey, actor.principal, all_owners=all_owners, limit=limit, cursor=cursor
    )


def get_owned(session: Session, actor: Actor, key_id: uuid.UUID) -> ApiKey:
    return get_visible(session, ApiKey, actor.principal, key_id, "API key")


def revoke(session: Session, actor: Actor, key_id: uuid.UUID) -> None:
    key = get_owned(session, actor, key_id)
    if key.revoked_at is not None:
        raise InvalidState(f"API key {key_id} is revoked already")
    key.revoked_at = utcnow()
    audit.record(
        session,
        actor.audit,
        "api_keys.revoke",
        target_type="api_key",
        target_id=key.id,
        details={"name": key.name},
    )
