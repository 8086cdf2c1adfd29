from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm

from synthfoundry.accounts import auth
from synthfoundry.accounts.schemas import RefreshRequest, TokenPair
from synthfoundry.api.deps import AppStateDep, DatabaseDep, SessionDep
from synthfoundry.api.problems import Responses, problem_response
from synthfoundry.api.security import Authenticated, audit_context, client_ip

router = APIRouter(prefix="/v1/auth", tags=["auth"])

UNAUTHENTICATED: Responses = {401: problem_response("The credentials are not valid")}
RATE_LIMITED: Responses = {
    429: problem_response("Too many attempts; `Retry-After` says when to retry")
}


@router.post("/token", response_model=TokenPair, responses={**UNAUTHENTICATED, **RATE_LIMITED})
def login(
    request: Request,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    database: DatabaseDep,
    state: AppStateDep,
) -> TokenPair:
    """Sign in with e-mail (as `username`) and password; get an access and a refresh token."""
    state.rate_limiter.hit("login", f"ip:{client_ip(request)}")
    state.rate_limiter.hit("login", f"email:{form.username.strip().lower()}")
    return auth.login(
        database, state.auth_config, audit_context(request), form.username, form.password
    )


@router.post("/refresh", response_model=TokenPair, responses={**UNAUTHENTICATED, **RATE_LIMITED})
def refresh(
    request: Request, body: RefreshRequest, database: DatabaseDep, state: AppStateDep
) -> TokenPair:
    """Trade a refresh token for a new pair. Each refresh token works once: using one again
    revokes every token of its session."""
    state.rate_limiter.hit("login", f"ip:{client_ip(request)}")
    return auth.refresh(database, state.auth_config, audit_context(request), body.refresh_token)


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=UNAUTHENTICATED,
)
def logout(actor: Authenticated, session: SessionDep) -> Response:
    """End the session of the access token used: it and its refresh tokens stop working."""
    auth.logout(session, actor)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
