from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from synthfoundry.api import create_app
from synthfoundry.config import Settings
from synthfoundry.db import Database
from tests.support.accounts import create_key, signed_in
from tests.support.server import running_server

TABULAR_SCOPES = [
    f"{resource}:write"
    for resource in ("datasets", "generators", "synthetic-datasets", "reports", "jobs")
]


@pytest.fixture(autouse=True)
def config_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A login stored by a test stays in the test (and a developer's own is never read)."""
    folder = tmp_path / "config"
    monkeypatch.setenv("SYNTHFOUNDRY_CONFIG_DIR", str(folder))
    return folder


@pytest.fixture
def server(settings: Settings, migrated_database: Database) -> Iterator[tuple[str, str]]:
    """A live server on loopback and an API key that can run the tabular path."""
    application = create_app(settings)
    with running_server(application) as base_url, TestClient(application) as helper:
        account = signed_in(helper, migrated_database, "client@example.com")
        yield base_url, create_key(helper, account, TABULAR_SCOPES)["secret"]
