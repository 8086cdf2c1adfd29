from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import settings as hypothesis_settings
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from synthfoundry.api import create_app
from synthfoundry.config import DatabaseSettings, Settings
from synthfoundry.db import Database, migrate
from tests.support.postgres import PostgresCluster, find_postgres_bin

POSTGRES_URL_ENV = "SYNTHFOUNDRY_TEST_POSTGRES_URL"
REQUIRE_POSTGRES_ENV = "SYNTHFOUNDRY_TEST_REQUIRE_POSTGRES"
FAST_EXIT_ENV = "SYNTHFOUNDRY_TEST_FAST_EXIT"

# `make test` runs the property tests on the examples derived from each test's name: a gate
# that passes or fails the same way every time. Developers keep Hypothesis' random search and
# its example database (the default profile), which is where new failures are found.
hypothesis_settings.register_profile("gate", derandomize=True, database=None, print_blob=True)


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep a developer's SYNTHFOUNDRY_* variables and .env file out of the tests."""
    for name in list(os.environ):
        if name.startswith("SYNTHFOUNDRY_") and not name.startswith("SYNTHFOUNDRY_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session", autouse=True)
def _job_fork_server() -> None:
    """Start the local backend's fork server at once: its preload (torch, diffusers, every job
    kind) then runs beside the first tests instead of delaying the first job by ~15 s."""
    from multiprocessing import forkserver

    from synthfoundry.jobs.backends.local import configure_forkserver

    configure_forkserver()
    forkserver.ensure_running()


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster | None]:
    bin_dir = find_postgres_bin()
    if bin_dir is None:
        yield None
        return
    cluster = PostgresCluster(bin_dir)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture(scope="session")
def postgres_admin_url(postgres_cluster: PostgresCluster | None) -> str:
    if url := os.environ.get(POSTGRES_URL_ENV):
        return url
    if postgres_cluster is None:
        if os.environ.get(REQUIRE_POSTGRES_ENV) == "1":
            pytest.fail("PostgreSQL server binaries not found; `make test` installs them")
        pytest.skip("PostgreSQL is not installed here; `make test` installs it")
    return postgres_cluster.admin_url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a new database in the test cluster."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    admin_url: str = request.getfixturevalue("postgres_admin_url")
    name = f"test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    database = Database.connect(database_url)
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture
def migrated_database(database: Database) -> Database:
    migrate.upgrade(database)
    return database


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "data",
        database=DatabaseSettings(url=database_url),
    )


@pytest.fixture
def client(settings: Settings, migrated_database: Database) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


_exit_status: list[int] = []


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _exit_status.append(int(exitstatus))


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """Leave without the interpreter's own teardown: with torch, diffusers and thousands of
    test objects loaded, its final garbage collection took two minutes of every run. Every
    fixture has been torn down and the summary printed by now."""
    in_xdist_worker = hasattr(config, "workerinput")
    if _exit_status and os.environ.get(FAST_EXIT_ENV) == "1" and not in_xdist_worker:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_exit_status[-1])
