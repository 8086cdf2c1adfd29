"""The Celery backend with a real Redis broker and real worker processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from synthfoundry.api import create_app
from synthfoundry.config import DatabaseSettings, EventsSettings, JobsSettings, Settings
from synthfoundry.db import Database
from synthfoundry.storage import BlobStore
from tests.support.accounts import Account, signed_in
from tests.support.redis import RedisServer, redis_available
from tests.support.training import (
    assert_resumed_from_last_checkpoint,
    attempt_folder_exists,
    start_training,
    wait_for_epochs,
    wait_until_over,
)

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
    # Each test gets its own Redis database number, so that leftover messages cannot leak.
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


def _environment(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "SYNTHFOUNDRY_DATA_DIR": str(settings.data_dir),
        "SYNTHFOUNDRY_DATABASE__URL": settings.database_url,
        "SYNTHFOUNDRY_JOBS__BACKEND": "celery",
        "SYNTHFOUNDRY_JOBS__BROKER_URL": settings.jobs.broker_url,
        "SYNTHFOUNDRY_JOBS__HEARTBEAT_SECONDS": str(settings.jobs.heartbeat_seconds),
        "SYNTHFOUNDRY_JOBS__LEASE_SECONDS": str(settings.jobs.lease_seconds),
        "SYNTHFOUNDRY_EVENTS__URL": settings.events.url,
    }


class Worker:
    def __init__(self, settings: Settings, log_path: Path | None = None) -> None:
        executable = Path(sys.executable).parent / "synthfoundry"
        log = log_path.open("wb") if log_path else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [executable, "worker", "--queues", "cpu", "--concurrency", "1"],
            env={**_environment(settings), "SYNTHFOUNDRY_LOGGING__FORMAT": "json"},
            stdout=log,
            stderr=log,
            start_new_session=True,  # its own process group: the test can kill it whole
        )

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def workers(celery_settings: Settings) -> Iterator[list[Worker]]:
    started: list[Worker] = []
    yield started
    for worker in started:
        worker.stop()


def wait_job(
    client: TestClient, account: Account, job_id: str, predicate: Any, seconds: float = 60
) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        job: dict[str, Any] = client.get(f"/v1/jobs/{job_id}", headers=account.headers).json()
        if predicate(job):
            return job
        assert time.monotonic() < deadline, f"timed out; job is {job['status']}"
        time.sleep(0.1)


def test_a_celery_worker_runs_the_job(
    celery_settings: Settings, migrated_database: Database, workers: list[Worker], tmp_path: Path
) -> None:
    log_path = tmp_path / "worker.log"
    workers.append(Worker(celery_settings, log_path))
    with TestClient(create_app(celery_settings)) as client:
        admin = signed_in(client, migrated_database, "root@example.com", is_admin=True)
        job = client.post(
            "/v1/jobs/diagnostics", json={"steps": 3, "step_seconds": 0.01}, headers=admin.headers
        ).json()

        done = wait_job(client, admin, job["id"], lambda j: j["status"] == "succeeded")

    assert done["worker_id"].startswith("celery:")
    assert done["attempt"] == 1
    # The worker logs as the settings say (JSON lines at their own level), Celery's lines too;
    # only Celery's start-up banner stays plain text.
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line[:1] == "{"]
    started = [line for line in lines if line["event"] == "job started"]
    assert [(line["level"], line["job_id"]) for line in started] == [("info", job["id"])]
    assert any(line["logger"].startswith("celery") for line in lines)


def test_killing_the_worker_mid_job_runs_it_again_exactly_once(
    celery_settings: Settings, migrated_database: Database, workers: list[Worker]
) -> None:
    first = Worker(celery_settings)
    workers.append(first)
    with TestClient(create_app(celery_settings)) as client:
        admin = signed_in(client, migrated_database, "root@example.com", is_admin=True)
        job = client.post(
            "/v1/jobs/diagnostics", json={"steps": 40, "step_seconds": 0.05}, headers=admin.headers
        ).json()
        wait_job(client, admin, job["id"], lambda j: j["progress"].get("completed", 0) >= 5)

        first.kill()
        killed_at = time.monotonic()
        workers.append(Worker(celery_settings))
        done = wait_job(client, admin, job["id"], lambda j: j["status"] in ("succeeded", "failed"))
        recovered_in = time.monotonic() - killed_at
        statuses = [
            event["data"]["status"]
            for event in _all_events(client, admin, job["id"])
            if event["event"] == "status"
        ]

    assert done["status"] == "succeeded"
    assert done["attempt"] == 2
    assert done["result"]["resumed_from"] >= 5
    assert statuses.count("succeeded") == 1
    assert statuses == ["queued", "running", "queued", "running", "succeeded"]
    assert recovered_in < 60


def test_a_killed_celery_training_resumes_from_its_last_checkpoint(
    celery_settings: Settings, migrated_database: Database, workers: list[Worker]
) -> None:
    first = Worker(celery_settings)
    workers.append(first)
    with TestClient(create_app(celery_settings)) as client:
        owner = signed_in(client, migrated_database, "owner@example.com")
        job_id = start_training(client, owner)
        running = wait_for_epochs(client, owner, job_id, 3, seconds=120)
        assert attempt_folder_exists(job_id, 1)

        first.kill()
        workers.append(Worker(celery_settings))
        done = wait_until_over(client, owner, job_id, seconds=120)

        storage = BlobStore.from_settings(celery_settings.storage_url, celery_settings.storage)
        epoch = assert_resumed_from_last_checkpoint(
            migrated_database, storage, done, running["progress"]["completed"]
        )
    assert epoch >= 2


def _all_events(client: TestClient, account: Account, job_id: str) -> list[dict[str, Any]]:
    with client.websocket_connect(f"/v1/jobs/{job_id}/events") as socket:
        socket.send_json({"type": "auth", "token": account.access_token, "after_seq": 0})
        events = []
        while True:
            message = socket.receive_json()
            events.append(message)
            if message["event"] == "status" and message["data"]["status"] in (
                "succeeded",
                "failed",
            ):
                return events
