from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from synthfoundry.api import create_app
from synthfoundry.config import Settings
from synthfoundry.db import Database
from tests.support.server import running_server


@pytest.fixture(autouse=True)
def config_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A login stored by a test stays in the test (and a developer's own is never read)."""
    folder = tmp_path / "config"
    monkeypatch.setenv("SYNTHFOUNDRY_CONFIG_DIR", str(folder))
    return folder


@pytest.fixture
def live_server(settings: Settings, migrated_database: Database) -> Iterator[str]:
    """A real server on loopback; users are made with ``tests.support.accounts.create_user``."""
    with running_server(create_app(settings)) as base_url:
        yield base_url
