"""Signing in from the CLI against a live server: login, whoami, keys, refresh, logout."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from typer.testing import CliRunner

from synthfoundry.cli.main import app
from synthfoundry.client.credentials import CredentialStore
from synthfoundry.db import Database
from tests.support.accounts import PASSWORD, create_user

runner = CliRunner()
EMAIL = "ada@example.com"


def invoke(base_url: str, *arguments: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(
        app, list(arguments), env={"SYNTHFOUNDRY_BASE_URL": base_url}, input=stdin
    )
    return result.exit_code, result.stdout, result.stderr


def test_login_whoami_keys_and_logout(
    live_server: str, migrated_database: Database, config_folder: Path
) -> None:
    create_user(migrated_database, EMAIL)
    store = CredentialStore()

    code, out, err = invoke(live_server, "whoami")
    assert code == 1 and "synthfoundry login" in err

    code, out, err = invoke(
        live_server, "login", "--email", EMAIL, "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert code == 0, err
    assert EMAIL in out and "login stored in" in err
    credentials = config_folder / "credentials.json"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    stored = store.get(live_server)
    assert stored is not None and stored["email"] == EMAIL
    assert PASSWORD not in credentials.read_text()

    code, out, err = invoke(live_server, "whoami", "-O", "json")
    assert code == 0, err
    assert json.loads(out)["credential"] == "login" and json.loads(out)["user"]["email"] == EMAIL

    # An expired access token is refreshed, and the rotated refresh token is stored at once.
    store.put(live_server, stored | {"access_expires_at": 0.0})
    code, out, err = invoke(live_server, "datasets", "list", "-O", "json")
    assert code == 0, err
    assert json.loads(out) == []
    refreshed = store.get(live_server)
    assert refreshed is not None and refreshed["refresh_token"] != stored["refresh_token"]

    code, secret, err = invoke(
        live_server,
        "keys",
        "create",
        "--scope",
        "datasets:write",
        "--scope",
        "jobs:read",
        "--name",
        "ci",
        "--secret-only",
    )
    assert code == 0, err
    secret = secret.strip()
    code, out, err = invoke(live_server, "whoami", "--api-key", secret)
    assert code == 0 and "API key" in out and EMAIL in out
    code, out, err = invoke(live_server, "keys", "list", "-O", "json")
    [listed] = json.loads(out)
    assert listed["name"] == "ci" and listed["scopes"] == ["datasets:write", "jobs:read"]
    assert "secret" not in listed
    code, out, err = invoke(live_server, "keys", "list")
    assert code == 0 and listed["id"] in out and "{" not in out
    code, out, err = invoke(live_server, "keys", "create", "--scope", "datasets:wirte")
    assert code == 1 and "datasets:wirte" in err
    assert invoke(live_server, "keys", "revoke", listed["id"])[0] == 0
    code, out, err = invoke(live_server, "whoami", "--api-key", secret)
    assert code == 1 and "401" in err

    code, out, err = invoke(live_server, "logout")
    assert code == 0 and "signed out" in err
    assert store.get(live_server) is None
    code, out, err = invoke(live_server, "datasets", "list")
    assert code == 1 and "synthfoundry login" in err
    # The session ended on the server too: its refresh token no longer works.
    store.put(live_server, refreshed | {"access_expires_at": 0.0})
    code, out, err = invoke(live_server, "whoami")
    assert code == 1 and "stored login has ended" in err
    assert store.get(live_server) is None


def test_a_wrong_password_stores_nothing(
    live_server: str, migrated_database: Database, config_folder: Path
) -> None:
    create_user(migrated_database, EMAIL)

    code, _, err = invoke(
        live_server, "login", "--email", EMAIL, "--password-stdin", stdin="wrong\n"
    )

    assert code == 1 and "401" in err
    assert not (config_folder / "credentials.json").exists()
