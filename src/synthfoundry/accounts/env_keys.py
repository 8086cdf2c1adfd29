"""API keys preconfigured by ``SYNTHFOUNDRY_AUTH__API_KEYS="key:name:scope,scope;..."``, as the
original tabular service offered, for scripts and services deployed beside the server.

They are hashed (HMAC-SHA256 with the secret key, as stored keys are) where the server starts and
kept in memory only; the keys themselves are never logged or shown. Such a key acts as the oldest
active admin, the operator who configured it, with only its own scopes; what it creates belongs
to that admin. Its id is derived from its name, so that audit events, rate limits and the jobs it
starts name the same key across restarts and processes; it is not a row of ``api_keys``, so it is
neither listed nor revoked through the API (remove it from the setting and restart).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from synthfoundry.accounts.models import User
from synthfoundry.accounts.principal import Principal
from synthfoundry.accounts.scopes import SCOPES, unknown_scopes
from synthfoundry.accounts.secrets import api_key_hash
from synthfoundry.config import ConfiguredApiKey
from synthfoundry.errors import ConfigurationError, NotAuthenticated
from synthfoundry.suggestions import unknown_name

SETTING = "SYNTHFOUNDRY_AUTH__API_KEYS"
_ID_NAMESPACE = uuid.UUID("5f0c8c1e-7d55-4a43-9a57-3c2f1f4f7e21")


@dataclass(frozen=True)
class EnvApiKey:
    id: uuid.UUID
    name: str
    scopes: frozenset[str]


def env_key_id(name: str) -> uuid.UUID:
    """The stable id of the configured key called ``name``."""
    return uuid.uuid5(_ID_NAMESPACE, f"env-api-key:{name}")


class EnvApiKeys:
    """The configured keys by their hash; built once where the server starts."""

    def __init__(self, configured: Sequence[ConfiguredApiKey], signing_key: str) -> None:
        self._signing_key = signing_key
        self._by_hash: dict[str, EnvApiKey] = {}
        for position, entry in enumerate(configured, start=1):
            if unknown := unknown_scopes(list(entry.scopes)):
                reason = unknown_name("scope", unknown[0], SCOPES)
                raise ConfigurationError(
                    f"{SETTING} entry {position} ({entry.name!r}): {unknown[0]!r} is an {reason}"
                )
            digest = api_key_hash(entry.secret.get_secret_value(), signing_key)
            self._by_hash[digest] = EnvApiKey(
                env_key_id(entry.name), entry.name, frozenset(entry.scopes)
            )

    def __len__(self) -> int:
        return len(self._by_hash)

    def find(self, token: str) -> EnvApiKey | None:
        """The configured key whose secret is ``token``, if any."""
        if not self._by_hash:
            return None
        # A dictionary look-up by HMAC: without the signing key no caller can aim at a digest.
        return self._by_hash.get(api_key_hash(token, self._signing_key))


def principal_for(session: Session, key: EnvApiKey) -> Principal:
    """The principal of a configured key: the oldest active admin, with the key's scopes."""
    admin = session.scalars(
        select(User)
        .where(User.is_admin, User.is_active)
        .order_by(User.created_at, User.id)
        .limit(1)
    ).first()
    if admin is None:
        raise NotAuthenticated(
            f"keys from {SETTING} act as the first admin, and there is no active admin yet"
        )
    return Principal(
        user_id=admin.id, is_admin=True, scopes=key.scopes, kind="api_key", api_key_id=key.id
    )
