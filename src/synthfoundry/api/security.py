"""Who is calling, and may they: the principal dependency and its scope checks.

Routes declare policy in their signatures, for example
``principal: Annotated[Principal, Security(authenticated, scopes=["api-keys:read"])]``;
the scopes then show in OpenAPI.
"""

from __future__ import annotations

from typing import Annotated, Any

import structlog
from fastapi import Depends, Request, Security
from fastapi.security import OAuth2PasswordBearer, SecurityScopes

from synthfoundry.accounts import auth
from synthfoundry.accounts.actor import Actor
from synthfoundry.accounts.principal import Principal
from synthfoundry.accounts.scopes import ADMIN, SCOPES
from synthfoundry.api.deps import AppStateDep, SessionDep
from synthfoundry.audit import AuditContext
from synthfoundry.errors import NotAuthenticated, PermissionDenied

bearer = OAuth2PasswordBearer(
    tokenUrl="/v1/auth/token",
    scopes=SCOPES,
    auto_error=False,
    scheme_name="bearer",
    description="An access token from POST /v1/auth/token, or an API key (sfk_...).",
)


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def authenticated(
    security_scopes: SecurityScopes,
    request: Request,
    session: SessionDep,
    state: AppStateDep,
    token: Annotated[str | None, Depends(bearer)],
) -> Principal:
    if not token:
        raise NotAuthenticated(
            "this route needs an `Authorization: Bearer` access token or API key"
        )
    principal = auth.resolve_bearer(session, token, state.auth_config)
    state.rate_limiter.hit("general", str(principal.api_key_id or principal.user_id))
    if principal.api_key_id is not None:
        state.api_key_usage.touch(principal.api_key_id)
    missing = [scope for scope in security_scopes.scopes if not principal.allows(scope)]
    if missing:
        raise PermissionDenied(f"this credential lacks the scope {', '.join(missing)}")
    structlog.contextvars.bind_contextvars(user_id=str(principal.user_id))
    request.state.principal = principal
    return principal


def audit_context(request: Request) -> AuditContext:
    """The actor of this request for audit events (anonymous before authentication).

    Call it in a route's body: by then the principal dependency has run."""
    request_id = getattr(request.state, "request_id", None)
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None:
        return AuditContext("anonymous", client_ip=client_ip(request), request_id=request_id)
    return principal.audit_context(client_ip(request), request_id)


def current_actor(
    request: Request, principal: Annotated[Principal, Security(authenticated)]
) -> Actor:
    """The request's actor: resolved once, then passed to every service the route calls."""
    return Actor.for_request(
        principal, client_ip(request), getattr(request.state, "request_id", None)
    )


def require_scope(*scopes: str) -> Any:
    """``Annotated[Actor, require_scope("datasets:read")]``: an actor whose credential holds
    the scopes (they show in OpenAPI)."""
    return Security(current_actor, scopes=list(scopes))


Authenticated = Annotated[Actor, Security(current_actor)]
Admin = Annotated[Actor, Security(current_actor, scopes=[ADMIN])]
