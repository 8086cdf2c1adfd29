"""Monitoring over HTTP with the local backend: figures, workers, Prometheus gauges, and the
worker registry's heartbeat rules."""

from __future__ import annotations

import os
import socket
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from synthfoundry.accounts.actor import system_actor
from synthfoundry.accounts.scopes import scopes_for_role
from synthfoundry.api import create_app
from synthfoundry.config import DatabaseSettings, JobsSettings, RateLimitSettings, Settings
from synthfoundry.db import Database, utcnow
from synthfoundry.jobs import service, workers
from synthfoundry.jobs.diagnostics import StepsParams
from synthfoundry.jobs.models import Job
from synthfoundry.jobs.states import Status
from tests.support.accounts import Account, create_user, signed_in
from tests.support.jobs import wait_job

DISPATCHER_ID = f"local:{socket.gethostname()}:{os.getpid()}"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "data",
        database=DatabaseSettings(url=database_url),
        jobs=JobsSettings(
            concurrency=1,
            heartbeat_seconds=0.2,
            lease_seconds=2.0,
            reaper_interval_seconds=0.5,
            max_active_per_user=100,
        ),
        rate_limits=RateLimitSettings(jobs="1000/minute"),
    )


@pytest.fixture
def admin(client: TestClient, migrated_database: Database) -> Account:
    return signed_in(client, migrated_database, "root@example.com", is_admin=True)


def get(client: TestClient, account: Account, path: str) -> dict[str, Any]:
    response = client.get(path, headers=account.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def park(database: Database, owner_id: uuid.UUID, queue: str = "parked") -> uuid.UUID:
    """A queued job in a queue no worker takes, so that it stays as the test leaves it."""
    actor = system_actor(owner_id, scopes_for_role(True))
    with database.unit_of_work(write=True) as session:
        job = service.submit(session, actor, StepsParams())
        job.queue = queue
        return job.id


def set_row(database: Database, job_id: uuid.UUID, **values: Any) -> None:
    with database.unit_of_work(write=True) as session:
        job = session.get(Job, job_id)
        assert job is not None
        for name, value in values.items():
            setattr(job, name, value)


def start_job(client: TestClient, account: Account, **body: Any) -> str:
    response = client.post("/v1/jobs/diagnostics", json=body, headers=account.headers)
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


def test_metrics_count_jobs_by_status_kind_and_queue_and_their_throughput(
    client: TestClient, admin: Account, migrated_database: Database
) -> None:
    database = migrated_database
    now = utcnow()
    queued = [park(database, admin.id) for _ in range(2)]
    finished = {
        Status.SUCCEEDED: [now - timedelta(seconds=20), now - timedelta(minutes=3)],
        Status.FAILED: [now - timedelta(minutes=30)],
        Status.CANCELLED: [now - timedelta(hours=3)],
    }
    for status, times in finished.items():
        for finished_at in times:
            set_row(database, park(database, admin.id), status=status, finished_at=finished_at)
    set_row(database, queued[1], queue="other")

    metrics = get(client, admin, "/v1/monitoring/metrics")

    jobs = metrics["jobs"]
    assert jobs["total"] == 6
    assert jobs["by_status"] == {
        "queued": 2,
        "running": 0,
        "pausing": 0,
        "paused": 0,
        "cancelling": 0,
        "succeeded": 2,
        "failed": 1,
        "cancelled": 1,
    }
    assert jobs["by_kind"] == {
        "system.steps": {
            "total": 6,
            "by_status": {"queued": 2, "succeeded": 2, "failed": 1, "cancelled": 1},
        }
    }
    # The configured queues always show; others once they hold jobs.
    assert metrics["queues"] == {
        "cpu": {"queued": 0, "running": 0},
        "gpu": {"queued": 0, "running": 0},
        "other": {"queued": 1, "running": 0},
        "parked": {"queued": 1, "running": 0},
    }
    assert metrics["throughput"] == {
        "windows": [
            {"minutes": 1, "finished": 1, "succeeded": 1, "failed": 0, "cancelled": 0},
            {"minutes": 5, "finished": 2, "succeeded": 2, "failed": 0, "cancelled": 0},
            {"minutes": 60, "finished": 3, "succeeded": 2, "failed": 1, "cancelled": 0},
        ],
        "succeeded_per_minute": 0.4,
    }
    assert metrics["workers"] == {"alive": 1, "stale": 0}
    assert metrics["connections"] == {
        "websockets": 0,
        "event_streams": 0,
        "watched_jobs": 0,
        "job_readers": 0,
        "owner_readers": 0,
    }
    host = metrics["host"]
    assert host["hostname"] == socket.gethostname()
    assert host["cpu"]["count"] == os.cpu_count()
    assert 0 <= host["cpu"]["percent"] <= 100
    memory = host["memory"]
    assert 0 < memory["process_rss_bytes"] <= memory["used_bytes"] <= memory["total_bytes"]
    assert isinstance(host["gpus"], list)
    assert datetime.fromisoformat(metrics["generated_at"]) >= now


def test_workers_show_the_local_dispatcher_its_heartbeat_and_its_running_job(
    client: TestClient, admin: Account
) -> None:
    done_id = start_job(client, admin, steps=2, step_seconds=0.01)
    assert wait_job(client, admin, done_id)["status"] == "succeeded"
    running_id = start_job(client, admin, steps=400, step_seconds=0.05)
    waiting_id = start_job(client, admin, steps=1)  # concurrency 1: it waits
    running = wait_job(client, admin, running_id, {"running"})
    deadline = time.monotonic() + 30
    while not str(running["worker_id"]).startswith(f"{DISPATCHER_ID}:"):  # its own process
        assert time.monotonic() < deadline, running["worker_id"]
        time.sleep(0.05)
        running = get(client, admin, f"/v1/jobs/{running_id}")

    listed = get(client, admin, "/v1/monitoring/workers")
    metrics = get(client, admin, "/v1/monitoring/metrics")

    (worker,) = listed["items"]
    assert listed["stale_after_seconds"] == 10.0
    assert {key: worker[key] for key in ("id", "host", "pid", "backend", "queues")} == {
        "id": DISPATCHER_ID,
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "backend": "local",
        "queues": ["cpu", "gpu"],
    }
    assert worker["concurrency"] == 1
    assert worker["stale"] is False
    heartbeat_age = utcnow() - datetime.fromisoformat(worker["heartbeat_at"])
    assert heartbeat_age < timedelta(seconds=5)
    assert [job["id"] for job in worker["running_jobs"]] == [running_id]
    assert worker["running_jobs"][0]["worker_id"] == running["worker_id"]
    assert worker["running_jobs"][0]["kind"] == "system.steps"
    assert metrics["jobs"]["by_status"]["running"] == 1
    assert metrics["jobs"]["by_status"]["queued"] == 1
    assert metrics["jobs"]["by_status"]["succeeded"] == 1
    assert metrics["queues"]["cpu"] == {"queued": 1, "running": 1}
    assert metrics["throughput"]["windows"][0]["succeeded"] == 1
    assert metrics["throughput"]["succeeded_per_minute"] == 0.2

    for job_id in (waiting_id, running_id):
        client.post(f"/v1/jobs/{job_id}/cancel", headers=admin.headers)
    assert wait_job(client, admin, running_id)["status"] == "cancelled"
    metrics = get(client, admin, "/v1/monitoring/metrics")
    assert metrics["throughput"]["windows"][0]["cancelled"] == 2
    assert metrics["queues"]["cpu"] == {"queued": 0, "running": 0}
    assert get(client, admin, "/v1/monitoring/workers")["items"][0]["running_jobs"] == []


def test_only_admins_see_monitoring(client: TestClient, migrated_database: Database) -> None:
    user = signed_in(client, migrated_database, "user@example.com")

    for path in ("/v1/monitoring/metrics", "/v1/monitoring/workers"):
        assert client.get(path, headers=user.headers).status_code == 403
        assert client.get(path).status_code == 401


def test_prometheus_metrics_carry_jobs_queues_workers_and_connections(
    client: TestClient, admin: Account, migrated_database: Database
) -> None:
    park(migrated_database, admin.id)
    with client.websocket_connect("/v1/jobs/events") as websocket:
        websocket.send_json({"type": "auth", "token": admin.access_token})
        text = client.get("/metrics").text

    assert 'synthfoundry_jobs{status="queued"} 1.0' in text
    assert 'synthfoundry_jobs{status="running"} 0.0' in text
    assert 'synthfoundry_queue_depth{queue="parked"} 1.0' in text
    assert 'synthfoundry_queue_depth{queue="cpu"} 0.0' in text
    assert 'synthfoundry_workers{state="alive"} 1.0' in text
    assert 'synthfoundry_workers{state="stale"} 0.0' in text
    assert "synthfoundry_websocket_connections 1.0" in text
    assert "synthfoundry_event_streams 0.0" in text
    assert "synthfoundry_monitoring_up 1.0" in text
    assert "synthfoundry_http_requests_total" in text  # the HTTP figures are still there


def test_a_dispatcher_registers_while_it_runs_and_is_forgotten_when_it_stops(
    settings: Settings, migrated_database: Database
) -> None:
    with TestClient(create_app(settings)) as client:
        admin = signed_in(client, migrated_database, "root@example.com", is_admin=True)
        assert [item["id"] for item in get(client, admin, "/v1/monitoring/workers")["items"]] == [
            DISPATCHER_ID
        ]

    with migrated_database.unit_of_work() as session:
        assert workers.list_workers(session, 10) == []


def worker_info(worker_id: str, **values: Any) -> workers.WorkerInfo:
    defaults: dict[str, Any] = {
        "host": "h",
        "pid": 1,
        "backend": "local",
        "queues": ("cpu",),
        "concurrency": 2,
    }
    return workers.WorkerInfo(id=worker_id, **{**defaults, **values})


def test_heartbeats_mark_silent_workers_stale_and_forget_them_after_an_hour(
    migrated_database: Database,
) -> None:
    database = migrated_database
    now = utcnow()
    workers.beat(database, worker_info("local:h:3"), now=now - timedelta(hours=2))
    started_at = now - timedelta(minutes=1)
    workers.beat(
        database, worker_info("local:h:1", started_at=started_at), now=now - timedelta(seconds=30)
    )
    workers.beat(database, worker_info("local:h:12", queues=("gpu",)), now=now)

    with database.unit_of_work() as session:
        listed = workers.list_workers(session, stale_after_seconds=10, now=now)
        counts = workers.count_workers(session, stale_after_seconds=10, now=now)
        rows = session.scalar(select(func.count()).select_from(workers.Worker))

    assert [(status.worker.id, status.stale) for status in listed] == [
        ("local:h:1", True),
        ("local:h:12", False),
    ]
    assert listed[1].worker.queues == ["gpu"]
    assert counts == (1, 1)
    assert rows == 2  # the last beat deleted the worker silent for two hours
    with database.unit_of_work() as session:
        # Where a device=cuda job can run (the synthesizer catalogue's gpu field): the live one.
        assert workers.live_workers_on_queue(session, "gpu", 10, now=now) == 1
        assert workers.live_workers_on_queue(session, "cpu", 10, now=now) == 0
        assert workers.live_workers_on_queue(session, "cpu", 60, now=now) == 1

    workers.beat(database, worker_info("local:h:1", concurrency=4), now=now)
    workers.forget(database, "local:h:12")
    with database.unit_of_work() as session:
        (status,) = workers.list_workers(session, stale_after_seconds=10, now=now)
    assert (status.worker.id, status.stale, status.worker.concurrency) == ("local:h:1", False, 4)
    assert status.worker.started_at == started_at  # the process's start, not the last beat


def test_running_jobs_are_matched_to_the_worker_whose_process_runs_them(
    migrated_database: Database,
) -> None:
    database = migrated_database
    owner_id = create_user(database, "owner@example.com")
    for worker_id in ("local:h:1", "local:h:12"):
        workers.beat(database, worker_info(worker_id))
    child = park(database, owner_id)
    set_row(database, child, status=Status.RUNNING, worker_id="local:h:1:777")
    grandchild = park(database, owner_id)
    set_row(database, grandchild, status=Status.PAUSING, worker_id=f"parent:{child}")
    other = park(database, owner_id)
    set_row(database, other, status=Status.CANCELLING, worker_id="local:h:12")
    unknown = park(database, owner_id)
    set_row(database, unknown, status=Status.RUNNING, worker_id="local:elsewhere:5:6")
    finished = park(database, owner_id)
    set_row(database, finished, status=Status.SUCCEEDED, worker_id="local:h:1:778")

    with database.unit_of_work() as session:
        listed = {
            status.worker.id: {job.id for job in status.running}
            for status in workers.list_workers(session, 10)
        }

    assert listed == {"local:h:1": {child, grandchild}, "local:h:12": {other}}
