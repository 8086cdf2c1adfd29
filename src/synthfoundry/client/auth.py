"""Requests signed with a stored login: the access token is refreshed shortly before it expires
(and once more on a 401), and the rotated refresh token is stored before the new access token
is used, all under the store's lock."""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, Generator

import httpx

from synthfoundry.client.credentials import CredentialStore, StoredLogin
from synthfoundry.client.errors import NotSignedIn, raise_for_problem
from synthfoundry.client.schemas import TokenPair

EXPIRY_MARGIN_SECONDS = 30.0
# What the refresh route answers for a token that no longer works (unknown, used, expired).
REFUSED_REFRESH = frozenset({400, 401, 403, 422})


def stored_login(email: str, pair: TokenPair) -> StoredLogin:
    return {
        "email": email,
        "refresh_token": pair["refresh_token"],
        "access_token": pair["access_token"],
        "access_expires_at": time.time() + float(pair["expires_in"]),
    }


class LoginAuth(httpx.Auth):
    """httpx authentication from the login stored for ``base_url`` (synchronous clients)."""

    def __init__(self, store: CredentialStore, base_url: str) -> None:
        self.store = store
        self.base_url = base_url.rstrip("/")

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        token = yield from self._access_token(stale=None)
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code != 401:
            return
        # Revoked or expired early (a clock out of step): one refresh, one retry.
        fresh = yield from self._access_token(stale=token)
        request.headers["Authorization"] = f"Bearer {fresh}"
        yield request

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        raise NotImplementedError("LoginAuth signs the requests of synchronous clients only")
        yield request  # pragma: no cover (makes this an async generator)

    def _access_token(self, stale: str | None) -> Generator[httpx.Request, httpx.Response, str]:
        with self.store.locked():
            login = self.store.get(self.base_url)
            if login is None:
                raise NotSignedIn(self.base_url, "no login is stored for it")
            fresh_enough = login["access_expires_at"] - EXPIRY_MARGIN_SECONDS > time.time()
            if login["access_token"] != stale and fresh_enough:
                return login["access_token"]
            response = yield httpx.Request(
                "POST",
                f"{self.base_url}/v1/auth/refresh",
                json={"refresh_token": login["refresh_token"]},
            )
            response.read()
            if response.status_code in REFUSED_REFRESH:
                self.store.remove(self.base_url)
                detail = _problem_detail(response)
                raise NotSignedIn(self.base_url, f"the stored login has ended ({detail})")
            raise_for_problem(response)
            pair: TokenPair = response.json()
            self.store.put(self.base_url, stored_login(login["email"], pair))
            return pair["access_token"]


def _problem_detail(response: httpx.Response) -> str:
    try:
        problem = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    if isinstance(problem, dict) and problem.get("detail"):
        return str(problem["detail"])
    return f"HTTP {response.status_code}"
