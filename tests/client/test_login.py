"""A stored login shared by commands running at once: each refresh token works once, so two
clients that find the access token expired must not both refresh it."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest

from synthfoundry.api import create_app
from synthfoundry.client import Client, NotSignedIn
from synthfoundry.client.auth import LoginAuth
from synthfoundry.client.credentials import CredentialStore
from synthfoundry.config import Settings
from synthfoundry.db import Database
from tests.support.accounts import PASSWORD, create_user
from tests.support.server import running_server

EMAIL = "grace@example.com"


@pytest.fixture
def signed_in_server(settings: Settings, migrated_database: Database) -> Iterator[str]:
    create_user(migrated_database, EMAIL)
    with running_server(create_app(settings)) as base_url:
        with Client(base_url) as client:
            assert client.login(EMAIL, PASSWORD)["email"] == EMAIL
        yield base_url


def test_clients_at_once_refresh_the_login_once(signed_in_server: str) -> None:
    store = CredentialStore()
    stored = store.get(signed_in_server)
    assert stored is not None
    store.put(signed_in_server, stored | {"access_expires_at": 0.0})
    answers: list[str] = []
    errors: list[BaseException] = []

    def whoami() -> None:
        try:
            with Client(signed_in_server) as client:
                answers.append(client.whoami()["email"])
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=whoami) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == [] and answers == [EMAIL] * 4
    refreshed = store.get(signed_in_server)
    assert refreshed is not None and refreshed["refresh_token"] != stored["refresh_token"]
    with Client(signed_in_server) as client:  # the session survived: no token was used twice
        assert client.whoami()["email"] == EMAIL
        assert client.credential == "login"


def test_an_api_key_wins_over_the_login_and_logout_forgets_it(signed_in_server: str) -> None:
    with Client(signed_in_server, api_key="sfk_not_a_key") as client:
        assert client.credential == "api_key"
    with Client(signed_in_server) as client:
        assert client.logout() is True
        assert client.logout() is False
    with Client(signed_in_server) as client:
        assert client.credential is None
    store = CredentialStore()
    assert store.get(signed_in_server) is None
    with (
        httpx.Client(auth=LoginAuth(store, signed_in_server)) as http,
        pytest.raises(NotSignedIn, match="no login is stored"),
    ):
        http.get(f"{signed_in_server}/v1/users/me")
