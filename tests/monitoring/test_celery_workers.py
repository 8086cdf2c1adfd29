"""A real Celery worker in the worker registry: it registers, its running job is listed, and a
clean stop removes it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from synthfoundry.api import create_app
from synthfoundry.config import DatabaseSettings, EventsSettings, JobsSettings, Settings
from synthfoundry.db import Database
from tests.jobs.test_celery import Worker
from tests.support.accounts import Account, signed_in
from tests.support.jobs import wait_job
from tests.support.redis import RedisServer, redis_available

pytestmark = pytest.mark.skipif(
    not redis_available(), reason="redis-server is not installed; `make test` installs it"
)


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def celery_settings(tmp_path: Path, database_url: str, redis_server: RedisServer) -> Settings:
    broker = redis_server.url.rsplit("/", 1)[0] + f"/{abs(hash(tmp_path)) % 15 + 1}"
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "data",
        database=DatabaseSettings(url=database_url),
        jobs=JobsSettings(
            backend="celery",
            broker_url=broker,
            heartbeat_seconds=0.3,
            lease_seconds=2.0,
            reaper_interval_seconds=0.5,
            queues=["cpu"],
        ),
        events=EventsSettings(url=broker),
    )


def poll(
    client: TestClient, account: Account, until: Callable[[list[dict[str, Any]]], bool]
) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 60
    while True:
        items: list[dict[str, Any]] = client.get(
            "/v1/monitoring/workers", headers=account.headers
        ).json()["items"]
        if until(items):
            return items
        assert time.monotonic() < deadline, items
        time.sleep(0.1)


def test_a_celery_worker_registers_lists_its_job_and_leaves_when_stopped(
    celery_settings: Settings, migrated_database: Database
) -> None:
    worker = Worker(celery_settings)
    try:
        with TestClient(create_app(celery_settings)) as client:
            admin = signed_in(client, migrated_database, "root@example.com", is_admin=True)
            (registered,) = poll(client, admin, lambda items: len(items) == 1)
            job = client.post(
                "/v1/jobs/diagnostics",
                json={"steps": 60, "step_seconds": 0.05},
                headers=admin.headers,
            ).json()
            (running,) = poll(client, admin, lambda items: bool(items[0]["running_jobs"]))
            wait_job(client, admin, job["id"], seconds=60)

            worker.stop()
            remaining = poll(client, admin, lambda items: items == [])
    finally:
        worker.stop()

    assert registered["id"] == f"celery:{registered['host']}:{worker.process.pid}"
    assert (registered["backend"], registered["queues"], registered["concurrency"]) == (
        "celery",
        ["cpu"],
        1,
    )
    assert registered["stale"] is False
    (held,) = running["running_jobs"]
    assert held["id"] == job["id"]
    assert held["worker_id"].startswith(f"{registered['id']}:")
    assert remaining == []
