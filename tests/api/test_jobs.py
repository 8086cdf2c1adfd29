"""Jobs over HTTP and WebSocket with the local backend: real child processes, real kills."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from fastapi.testclient import TestClient

from synthfoundry.api import create_app
from synthfoundry.config import DatabaseSettings, JobsSettings, RateLimitSettings, Settings
from synthfoundry.db import Database, migrate
from synthfoundry.jobs.models import Job
from tests.support.accounts import Account, signed_in
from tests.support.jobs import TERMINAL, submit_steps, wait_job
from tests.support.server import running_server


def job_settings(tmp_path: Path, database_url: str, **jobs: Any) -> Settings:
    defaults: dict[str, Any] = {
        "heartbeat_seconds": 0.2,
        "lease_seconds": 2.0,
        "concurrency": 2,
        "reaper_interval_seconds": 0.5,
        "max_active_per_user": 100,
    }
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "data",
        database=DatabaseSettings(url=database_url),
        jobs=JobsSettings(**{**defaults, **jobs}),
        rate_limits=RateLimitSettings(jobs="1000/minute"),
    )


@pytest.fixture
def admin(client: TestClient, migrated_database: Database) -> Account:
    return signed_in(client, migrated_database, "root@example.com", is_admin=True)


def start_job(client: TestClient, account: Account, **body: Any) -> dict[str, Any]:
    response = client.post("/v1/jobs/diagnostics", json=body, headers=account.headers)
    assert response.status_code == 202, response.text
    assert response.headers["location"] == f"/v1/jobs/{response.json()['id']}"
    job: dict[str, Any] = response.json()
    return job


def test_job_runs_in_a_child_process_and_reports(client: TestClient, admin: Account) -> None:
    job = start_job(client, admin, steps=4, step_seconds=0.01)
    done = wait_job(client, admin, job["id"])
    logs = client.get(f"/v1/jobs/{job['id']}/logs", headers=admin.headers).json()
    listed = client.get("/v1/jobs?status=succeeded&kind=system.steps", headers=admin.headers).json()

    assert done["status"] == "succeeded"
    assert done["result"]["executed"] == [0, 1, 2, 3]
    assert int(done["worker_id"].rsplit(":", 1)[1]) != os.getpid()
    assert [line["data"]["message"] for line in logs] == ["attempt 1 starts at step 0"]
    assert [item["id"] for item in listed["items"]] == [job["id"]]


def test_cancel_pause_and_resume_over_http(client: TestClient, admin: Account) -> None:
    cancelled = start_job(client, admin, steps=500, step_seconds=0.02)
    paused = start_job(client, admin, steps=150, step_seconds=0.02)
    for job in (cancelled, paused):
        wait_job(client, admin, job["id"], {"running"})
    # Paused once it has taken a checkpoint (a step), however slowly its process started.
    deadline = time.monotonic() + 30
    while (
        client.get(f"/v1/jobs/{paused['id']}", headers=admin.headers)
        .json()["progress"]
        .get("completed", 0)
        < 1
    ):
        assert time.monotonic() < deadline, "the job made no step"
        time.sleep(0.05)

    assert (
        client.post(f"/v1/jobs/{cancelled['id']}/cancel", headers=admin.headers).json()["status"]
        == "cancelling"
    )
    assert (
        client.post(f"/v1/jobs/{paused['id']}/pause", headers=admin.headers).json()["status"]
        == "pausing"
    )
    assert wait_job(client, admin, cancelled["id"], seconds=5)["status"] == "cancelled"
    assert wait_job(client, admin, paused["id"], {"paused"}, seconds=5)["status"] == "paused"
    refused = client.post(f"/v1/jobs/{cancelled['id']}/resume", headers=admin.headers)
    resumed = client.post(f"/v1/jobs/{paused['id']}/resume", headers=admin.headers)
    done = wait_job(client, admin, paused["id"])

    assert refused.status_code == 409
    assert refused.json()["code"] == "invalid_state"
    assert resumed.json()["status"] == "queued"
    assert done["status"] == "succeeded"
    assert done["result"]["resumed_from"] > 0
    assert done["result"]["executed"] == list(range(150))


def test_killed_child_is_detected_and_the_job_succeeds_once(
    client: TestClient, admin: Account
) -> None:
    job = start_job(client, admin, steps=40, step_seconds=0.05)
    running = wait_job(client, admin, job["id"], {"running"})
    while running["worker_id"] is None or running["progress"].get("completed", 0) < 5:
        time.sleep(0.05)
        running = client.get(f"/v1/jobs/{job['id']}", headers=admin.headers).json()
    killed_at = time.monotonic()

    os.kill(int(running["worker_id"].rsplit(":", 1)[1]), signal.SIGKILL)
    done = wait_job(client, admin, job["id"])

    assert done["status"] == "succeeded"
    assert done["attempt"] == 2
    assert done["retries"] == 1
    assert done["result"]["resumed_from"] >= 5
    assert sorted(set(done["result"]["executed"])) == list(range(40))
    assert time.monotonic() - killed_at < 20


def test_a_job_that_kills_its_worker_every_time_fails(
    client: TestClient, admin: Account, migrated_database: Database
) -> None:
    # exit_at_step is not in the public diagnostic body: the job is made through the service
    job_id = submit_steps(
        migrated_database, admin.id, is_admin=True, steps=3, step_seconds=0, exit_at_step=1
    )
    done = wait_job(client, admin, str(job_id))

    assert done["status"] == "failed"
    assert done["attempt"] <= 3
    assert done["error"]["code"] == "worker_lost"


def test_other_users_jobs_are_invisible(
    client: TestClient, admin: Account, migrated_database: Database
) -> None:
    job = start_job(client, admin, steps=1, step_seconds=0)
    other = signed_in(client, migrated_database, "other@example.com")

    for method, path in [
        ("GET", ""),
        ("POST", "/cancel"),
        ("POST", "/pause"),
        ("POST", "/resume"),
        ("GET", "/logs"),
    ]:
        response = client.request(method, f"/v1/jobs/{job['id']}{path}", headers=other.headers)
        assert response.status_code == 404, path
    assert client.get("/v1/jobs", headers=other.headers).json()["items"] == []
    assert client.post("/v1/jobs/diagnostics", json={}, headers=other.headers).status_code == 403


def test_offset_skips_jobs_after_the_cursor(
    client: TestClient, admin: Account, migrated_database: Database
) -> None:
    ids = [
        str(submit_steps(migrated_database, admin.id, is_admin=True, steps=1, step_seconds=0))
        for _ in range(5)
    ]
    newest_first = ids[::-1]

    def listed(query: str) -> dict[str, Any]:
        response = client.get(f"/v1/jobs?kind=system.steps&{query}", headers=admin.headers)
        assert response.status_code == 200, response.text
        page: dict[str, Any] = response.json()
        return page

    second_page = listed("limit=2&offset=2")
    after_cursor = listed(f"limit=2&offset=1&cursor={listed('limit=1')['next_cursor']}")

    assert [job["id"] for job in second_page["items"]] == newest_first[2:4]
    assert listed(f"limit=2&cursor={second_page['next_cursor']}")["items"][0]["id"] == ids[0]
    assert [job["id"] for job in after_cursor["items"]] == newest_first[2:4]
    assert listed("offset=5")["items"] == []
    refused = client.get("/v1/jobs?offset=-1", headers=admin.headers)
    assert refused.status_code == 422
    assert "offset" in refused.text


def test_restart_with_50_queued_jobs_loses_none(tmp_path: Path, database_url: str) -> None:
    database = Database.connect(database_url)
    migrate.upgrade(database)
    stopped = job_settings(tmp_path, database_url, concurrency=0)
    with TestClient(create_app(stopped)) as client:
        admin = signed_in(client, database, "root@example.com", is_admin=True)
        ids = [start_job(client, admin, steps=1, step_seconds=0)["id"] for _ in range(50)]

    # A lease long enough that a loaded machine's slow child start is not taken for a lost
    # worker: this test is about the restart, not about lease expiry.
    restarted = job_settings(tmp_path, database_url, concurrency=2, lease_seconds=15.0)
    with TestClient(create_app(restarted)) as client:
        token = client.post(
            "/v1/auth/token", data={"username": admin.email, "password": admin.password}
        )
        admin.access_token = token.json()["access_token"]
        finished = [wait_job(client, admin, job_id, seconds=120) for job_id in ids]
    database.dispose()

    assert [job["status"] for job in finished] == ["succeeded"] * 50
    assert {job["attempt"] for job in finished} == {1}


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[str, Account, TestClient]]:
    url = f"sqlite:///{tmp_path / 'live.db'}"
    database = Database.connect(url)
    migrate.upgrade(database)
    app = create_app(job_settings(tmp_path, url))
    with running_server(app) as base_url, TestClient(app) as helper:
        admin = signed_in(helper, database, "root@example.com", is_admin=True)
        yield base_url, admin, helper
    database.dispose()


async def _collect(
    ws_url: str,
    token: str,
    after_seq: int | None = None,
    connected: asyncio.Semaphore | None = None,
) -> list[dict[str, Any]]:
    """Every message of one job's socket until the job ends (`connected` is released on the
    snapshot)."""
    received: list[dict[str, Any]] = []
    auth: dict[str, Any] = {"type": "auth", "token": token}
    if after_seq is not None:
        auth["after_seq"] = after_seq
    async with websockets.connect(ws_url) as socket:
        await socket.send(json.dumps(auth))
        while True:
            message = json.loads(await asyncio.wait_for(socket.recv(), 30))
            received.append(message)
            if message.get("type") == "snapshot" and connected is not None:
                connected.release()
            if message.get("type") == "snapshot" and message["job"]["status"] in TERMINAL:
                return received  # connected after the end: nothing more will come
            if message.get("event") == "status" and message["data"]["status"] in TERMINAL:
                return received


def test_twenty_websocket_clients_each_receive_every_event_in_order(
    live: tuple[str, Account, TestClient],
) -> None:
    base_url, admin, _helper = live
    http = httpx.Client(base_url=base_url, headers=admin.headers)
    # Runs until cancelled once every client has its snapshot and a few more events have passed,
    # so no client can connect after the end however slow the machine is.
    job = http.post("/v1/jobs/diagnostics", json={"steps": 6000, "step_seconds": 0.05}).json()
    ws_url = base_url.replace("http", "ws") + f"/v1/jobs/{job['id']}/events"

    async def all_clients() -> list[list[dict[str, Any]]]:
        connected = asyncio.Semaphore(0)
        clients = [
            asyncio.create_task(_collect(ws_url, admin.access_token, connected=connected))
            for _ in range(20)
        ]
        for _ in clients:
            await asyncio.wait_for(connected.acquire(), 60)
        await asyncio.sleep(0.5)
        async with httpx.AsyncClient(base_url=base_url, headers=admin.headers) as async_http:
            cancelled = await async_http.post(f"/v1/jobs/{job['id']}/cancel")
            assert cancelled.status_code == 202, cancelled.text
        return list(await asyncio.gather(*clients))

    streams = asyncio.run(all_clients())

    for stream in streams:
        snapshot, events = stream[0], stream[1:]
        assert snapshot["type"] == "snapshot"
        assert snapshot["job"]["status"] not in TERMINAL
        assert [event["seq"] for event in events] == list(
            range(snapshot["seq"] + 1, events[-1]["seq"] + 1)
        )
    assert len({json.dumps(stream[-1]) for stream in streams}) == 1
    replay = asyncio.run(_collect(ws_url, admin.access_token, after_seq=0))
    assert [event["seq"] for event in replay] == list(range(1, streams[0][-1]["seq"] + 1))


def test_websocket_refuses_bad_auth_other_users_and_foreign_origins(
    live: tuple[str, Account, TestClient], tmp_path: Path
) -> None:
    base_url, admin, helper = live
    job = helper.post("/v1/jobs/diagnostics", json={"steps": 1}, headers=admin.headers).json()
    ws_url = base_url.replace("http", "ws") + f"/v1/jobs/{job['id']}/events"
    database = helper.app.state.synthfoundry.database  # type: ignore[attr-defined]
    other = signed_in(helper, database, "other@example.com")

    async def close_code(first: str | None, origin: str | None = None) -> int | None:
        headers = {"Origin": origin} if origin else None
        async with websockets.connect(ws_url, additional_headers=headers) as socket:
            if first is not None:
                await socket.send(first)
            try:
                await asyncio.wait_for(socket.recv(), 10)
                await asyncio.wait_for(socket.recv(), 10)
            except websockets.ConnectionClosed as closed:
                return closed.rcvd.code if closed.rcvd else None
        return None

    assert asyncio.run(close_code(json.dumps({"type": "auth", "token": "forged"}))) == 1008
    assert asyncio.run(close_code("not json")) == 1008
    assert (
        asyncio.run(close_code(json.dumps({"type": "auth", "token": other.access_token}))) == 1008
    )
    with pytest.raises(websockets.InvalidStatus):
        asyncio.run(
            close_code(
                json.dumps({"type": "auth", "token": admin.access_token}), "https://evil.example"
            )
        )


def test_all_jobs_socket_streams_the_callers_jobs(live: tuple[str, Account, TestClient]) -> None:
    base_url, admin, helper = live

    async def listen() -> list[dict[str, Any]]:
        async with websockets.connect(base_url.replace("http", "ws") + "/v1/jobs/events") as socket:
            await socket.send(json.dumps({"type": "auth", "token": admin.access_token}))
            assert json.loads(await socket.recv()) == {"type": "subscribed"}
            await socket.send(json.dumps({"type": "ping"}))
            await asyncio.to_thread(
                helper.post,
                "/v1/jobs/diagnostics",
                json={"steps": 2, "step_seconds": 0},
                headers=admin.headers,
            )
            received = []
            while True:
                message = json.loads(await asyncio.wait_for(socket.recv(), 20))
                received.append(message)
                if message.get("event") == "status" and message["data"]["status"] == "succeeded":
                    return received

    messages = asyncio.run(listen())

    assert messages[0] == {"type": "pong"}
    assert {message["job_id"] for message in messages[1:]} and all(
        message["type"] == "event" for message in messages[1:]
    )


def test_stopping_the_server_gives_running_jobs_back_and_a_restart_resumes_them(
    tmp_path: Path, database_url: str
) -> None:
    database = Database.connect(database_url)
    migrate.upgrade(database)
    settings = job_settings(tmp_path, database_url)
    with TestClient(create_app(settings)) as client:
        admin = signed_in(client, database, "root@example.com", is_admin=True)
        job = start_job(client, admin, steps=100, step_seconds=0.03)
        wait_job(client, admin, job["id"], {"running"})
        while (
            client.get(f"/v1/jobs/{job['id']}", headers=admin.headers)
            .json()["progress"]
            .get("completed", 0)
            < 5
        ):
            time.sleep(0.05)
    # the server stopped: its child checkpointed and gave the job back
    with database.unit_of_work() as session:
        stopped = session.get(Job, uuid.UUID(job["id"]))
        assert stopped is not None
        assert (stopped.status, stopped.retries) == ("queued", 0)

    with TestClient(create_app(settings)) as client:
        admin.access_token = login_token(client, admin)
        done = wait_job(client, admin, job["id"])
    database.dispose()

    assert done["status"] == "succeeded"
    assert done["result"]["resumed_from"] >= 5
    assert done["result"]["executed"] == list(range(100))


def login_token(client: TestClient, account: Account) -> str:
    response = client.post(
        "/v1/auth/token", data={"username": account.email, "password": account.password}
    )
    token: str = response.json()["access_token"]
    return token
