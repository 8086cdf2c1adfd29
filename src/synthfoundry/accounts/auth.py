"""Password login, refresh-token rotation with reuse detection, logout, and bearer resolution.

Login and refresh manage their own transactions: a failed login must still leave its audit
event, and a reused refresh token must still revoke its family, although the request fails.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import jwt
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from synthfoundry import audit
from synthfoundry.accounts.actor import Actor
from synthfoundry.accounts.env_keys import EnvApiKeys, principal_for
from synthfoundry.accounts.models import ApiKey, AuthSession, RefreshToken, User
from synthfoundry.accounts.principal import Principal
from synthfoundry.accounts.schemas import TokenPair
from synthfoundry.accounts.scopes import scopes_for_role
from synthfoundry.accounts.secrets import (
    AccessClaims,
    api_key_matches,
    decode_access_token,
    issue_access_token,
    new_refresh_token,
    parse_api_key,
    sha256_hex,
    verify_password,
)
from synthfoundry.accounts.users import get_by_email
from synthfoundry.audit import AuditContext
from synthfoundry.config import AuthSettings
from synthfoundry.db import Database, utcnow
from synthfoundry.errors import NotAuthenticated

LOGIN_FAILED = "incorrect e-mail or password"
LAST_USED_GRANULARITY = timedelta(minutes=1)


@dataclass(frozen=True)
class AuthConfig:
    settings: AuthSettings
    signing_key: str
    env_keys: EnvApiKeys = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Built where the server starts: the configured keys are hashed once, and a key with
        # an unknown scope stops the start with a ConfigurationError naming the entry.
        keys = EnvApiKeys(self.settings.configured_api_keys(), self.signing_key)
        object.__setattr__(self, "env_keys", keys)


def _issue_pair(
    session: Session, auth_session: AuthSession, user: User, config: AuthConfig
) -> TokenPair:
    refresh_token, refresh_hash = new_refresh_token()
    refresh_lifetime = timedelta(days=config.settings.refresh_token_days)
    session.add(
        RefreshToken(
            session_id=auth_session.id,
            token_hash=refresh_hash,
            expires_at=utcnow() + refresh_lifetime,
        )
    )
    access_token, expires_in = issue_access_token(
        AccessClaims(user.id, auth_session.id), config.settings, config.signing_key
    )
    return TokenPair(
        access_token=access_token,
        expires_in=expires_in,
        refresh_token=refresh_token,
        refresh_expires_in=int(refresh_lifetime.total_seconds()),
    )


def login(
    database: Database, config: AuthConfig, context: AuditContext, email: str, password: str
) -> TokenPair:
    with database.unit_of_work() as session:
        found = get_by_email(session, email)
        user_id, password_hash = (found.id, found.password_hash) if found else (None, None)
    # The hash is checked outside any write transaction: it takes tens of milliseconds.
    password_ok = verify_password(password, password_hash)
    with database.unit_of_work(write=True) as session:
        user = session.get(User, user_id) if user_id else None
        if user is None or not password_ok or not user.is_active:
            reason = (
                "unknown_user"
                if user is None
                else "wrong_password"
                if not password_ok
                else "disabled"
            )
            audit.record(
                session,
                context,
                "auth.login",
                outcome="failure",
                target_type="user",
                target_id=user_id,
                details={"email": email, "reason": reason},
            )
            pair = None
        else:
            user.last_login_at = utcnow()
            auth_session = AuthSession(user_id=user.id, client_ip=context.client_ip)
            session.add(auth_session)
            session.flush()
            pair = _issue_pair(session, auth_session, user, config)
            audit.record(
                session,
                AuditContext("user", user.id, None, context.client_ip, context.request_id),
                "auth.login",
                target_type="user",
                target_id=user.id,
            )
    if pair is None:
        raise NotAuthenticated(LOGIN_FAILED)
    return pair


def refresh(database: Database, config: AuthConfig, context: AuditContext, token: str) -> TokenPair:
    now = utcnow()
    failure: str | None = None
    with database.unit_of_work(write=True) as session:
        stored = session.scalars(
            select(RefreshToken).where(RefreshToken.token_hash == sha256_hex(token))
        ).first()
        auth_session = session.get(AuthSession, stored.session_id) if stored else None
        user = session.get(User, auth_session.user_id) if auth_session else None
        if stored is None or auth_session is None or user is None:
            failure = "refresh token is not valid"
        elif auth_session.revoked_at is not None or not user.is_active:
            failure = "the session of this refresh token has ended"
        elif stored.expires_at <= now:
            failure = "refresh token has expired"
        else:
            # Conditional update: of two concurrent uses of one token, exactly one wins.
            claimed = session.execute(
                update(RefreshToken)
                .where(RefreshToken.id == stored.id, RefreshToken.used_at.is_(None))
                .values(used_at=now)
            )
            if getattr(claimed, "rowcount", 0) != 1:
                auth_session.revoked_at = now
                auth_session.revoked_reason = "refresh_token_reuse"
                audit.record(
                    session,
                    AuditContext("user", user.id, None, context.client_ip, context.request_id),
                    "auth.refresh_reuse",
                    outcome="failure",
                    target_type="auth_session",
                    target_id=auth_session.id,
                )
                failure = "refresh token was used already; every token of its session is revoked"
            else:
                pair = _issue_pair(session, auth_session, user, config)
    if failure is not None:
        raise NotAuthenticated(failure)
    return pair


def logout(session: Session, actor: Actor) -> None:
    principal = actor.principal
    if principal.session_id is None:
        raise NotAuthenticated("logout needs an access token from a login, not an API key")
    auth_session = session.get(AuthSession, principal.session_id)
    if auth_session is not None and auth_session.revoked_at is None:
        auth_session.revoked_at = utcnow()
        auth_session.revoked_reason = "logout"
    audit.record(
        session,
        actor.audit,
        "auth.logout",
        target_type="auth_session",
        target_id=principal.session_id,
    )


def _principal_from_access_token(session: Session, token: str, config: AuthConfig) -> Principal:
    try:
        claims = decode_access_token(token, config.settings, config.signing_key)
    except jwt.ExpiredSignatureError:
        raise NotAuthenticated("access token has expired") from None
    except jwt.InvalidTokenError:
        raise NotAuthenticated("access token is not valid") from None
    auth_session = session.get(AuthSession, claims.session_id)
    if (
        auth_session is None
        or auth_session.revoked_at is not None
        or auth_session.user_id != claims.user_id
    ):
        raise NotAuthenticated("the session of this access token has ended")
    user = session.get(User, claims.user_id)
    if user is None or not user.is_active:
        raise NotAuthenticated("the user of this access token is disabled or gone")
    return Principal(
        user_id=user.id,
        is_admin=user.is_admin,
        scopes=scopes_for_role(user.is_admin),
        kind="user",
        session_id=auth_session.id,
    )


def _principal_from_api_key(
    session: Session, token: str, key_id: str, config: AuthConfig
) -> Principal:
    key = session.scalars(select(ApiKey).where(ApiKey.key_id == key_id)).first()
    if key is None or not api_key_matches(token, key.secret_hash, config.signing_key):
        raise NotAuthenticated("API key is not valid")
    now = utcnow()
    if key.revoked_at is not None:
        raise NotAuthenticated("API key is revoked")
    if key.expires_at is not None and key.expires_at <= now:
        raise NotAuthenticated("API key has expired")
    owner = session.get(User, key.owner_id)
    if owner is None or not owner.is_active:
        raise NotAuthenticated("the owner of this API key is disabled")
    # A key never holds more than its owner's role allows now (an admin demoted since keeps none).
    scopes = frozenset(key.scopes) & scopes_for_role(owner.is_admin)
    return Principal(
        user_id=owner.id, is_admin=owner.is_admin, scopes=scopes, kind="api_key", api_key_id=key.id
    )


def touch_api_key(database: Database, api_key_id: uuid.UUID) -> None:
    """Record that a key was used, at most once a minute (a statement of its own, so that
    reading requests never write in their own transaction)."""
    now = utcnow()
    with database.unit_of_work() as session:
        session.execute(
            update(ApiKey)
            .where(
                ApiKey.id == api_key_id,
                or_(
                    ApiKey.last_used_at.is_(None), ApiKey.last_used_at < now - LAST_USED_GRANULARITY
                ),
            )
            .values(last_used_at=now)
        )


def resolve_bearer(session: Session, token: str, config: AuthConfig) -> Principal:
    """The principal behind an ``Authorization: Bearer`` value: a configured key, an API key or
    an access token."""
    if (configured := config.env_keys.find(token)) is not None:
        return principal_for(session, configured)
    key_id = parse_api_key(token)
    if key_id is not None:
        return _principal_from_api_key(session, token, key_id, config)
    return _principal_from_access_token(session, token, config)
