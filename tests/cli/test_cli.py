from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from synthfoundry import __version__
from synthfoundry.cli.main import app
from synthfoundry.db import migrate
from tests.support.postgres import free_port

runner = CliRunner()


def test_version() -> None:
    result = runner.invoke(app, ["version"])

    assert result.exit_code == 0
    assert result.stdout.strip() == __version__


def test_db_upgrade_current_downgrade(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNTHFOUNDRY_DATABASE__URL", database_url)

    behind = runner.invoke(app, ["db", "current"])
    upgraded = runner.invoke(app, ["db", "upgrade"])
    current = runner.invoke(app, ["db", "current"])
    downgraded = runner.invoke(app, ["db", "downgrade", "base"])

    assert behind.exit_code == 0 and "base (behind" in behind.stdout
    head = migrate.head_revision()
    assert upgraded.exit_code == 0 and f"database at revision {head}" in upgraded.stdout
    assert current.exit_code == 0 and f"{head} (up to date)" in current.stdout
    assert downgraded.exit_code == 0 and "database at revision base" in downgraded.stdout


def test_config_show_masks_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNTHFOUNDRY_DATABASE__URL", "postgresql://app:hunter2@db/sf")
    monkeypatch.setenv("SYNTHFOUNDRY_SECURITY__SECRET_KEY", "s" * 40)

    listing = runner.invoke(app, ["config", "show"])
    as_json = runner.invoke(app, ["config", "show", "--json"])

    assert listing.exit_code == 0 and as_json.exit_code == 0
    for output in (listing.stdout, as_json.stdout):
        assert "hunter2" not in output
        assert "s" * 40 not in output
    view = json.loads(as_json.stdout)
    assert view["database"]["url"] == "postgresql://app:***@db/sf"
    assert view["security"]["secret_key"] == "**********"
    assert "database.url" in listing.stdout


def test_invalid_settings_exit_2_naming_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNTHFOUNDRY_SERVER__PORT", "not-a-port")

    result = runner.invoke(app, ["config", "show"])

    assert result.exit_code == 2
    assert "server.port" in result.stderr


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """`synthfoundry db upgrade` then `synthfoundry serve`, as a new user runs them."""
    port = free_port()
    env = {**os.environ, "SYNTHFOUNDRY_DATA_DIR": str(tmp_path / "data")}
    executable = Path(sys.executable).parent / "synthfoundry"
    subprocess.run([executable, "db", "upgrade"], env=env, check=True, capture_output=True)
    process = subprocess.Popen(
        [executable, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/healthz", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("server did not start") from None
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_serve_answers_health_readiness_docs_and_problems(served: str) -> None:
    assert httpx.get(f"{served}/healthz").status_code == 200
    assert httpx.get(f"{served}/readyz").status_code == 200
    docs = httpx.get(f"{served}/docs")
    assert docs.status_code == 200 and "swagger-ui" in docs.text
    missing = httpx.get(f"{served}/unknown")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


def test_serve_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    env = {**os.environ, "SYNTHFOUNDRY_DATA_DIR": str(tmp_path / "data")}
    executable = Path(sys.executable).parent / "synthfoundry"

    result = subprocess.run(
        [executable, "serve", "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 1
    assert "run `synthfoundry db upgrade`" in result.stderr


def test_users_create_admin_then_login(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNTHFOUNDRY_DATABASE__URL", database_url)
    runner.invoke(app, ["db", "upgrade"])

    created = runner.invoke(
        app,
        ["users", "create-admin", "--email", "Admin@Example.com"],
        input="a long admin password\na long admin password\n",
    )
    duplicate = runner.invoke(
        app,
        ["users", "create-admin", "--email", "admin@example.com", "--password", "another long one"],
    )
    short = runner.invoke(
        app, ["users", "create-admin", "--email", "x@example.com", "--password", "short"]
    )

    assert created.exit_code == 0, created.output
    assert "created admin admin@example.com" in created.stdout
    assert duplicate.exit_code == 1
    assert "exists already" in duplicate.stderr
    assert short.exit_code == 2
    assert "password" in short.stderr


def test_audit_prune_removes_old_events(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import timedelta

    from synthfoundry.audit.models import AuditEvent
    from synthfoundry.db import Database, utcnow

    monkeypatch.setenv("SYNTHFOUNDRY_DATABASE__URL", database_url)
    runner.invoke(app, ["db", "upgrade"])
    database = Database.connect(database_url)
    with database.unit_of_work() as session:
        for age_days in (400, 10):
            session.add(
                AuditEvent(
                    action="test.event",
                    actor_type="system",
                    occurred_at=utcnow() - timedelta(days=age_days),
                )
            )
    database.dispose()

    result = runner.invoke(app, ["audit", "prune"])

    assert result.exit_code == 0
    assert "removed 1 audit events older than 365 days" in result.stdout
