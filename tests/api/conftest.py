from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from synthfoundry.api import create_app
from synthfoundry.config import DatabaseSettings, ServerSettings, Settings
from synthfoundry.db import Database, migrate


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "data",
        database=DatabaseSettings(url=f"sqlite:///{tmp_path / 'api.db'}"),
        server=ServerSettings(max_body_bytes=64 * 1024),
    )


@pytest.fixture
def sqlite_app(sqlite_settings: Settings) -> FastAPI:
    database = Database.connect(sqlite_settings.database_url)
    migrate.upgrade(database)
    database.dispose()
    return create_app(sqlite_settings)


@pytest.fixture
def sqlite_client(sqlite_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(sqlite_app, raise_server_exceptions=False) as client:
        yield client
