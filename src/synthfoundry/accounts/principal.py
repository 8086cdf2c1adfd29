from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal

from synthfoundry.accounts.scopes import ADMIN, grants
from synthfoundry.audit.service import AuditContext


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user signed in with a password, or one of their API keys."""

    user_id: uuid.UUID
    is_admin: bool
    scopes: frozenset[str]
    kind: Literal["user", "api_key"]
    session_id: uuid.UUID | None = None
    api_key_id: uuid.UUID | None = None

    def allows(self, scope: str) -> bool:
        return grants(self.scopes, scope)

    @property
    def acts_as_admin(self) -> bool:
        return ADMIN in self.scopes

    def can_see(self, owner_id: uuid.UUID) -> bool:
        """Whether an object of ``owner_id`` exists for this caller (others' answer 404)."""
        return owner_id == self.user_id or self.acts_as_admin

    def lists_everyone(self, all_owners: bool) -> bool:
        """Whether a list shows every owner's objects: admins who ask for it."""
        return all_owners and self.acts_as_admin

    def audit_context(self, client_ip: str | None, request_id: str | None) -> AuditContext:
        return AuditContext(
            actor_type=self.kind,
            actor_id=self.user_id,
            api_key_id=self.api_key_id,
            client_ip=client_ip,
            request_id=request_id,
        )
