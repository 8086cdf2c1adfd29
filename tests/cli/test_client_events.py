"""The client's wait(): it follows the job's event stream, and polls a server without one."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from synthfoundry.api import create_app
from synthfoundry.client import Client, JobFailed
from synthfoundry.client.events import apply, read_server_sent
from synthfoundry.client.progress import ProgressBar
from synthfoundry.client.schemas import Job
from synthfoundry.config import DatabaseSettings, JobsSettings, Settings
from synthfoundry.db import Database
from tests.support.accounts import signed_in
from tests.support.server import running_server


@pytest.fixture
def server(tmp_path: Path, database_url: str, migrated_database: Database) -> Iterator[str]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "data",
        database=DatabaseSettings(url=database_url),
        jobs=JobsSettings(progress_interval_seconds=0),
    )
    with running_server(create_app(settings)) as base_url:
        yield base_url


@pytest.fixture
def admin_token(server: str, migrated_database: Database) -> str:
    with httpx.Client(base_url=server) as http:
        return signed_in(http, migrated_database, "root@example.com", is_admin=True).access_token


class Requests:
    """Counts the client's requests by route: an httpx event hook."""

    def __init__(self, client: Client) -> None:
        self.seen: list[str] = []
        client.http.event_hooks["request"].append(self)

    def __call__(self, request: httpx.Request) -> None:
        self.seen.append(f"{request.method} {request.url.path}")

    def count(self, what: str) -> int:
        return self.seen.count(what)


def start_job(client: Client, steps: int, step_seconds: float) -> str:
    body = {"steps": steps, "step_seconds": step_seconds}
    job: Job = client.request("POST", "/v1/jobs/diagnostics", json=body)
    return job["id"]


class Without(httpx.BaseTransport):
    """A transport that answers 404 for one route, as a server that lacks it would."""

    def __init__(self, suffix: str) -> None:
        self.suffix = suffix
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith(self.suffix):
            problem = {"status": 404, "code": "not_found", "detail": "No such route"}
            return httpx.Response(404, json=problem, request=request)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def test_wait_follows_the_event_stream_and_drives_the_bar(
    server: str, admin_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fractions: list[float] = []
    update = ProgressBar.update

    def recording(bar: ProgressBar, job: Job) -> None:
        fractions.append(float(job.get("progress", {}).get("fraction") or 0))
        update(bar, job)

    monkeypatch.setattr(ProgressBar, "update", recording)
    with Client(server, admin_token) as client:
        job_id = start_job(client, steps=20, step_seconds=0.05)
        requests = Requests(client)
        job = client.jobs.wait(job_id, progress_bar=True, timeout=60)

    assert job["status"] == "succeeded"
    assert (job["result"] or {})["executed"] == list(range(20))
    assert requests.count(f"GET /v1/jobs/{job_id}/events/stream") == 1
    assert requests.count(f"GET /v1/jobs/{job_id}") == 1  # the result, once the job is over
    assert len(set(fractions)) > 5 and fractions == sorted(fractions)


def test_wait_resumes_a_stream_the_server_ends_early(
    server: str, admin_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("synthfoundry.api.v1.job_events.STREAM_SECONDS", 0.2)
    with Client(server, admin_token) as client:
        job_id = start_job(client, steps=20, step_seconds=0.05)
        requests = Requests(client)
        assert client.jobs.wait(job_id, timeout=60)["status"] == "succeeded"

    assert requests.count(f"GET /v1/jobs/{job_id}/events/stream") > 1
    assert requests.count(f"GET /v1/jobs/{job_id}") == 1


def test_wait_polls_a_server_without_the_event_stream(server: str, admin_token: str) -> None:
    with Client(server, admin_token, transport=Without("/events/stream")) as client:
        job_id = start_job(client, steps=10, step_seconds=0.05)
        requests = Requests(client)
        job = client.jobs.wait(job_id, timeout=60, poll_seconds=0.05)
        cancelled = start_job(client, steps=100, step_seconds=0.05)
        client.jobs.cancel(cancelled)
        with pytest.raises(JobFailed) as stopped:
            client.jobs.wait(cancelled, timeout=60, poll_seconds=0.05)

    assert job["status"] == "succeeded"
    assert requests.count(f"GET /v1/jobs/{job_id}/events/stream") == 1
    assert requests.count(f"GET /v1/jobs/{job_id}") > 1
    assert stopped.value.job["status"] == "cancelled"


def test_wait_gives_up_at_its_timeout_whether_streaming_or_polling() -> None:
    running: Job = {"id": "j1", "status": "running", "last_event_seq": 1}

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/events/stream") and "after_seq" not in request.url.params:
            snapshot = {"type": "snapshot", "seq": 1, "job": running}
            body = f"event: snapshot\nid: 1\ndata: {json.dumps(snapshot)}\n\n: keep-alive\n\n"
            return httpx.Response(200, text=body, headers={"content-type": "text/event-stream"})
        if request.url.path.endswith("/events/stream"):
            page = "<html>a proxy's page</html>"
            return httpx.Response(200, text=page, headers={"content-type": "text/html"})
        return httpx.Response(200, json=running)

    client = Client("http://test", "key", transport=httpx.MockTransport(answer))
    with client, pytest.raises(TimeoutError, match="job j1 is still running"):
        client.jobs.wait("j1", timeout=0.3, poll_seconds=0.05)


def test_server_sent_messages_and_what_they_change() -> None:
    lines = [
        ": keep-alive",
        "",
        "event: snapshot",
        "id: 3",
        'data: {"type": "snapshot", "seq": 3,',
        'data:  "job": {"id": "j", "status": "running", "stages": [{"name": "a"}]}}',
        "",
        "event: event",
        'data: {"type": "event", "job_id": "j", "seq": 4, "event": "stage", "at": "",'
        ' "data": {"stage": "a", "status": "succeeded"}}',
        "",
    ]

    keep_alive, snapshot, stage = list(read_server_sent(lines))

    assert keep_alive is None and snapshot is not None and stage is not None
    job = apply(apply(None, snapshot), stage)
    assert job == {
        "id": "j",
        "status": "running",
        "stages": [{"name": "a", "status": "succeeded"}],
        "last_event_seq": 4,
    }
    progress: dict[str, Any] = {"fraction": 0.5, "stage": "a"}
    event = {"type": "event", "job_id": "j", "seq": 5, "event": "progress", "at": ""}
    moved = apply(job, {**event, "data": progress})
    failed = apply(moved, {**event, "seq": 6, "event": "status", "data": {"status": "failed"}})
    assert moved is not None and moved["progress"] == progress
    assert failed is not None and failed["status"] == "failed" and job["status"] == "running"
