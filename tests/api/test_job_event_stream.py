"""GET /v1/jobs/{id}/events/stream: a job's events as Server-Sent Events, in order, to its owner."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from synthfoundry.api import create_app
from synthfoundry.config import DatabaseSettings, JobsSettings, RateLimitSettings, Settings
from synthfoundry.db import Database
from tests.support.accounts import Account, create_key, signed_in
from tests.support.server import running_server

TERMINAL = {"succeeded", "failed", "cancelled"}


@pytest.fixture
def live(
    tmp_path: Path, database_url: str, migrated_database: Database
) -> Iterator[tuple[httpx.Client, Account, Account]]:
    """A server running jobs, an HTTP client for it, an admin and another user."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "data",
        database=DatabaseSettings(url=database_url),
        jobs=JobsSettings(max_active_per_user=100, progress_interval_seconds=0),
        rate_limits=RateLimitSettings(jobs="1000/minute"),
    )
    with running_server(create_app(settings)) as base_url, httpx.Client(base_url=base_url) as http:
        admin = signed_in(http, migrated_database, "root@example.com", is_admin=True)
        other = signed_in(http, migrated_database, "other@example.com")
        yield http, admin, other


def start_job(http: httpx.Client, admin: Account, steps: int, step_seconds: float) -> str:
    response = http.post(
        "/v1/jobs/diagnostics",
        json={"steps": steps, "step_seconds": step_seconds},
        headers=admin.headers,
    )
    assert response.status_code == 202, response.text
    job_id: str = response.json()["id"]
    return job_id


def server_sent(
    http: httpx.Client, job_id: str, headers: dict[str, str], **params: Any
) -> list[dict[str, Any]]:
    """Every event of one stream as ``{event, id, data}``, until the server ends it."""
    events: list[dict[str, Any]] = []
    fields: dict[str, Any] = {}
    url = f"/v1/jobs/{job_id}/events/stream"
    with http.stream("GET", url, params=params, headers=headers, timeout=30) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith(":"):
                continue  # a keep-alive
            if line:
                name, _, value = line.partition(": ")
                fields[name] = json.loads(value) if name == "data" else value
            elif fields:
                events.append(fields)
                fields = {}
    return events


def finished(http: httpx.Client, account: Account, job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while True:
        job: dict[str, Any] = http.get(f"/v1/jobs/{job_id}", headers=account.headers).json()
        if job["status"] in TERMINAL:
            return job
        assert time.monotonic() < deadline, f"job stuck in {job['status']}"
        time.sleep(0.05)


def test_a_snapshot_then_every_event_in_order_until_the_job_ends(
    live: tuple[httpx.Client, Account, Account],
) -> None:
    http, admin, _other = live
    job_id = start_job(http, admin, steps=20, step_seconds=0.05)

    events = server_sent(http, job_id, admin.headers)

    snapshot, changes = events[0], events[1:]
    assert snapshot["event"] == "snapshot" and snapshot["data"]["type"] == "snapshot"
    assert snapshot["data"]["job"]["id"] == job_id
    assert snapshot["id"] == str(snapshot["data"]["seq"])
    assert {change["event"] for change in changes} == {"event"}
    assert [int(change["id"]) for change in changes] == [
        change["data"]["seq"] for change in changes
    ]
    assert [change["data"]["seq"] for change in changes] == list(
        range(snapshot["data"]["seq"] + 1, changes[-1]["data"]["seq"] + 1)
    )
    assert {"progress", "stage", "status"} <= {change["data"]["event"] for change in changes}
    assert changes[-1]["data"]["event"] == "status"
    assert changes[-1]["data"]["data"]["status"] == "succeeded"
    assert changes[-1]["data"]["seq"] == finished(http, admin, job_id)["last_event_seq"]


def test_after_seq_and_last_event_id_replay_what_was_missed(
    live: tuple[httpx.Client, Account, Account],
) -> None:
    http, admin, _other = live
    job_id = start_job(http, admin, steps=3, step_seconds=0)
    last = finished(http, admin, job_id)["last_event_seq"]

    replay = server_sent(http, job_id, admin.headers, after_seq=0)
    resumed = server_sent(http, job_id, {**admin.headers, "Last-Event-ID": str(last - 2)})

    assert [event["data"]["seq"] for event in replay] == list(range(1, last + 1))
    assert [event["data"]["seq"] for event in resumed] == [last - 1, last]
    assert server_sent(http, job_id, admin.headers, after_seq=last) == []  # nothing will come
    over = server_sent(http, job_id, admin.headers)
    assert len(over) == 1 and over[0]["data"]["job"]["status"] == "succeeded"


def test_the_stream_needs_credentials_and_hides_other_users_jobs(
    live: tuple[httpx.Client, Account, Account],
) -> None:
    http, admin, other = live
    job_id = start_job(http, admin, steps=1, step_seconds=0)
    url = f"/v1/jobs/{job_id}/events/stream"
    no_jobs_scope = create_key(http, admin, ["datasets:read"])

    anonymous = http.get(url)
    foreign = http.get(url, headers=other.headers)
    missing = http.get(
        "/v1/jobs/01a20000-0000-7000-8000-000000000000/events/stream", headers=admin.headers
    )
    unscoped = http.get(url, headers={"Authorization": f"Bearer {no_jobs_scope['secret']}"})

    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"] == "application/problem+json"
    assert foreign.status_code == 404 and foreign.json()["code"] == "not_found"
    assert foreign.json()["detail"].replace(job_id, "ID") == missing.json()["detail"].replace(
        "01a20000-0000-7000-8000-000000000000", "ID"
    )
    assert unscoped.status_code == 403
