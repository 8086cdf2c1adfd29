"""The browser's session: the refresh token lives in an HttpOnly, SameSite=Strict cookie scoped to
these routes, so scripts never read it and other sites cannot send it; the access token goes to
the page in the response body and stays in memory. Each route also wants a custom header, which
a cross-site form cannot send and a cross-site script cannot without a CORS preflight we refuse.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Cookie, Depends, Header, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, Field

from synthfoundry.accounts import auth, sessions
from synthfoundry.accounts.schemas import TokenPair
from synthfoundry.accounts.users import count_users
from synthfoundry.api.deps import AppStateDep, DatabaseDep, SessionDep
from synthfoundry.api.problems import Responses, problem_response
from synthfoundry.api.security import audit_context, client_ip
from synthfoundry.errors import NotAuthenticated, PermissionDenied

PREFIX = "/v1/auth/browser"
COOKIE = "synthfoundry_refresh"
CSRF_HEADER = "x-synthfoundry-browser"

router = APIRouter(prefix=PREFIX, tags=["auth"])

PROBLEMS: Responses = {
    403: problem_response("The request did not come from the Synthfoundry page"),
    401: problem_response("Not signed in, or the session has ended"),
    429: problem_response("Too many attempts; `Retry-After` says when to retry"),
}


class BrowserToken(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 (the OAuth2 token type, not a secret)
    expires_in: int = Field(description="seconds until the access token expires")


class FirstRun(BaseModel):
    needs_first_admin: bool = Field(description="no user exists yet: create the first admin")
    how: str


def _from_the_page(
    request: Request,
    marker: Annotated[str | None, Header(alias=CSRF_HEADER, include_in_schema=False)] = None,
) -> None:
    origin = request.headers.get("origin")
    if marker != "1" or (origin is not None and origin.split("://", 1)[-1] != request.url.netloc):
        raise PermissionDenied(f"browser session routes want the {CSRF_HEADER} header, same origin")


FromThePage = Annotated[None, Depends(_from_the_page)]


def _answer(request: Request, response: Response, pair: TokenPair) -> BrowserToken:
    response.set_cookie(
        COOKIE,
        pair.refresh_token,
        max_age=pair.refresh_expires_in,
        path=PREFIX,
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )
    response.headers["cache-control"] = "no-store"
    return BrowserToken(access_token=pair.access_token, expires_in=pair.expires_in)


@router.get("/first-run", response_model=FirstRun)
def first_run(session: SessionDep) -> FirstRun:
    """Whether the server still needs its first admin, and how to create one."""
    return FirstRun(
        needs_first_admin=count_users(session) == 0,
        how="synthfoundry users create-admin --email you@example.com (or set "
        "SYNTHFOUNDRY_AUTH__BOOTSTRAP_ADMIN_EMAIL and _PASSWORD and restart)",
    )


@router.post("/login", response_model=BrowserToken, responses=PROBLEMS)
def browser_login(
    request: Request,
    response: Response,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    database: DatabaseDep,
    state: AppStateDep,
    _: FromThePage,
) -> BrowserToken:
    """Sign in from the web UI: the refresh token goes into an HttpOnly cookie."""
    state.rate_limiter.hit("login", f"ip:{client_ip(request)}")
    state.rate_limiter.hit("login", f"email:{form.username.strip().lower()}")
    pair = auth.login(
        database, state.auth_config, audit_context(request), form.username, form.password
    )
    return _answer(request, response, pair)


@router.post("/refresh", response_model=BrowserToken, responses=PROBLEMS)
def browser_refresh(
    request: Request,
    response: Response,
    database: DatabaseDep,
    state: AppStateDep,
    _: FromThePage,
    refresh_cookie: Annotated[str | None, Cookie(alias=COOKIE)] = None,
) -> BrowserToken:
    """A fresh access token for the page, rotating the cookie's refresh token."""
    if not refresh_cookie:
        raise NotAuthenticated("not signed in")
    state.rate_limiter.hit("login", f"ip:{client_ip(request)}")
    pair = auth.refresh(database, state.auth_config, audit_context(request), refresh_cookie)
    return _answer(request, response, pair)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=PROBLEMS)
def browser_logout(
    request: Request,
    session: SessionDep,
    _: FromThePage,
    refresh_cookie: Annotated[str | None, Cookie(alias=COOKIE)] = None,
) -> Response:
    """Sign out: the cookie's session ends (every token of it) and the cookie is cleared."""
    if refresh_cookie:
        sessions.end_by_refresh_token(session, audit_context(request), refresh_cookie)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(COOKIE, path=PREFIX, httponly=True, samesite="strict")
    return response
