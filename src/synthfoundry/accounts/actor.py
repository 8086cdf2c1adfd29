"""Who acts, with which scopes, from where: resolved once per request (or from a job) and the one
thing services receive besides the session and their own arguments."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol

from synthfoundry.accounts.principal import Principal
from synthfoundry.accounts.scopes import ADMIN
from synthfoundry.audit.service import SYSTEM, AuditContext
from synthfoundry.errors import PermissionDenied


class JobOrigin(Protocol):
    """What a job remembers of the credential that created it."""

    @property
    def id(self) -> uuid.UUID: ...

    @property
    def owner_id(self) -> uuid.UUID: ...

    @property
    def actor_scopes(self) -> list[str]: ...

    @property
    def api_key_id(self) -> uuid.UUID | None: ...


@dataclass(frozen=True)
class Actor:
    principal: Principal
    audit: AuditContext
    request_id: str | None = None
    job_id: uuid.UUID | None = None
    """Set when a job acts: the jobs it submits become its children."""

    @property
    def user_id(self) -> uuid.UUID:
        return self.principal.user_id

    @property
    def scopes(self) -> frozenset[str]:
        return self.principal.scopes

    def require(self, scope: str) -> None:
        """Raise ``PermissionDenied`` unless the credential holds ``scope``."""
        if not self.principal.allows(scope):
            raise PermissionDenied(f"this credential lacks the scope {scope}")

    @classmethod
    def for_request(
        cls, principal: Principal, client_ip: str | None, request_id: str | None
    ) -> Actor:
        return cls(principal, principal.audit_context(client_ip, request_id), request_id)

    @classmethod
    def for_job(cls, job: JobOrigin) -> Actor:
        """The job's owner with the scopes of the credential that created the job, never the
        owner's full role; audit events name the job as their request."""
        scopes = frozenset(job.actor_scopes)
        principal = Principal(
            user_id=job.owner_id,
            is_admin=ADMIN in scopes,
            scopes=scopes,
            kind="api_key" if job.api_key_id else "user",
            api_key_id=job.api_key_id,
        )
        request_id = f"job:{job.id}"
        audit = AuditContext(
            "system", actor_id=job.owner_id, api_key_id=job.api_key_id, request_id=request_id
        )
        return cls(principal, audit, request_id, job_id=job.id)


def system_actor(owner_id: uuid.UUID, scopes: frozenset[str]) -> Actor:
    """An actor for maintenance code and tests: acts for ``owner_id`` and audits as ``system``."""
    principal = Principal(user_id=owner_id, is_admin=ADMIN in scopes, scopes=scopes, kind="user")
    return Actor(principal, SYSTEM)
