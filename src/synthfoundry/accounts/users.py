"""User management: the first admin, admin CRUD, and users changing themselves."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from synthfoundry import audit
from synthfoundry.accounts.actor import Actor
from synthfoundry.accounts.models import AuthSession, User
from synthfoundry.accounts.schemas import OwnUserUpdate, UserCreate, UserUpdate
from synthfoundry.accounts.secrets import hash_password, verify_password
from synthfoundry.audit.service import AuditContext
from synthfoundry.db import utcnow
from synthfoundry.db.pagination import Page, paginate
from synthfoundry.errors import Conflict, InvalidInput, InvalidState, NotFound


def count_users(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(User)) or 0)


def get_by_email(session: Session, email: str) -> User | None:
    return session.scalars(select(User).where(User.email == email.strip().lower())).first()


def get(session: Session, user_id: uuid.UUID) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    return user


def list_page(session: Session, *, limit: int, cursor: str | None) -> Page[User]:
    return paginate(session, select(User), User.id, limit=limit, cursor=cursor)


def create(session: Session, context: AuditContext, data: UserCreate) -> User:
    if get_by_email(session, data.email) is not None:
        raise Conflict(f"a user with e-mail {data.email!r} exists already")
    user = User(
        email=data.email,
        name=data.name,
        password_hash=hash_password(data.password),
        is_admin=data.is_admin,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        context,
        "users.create",
        target_type="user",
        target_id=user.id,
        details={"email": user.email, "is_admin": user.is_admin},
    )
    return user


def ensure_first_admin(
    session: Session, email: str, password: str, name: str = "Admin"
) -> User | None:
    """Create an admin if there is no user at all; return it, or ``None`` if users exist."""
    if count_users(session) > 0:
        return None
    return create(
        session,
        audit.SYSTEM,
        UserCreate(email=email, name=name, password=password, is_admin=True),
    )


def revoke_sessions(session: Session, user_id: uuid.UUID, reason: str) -> None:
    session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )


def _active_admins(session: Session) -> int:
    statement = select(func.count()).select_from(User).where(User.is_admin, User.is_active)
    return int(session.scalar(statement) or 0)


def _refuse_losing_last_admin(session: Session, user: User) -> None:
    if user.is_admin and user.is_active and _active_admins(session) <= 1:
        raise InvalidState("this is the last active admin; make another admin first")


def update_by_admin(
    session: Session, context: AuditContext, user_id: uuid.UUID, data: UserUpdate
) -> User:
    user = get(session, user_id)
    changes = data.model_dump(exclude_unset=True)
    if changes.get("is_admin") is False or changes.get("is_active") is False:
        _refuse_losing_last_admin(session, user)
    for field in ("name", "is_admin", "is_active"):
        if field in changes and changes[field] is not None:
            setattr(user, field, changes[field])
    if data.password is not None:
        user.password_hash = hash_password(data.password)
    if data.password is not None or changes.get("is_active") is False:
        revoke_sessions(session, user.id, "credentials_changed")
    audit.record(
        session, context, "users.update", target_type="user", target_id=user.id, details=changes
    )
    return user


def update_own(session: Session, actor: Actor, data: OwnUserUpdate) -> User:
    user = get(session, actor.user_id)
    changed: dict[str, object] = {}
    if data.name is not None:
        user.name = data.name
        changed["name"] = data.name
    if data.new_password is not None:
        if not verify_password(data.current_password or "", user.password_hash):
            raise InvalidInput("current_password is wrong", field="current_password")
        user.password_hash = hash_password(data.new_password)
        revoke_sessions(session, user.id, "password_changed")
        changed["password"] = True
    audit.record(
        session, actor.audit, "users.update", target_type="user", target_id=user.id, details=changed
    )
    return user


def delete(session: Session, context: AuditContext, user_id: uuid.UUID) -> None:
    user = get(session, user_id)
    if user.id == context.actor_id:
        raise InvalidState("admins cannot delete themselves")
    _refuse_losing_last_admin(session, user)
    session.delete(user)
    audit.record(
        session,
        context,
        "users.delete",
        target_type="user",
        target_id=user_id,
        details={"email": user.email},
    )
