from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from synthfoundry.api import create_app
from synthfoundry.config import DatabaseSettings, Settings
from synthfoundry.db import Database, migrate
from tests.support.postgres import PostgresCluster, find_postgres_bin


def test_healthz_and_readyz_answer_on_each_database(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}

    ready = client.get("/readyz")

    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checks": {"database": "ok", "storage": "ok"}}


@pytest.fixture
def own_postgres() -> Iterator[PostgresCluster]:
    """A cluster of this test's own, which it may stop without harming other tests."""
    bin_dir = find_postgres_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed here; `make test` installs it")
    cluster = PostgresCluster(bin_dir)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.destroy()


@pytest.mark.postgres
def test_stopped_postgres_makes_readyz_503_naming_the_database(
    own_postgres: PostgresCluster, tmp_path: Path
) -> None:
    url = own_postgres.url_for("postgres")
    database = Database.connect(url)
    migrate.upgrade(database)
    database.dispose()
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path,
        database=DatabaseSettings(url=url, connect_timeout_seconds=2),
    )

    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        assert client.get("/readyz").status_code == 200

        own_postgres.stop()
        not_ready = client.get("/readyz")
        about = client.get("/v1/about")

        assert not_ready.status_code == 503
        assert not_ready.headers["content-type"] == "application/problem+json"
        body = not_ready.json()
        assert body["code"] == "service_unavailable"
        assert "database" in body["detail"]
        assert body["checks"]["database"] != "ok"
        assert body["checks"]["storage"] == "ok"
        assert "127.0.0.1" not in not_ready.text
        assert about.status_code == 503  # an outage is a 503, never a 500
        assert about.json()["code"] == "service_unavailable"

        own_postgres.start()
        assert client.get("/readyz").status_code == 200
        assert client.get("/v1/about").status_code == 200


def test_missing_storage_root_makes_readyz_503_naming_storage(
    sqlite_client: TestClient, tmp_path: Path
) -> None:
    shutil.rmtree(tmp_path / "data" / "blobs")

    response = sqlite_client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": "ok",
        "storage": "unreachable (FileNotFoundError)",
    }
    assert str(tmp_path) not in response.text


def test_app_refuses_to_start_on_an_old_schema(tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path,
    )

    with (
        pytest.raises(Exception, match="synthfoundry db upgrade"),
        TestClient(create_app(settings)),
    ):
        pass
