"""API keys preconfigured by SYNTHFOUNDRY_AUTH__API_KEYS: Bearer keys acting as the first admin
with only their scopes, hashed at start, never logged or shown, refused when malformed."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select
from typer.testing import CliRunner

from synthfoundry.accounts.auth import AuthConfig
from synthfoundry.accounts.env_keys import env_key_id
from synthfoundry.api import create_app
from synthfoundry.audit.models import AuditEvent
from synthfoundry.cli.main import app as cli
from synthfoundry.config import AuthSettings, Settings
from synthfoundry.db import Database
from synthfoundry.errors import ConfigurationError
from tests.support.accounts import bearer, create_user

READER = "reader-key-0123456789abcdef"
WRITER = "writer-key-0123456789abcdef"
CONFIGURED = f"{READER}:reports-bot:datasets:read; {WRITER}:loader:datasets:write,jobs:read;"


def with_keys(settings: Settings, value: str) -> Settings:
    auth = settings.auth.model_copy(update={"api_keys": SecretStr(value)})
    return settings.model_copy(update={"auth": auth})


@pytest.fixture
def keyed_client(
    settings: Settings, migrated_database: Database, caplog: pytest.LogCaptureFixture
) -> Iterator[TestClient]:
    caplog.set_level(logging.DEBUG)
    with TestClient(
        create_app(with_keys(settings, CONFIGURED)), raise_server_exceptions=False
    ) as client:
        yield client


def test_configured_keys_act_as_the_first_admin_with_their_own_scopes(
    keyed_client: TestClient, migrated_database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    first_admin = create_user(migrated_database, "root@example.com", is_admin=True)
    create_user(migrated_database, "second@example.com", is_admin=True)

    listed = keyed_client.get("/v1/datasets", headers=bearer(READER))
    upload = keyed_client.post(
        "/v1/datasets", files={"file": ("a.csv", b"x,y\n1,2\n")}, headers=bearer(READER)
    )
    created = keyed_client.post(
        "/v1/datasets", files={"file": ("a.csv", b"x,y\n1,2\n")}, headers=bearer(WRITER)
    )
    users = keyed_client.get("/v1/users", headers=bearer(WRITER))

    assert listed.status_code == 200
    assert upload.status_code == 403 and "datasets:write" in upload.json()["detail"]
    assert created.status_code == 201, created.text
    assert created.json()["owner_id"] == str(first_admin)
    assert users.status_code == 403  # the admin's role, but not the admin scope
    with migrated_database.unit_of_work() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "dataset.create")
        ).one()
    assert (event.actor_type, event.api_key_id) == ("api_key", env_key_id("loader"))
    assert READER not in caplog.text and WRITER not in caplog.text


def test_wrong_key_and_no_admin_answer_401(
    keyed_client: TestClient, migrated_database: Database
) -> None:
    without_admin = keyed_client.get("/v1/datasets", headers=bearer(READER))
    create_user(migrated_database, "plain@example.com")
    still_without = keyed_client.get("/v1/datasets", headers=bearer(READER))
    wrong = keyed_client.get("/v1/datasets", headers=bearer(READER + "x"))

    assert without_admin.status_code == 401
    assert "no active admin" in without_admin.json()["detail"]
    assert still_without.status_code == 401
    assert wrong.status_code == 401


def test_unknown_scope_stops_the_start_naming_the_entry_not_the_key(settings: Settings) -> None:
    configured = with_keys(settings, f"{READER}:etl:datasets:read,datsets:write")

    with pytest.raises(ConfigurationError) as raised:
        AuthConfig(configured.auth, "signing-key")

    message = str(raised.value)
    assert "SYNTHFOUNDRY_AUTH__API_KEYS entry 1 ('etl')" in message
    assert '"datasets:write"' in message
    assert READER not in message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (f"{READER}", "entry 1: expected key:name:scope,scope"),
        (f"{READER}:etl", "entry 1 ('etl'): expected one or more comma-separated scopes"),
        (f"{READER}:etl:datasets:read,,", "entry 1 ('etl'): expected one or more"),
        ("short:etl:datasets:read", "entry 1 ('etl'): the key must be at least 16 characters"),
        (f"{READER}:etl:datasets", "entry 1 ('etl'): 'datasets' is not a scope"),
        (f"{READER}:a:jobs:read;{WRITER}:a:jobs:read", "entry 2 ('a'): another entry has the same"),
        (f"{READER}:a:jobs:read;{READER}:b:jobs:read", "entry 2 ('b'): another entry has the same"),
    ],
)
def test_malformed_value_is_refused_naming_the_entry_not_the_key(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: str
) -> None:
    monkeypatch.setenv("SYNTHFOUNDRY_AUTH__API_KEYS", value)

    with pytest.raises(ValueError, match="api_keys") as raised:
        Settings(_env_file=None)  # type: ignore[call-arg]
    result = CliRunner().invoke(cli, ["config", "show"])

    assert expected in str(raised.value)
    assert READER not in str(raised.value) and "short" not in str(raised.value)
    assert result.exit_code == 2
    assert expected in result.output and READER not in result.output


def test_config_show_masks_the_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNTHFOUNDRY_AUTH__API_KEYS", CONFIGURED)

    listing = CliRunner().invoke(cli, ["config", "show"])
    as_json = CliRunner().invoke(cli, ["config", "show", "--json"])

    assert listing.exit_code == 0 and as_json.exit_code == 0
    assert "auth.api_keys" in listing.output
    for output in (listing.output, as_json.output, str(Settings().public_view())):
        assert READER not in output and WRITER not in output
    assert [key.name for key in AuthSettings(api_keys=CONFIGURED).configured_api_keys()] == [
        "reports-bot",
        "loader",
    ]
