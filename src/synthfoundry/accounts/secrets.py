"""Password hashing, JWT access tokens, and the opaque secrets (refresh tokens, API keys)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from synthfoundry.config import AuthSettings
from synthfoundry.db import utcnow

JWT_ALGORITHM = "HS256"
API_KEY_PREFIX = "sfk"

_password_hash = PasswordHash((Argon2Hasher(),))
# Verified against when an e-mail is unknown, so that a failed login takes as long either way.
_DUMMY_PASSWORD_HASH = _password_hash.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _password_hash.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    if password_hash is None:
        _password_hash.verify(password, _DUMMY_PASSWORD_HASH)
        return False
    return _password_hash.verify(password, password_hash)


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    session_id: uuid.UUID


def issue_access_token(
    claims: AccessClaims, settings: AuthSettings, signing_key: str, now: datetime | None = None
) -> tuple[str, int]:
    now = now or utcnow()
    lifetime = timedelta(minutes=settings.access_token_minutes)
    payload = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": str(claims.user_id),
        "sid": str(claims.session_id),
        "iat": now,
        "nbf": now,
        "exp": now + lifetime,
        "jti": uuid.uuid4().hex,
    }
    token = jwt.encode(payload, signing_key, algorithm=JWT_ALGORITHM)
    return token, int(lifetime.total_seconds())


def decode_access_token(token: str, settings: AuthSettings, signing_key: str) -> AccessClaims:
    """Raise ``jwt.InvalidTokenError`` unless the token is ours, well-formed and current."""
    payload = jwt.decode(
        token,
        signing_key,
        algorithms=[JWT_ALGORITHM],
        audience=settings.jwt_audience,
        issuer=settings.jwt_issuer,
        options={"require": ["exp", "iat", "nbf", "sub", "sid", "aud", "iss"]},
    )
    try:
        return AccessClaims(uuid.UUID(payload["sub"]), uuid.UUID(payload["sid"]))
    except (ValueError, TypeError):
        raise jwt.InvalidTokenError("malformed subject or session") from None


def new_refresh_token() -> tuple[str, str]:
    """A refresh token and the hash to store (the token itself is never stored)."""
    token = secrets.token_urlsafe(32)
    return token, sha256_hex(token)


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass(frozen=True)
class NewApiKey:
    key_id: str
    secret: str  # the whole bearer value, shown to the user once


def new_api_key() -> NewApiKey:
    key_id = secrets.token_hex(8)
    return NewApiKey(key_id, f"{API_KEY_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}")


def parse_api_key(token: str) -> str | None:
    """The key id of a bearer value shaped like an API key, else ``None``."""
    prefix, _, rest = token.partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != API_KEY_PREFIX or len(key_id) != 16 or not secret:
        return None
    return key_id


def api_key_hash(secret: str, signing_key: str) -> str:
    return hmac.new(signing_key.encode(), secret.encode(), hashlib.sha256).hexdigest()


def api_key_matches(secret: str, stored_hash: str, signing_key: str) -> bool:
    return hmac.compare_digest(api_key_hash(secret, signing_key), stored_hash)
