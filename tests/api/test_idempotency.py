"""Idempotency-Key over HTTP: replays, a reused key, users apart, expiry, concurrent requests."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from synthfoundry.api import create_app
from synthfoundry.api import idempotency as idempotency_middleware
from synthfoundry.config import DatabaseSettings, JobsSettings, Settings
from synthfoundry.db import Database, utcnow
from synthfoundry.generators import service as generators_service
from synthfoundry.idempotency import service
from synthfoundry.idempotency.fingerprint import RequestFingerprint
from synthfoundry.idempotency.models import IdempotencyRecord
from tests.support.accounts import PASSWORD, Account, create_user, signed_in
from tests.support.flows import people_csv, upload_dataset
from tests.support.server import running_server


@pytest.fixture
def quiet_settings(tmp_path: Path, database_url: str) -> Settings:
    """No job runs: a job created here stays queued, and the tests count them."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "data",
        database=DatabaseSettings(url=database_url),
        jobs=JobsSettings(concurrency=0),
    )


@pytest.fixture
def api(quiet_settings: Settings, migrated_database: Database) -> Iterator[TestClient]:
    with TestClient(create_app(quiet_settings), raise_server_exceptions=False) as client:
        yield client


def keyed(account: Account, key: str) -> dict[str, str]:
    return {**account.headers, "Idempotency-Key": key}


def generator_ids(client: TestClient, account: Account) -> list[str]:
    page = client.get("/v1/generators", headers=account.headers).json()
    return [item["id"] for item in page["items"]]


def record_count(database: Database) -> int:
    with database.unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(IdempotencyRecord)) or 0


def test_same_key_and_body_replay_the_first_answer_and_create_once(
    api: TestClient, migrated_database: Database
) -> None:
    owner = signed_in(api, migrated_database, "owner@example.com")
    body = {"dataset_id": upload_dataset(api, owner)}

    first = api.post("/v1/generators", json=body, headers=keyed(owner, "make-generator-1"))
    again = api.post("/v1/generators", json=body, headers=keyed(owner, "make-generator-1"))

    assert first.status_code == 201, first.text
    assert "Idempotent-Replayed" not in first.headers
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Content-Type"] == first.headers["Content-Type"]
    assert again.json() == first.json()
    assert generator_ids(api, owner) == [first.json()["id"]]


def test_a_replayed_job_is_the_same_job_with_its_location(
    api: TestClient, migrated_database: Database
) -> None:
    admin = signed_in(api, migrated_database, "root@example.com", is_admin=True)
    body = {"steps": 1, "step_seconds": 0}

    answers = [
        api.post("/v1/jobs/diagnostics", json=body, headers=keyed(admin, "diagnose"))
        for _ in range(3)
    ]

    assert [answer.status_code for answer in answers] == [202, 202, 202]
    assert {answer.json()["id"] for answer in answers} == {answers[0].json()["id"]}
    assert {answer.headers["Location"] for answer in answers} == {answers[0].headers["Location"]}
    jobs = api.get("/v1/jobs", headers=admin.headers).json()["items"]
    assert [job["id"] for job in jobs] == [answers[0].json()["id"]]


def test_a_multipart_upload_replays_although_each_attempt_has_a_new_boundary(
    api: TestClient, migrated_database: Database
) -> None:
    owner = signed_in(api, migrated_database, "owner@example.com")
    content = people_csv(50)

    def upload() -> httpx.Response:
        return api.post(
            "/v1/datasets",
            files={"file": ("people.csv", content)},
            data={"name": "people"},
            headers=keyed(owner, "upload-people"),
        )

    first, again = upload(), upload()
    other_file = api.post(
        "/v1/datasets",
        files={"file": ("people.csv", people_csv(60))},
        data={"name": "people"},
        headers=keyed(owner, "upload-people"),
    )

    assert first.status_code == 201, first.text
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert other_file.status_code == 422
    assert other_file.json()["code"] == "idempotency_key_reused"
    datasets = api.get("/v1/datasets", headers=owner.headers).json()["items"]
    assert [dataset["id"] for dataset in datasets] == [first.json()["id"]]


def test_the_same_key_with_another_body_answers_422(
    api: TestClient, migrated_database: Database
) -> None:
    owner = signed_in(api, migrated_database, "owner@example.com")
    dataset_id = upload_dataset(api, owner)
    first = api.post("/v1/generators", json={"dataset_id": dataset_id}, headers=keyed(owner, "k-1"))

    reused = api.post(
        "/v1/generators",
        json={"dataset_id": dataset_id, "synthesizer": "gaussian_copula"},
        headers=keyed(owner, "k-1"),
    )

    assert first.status_code == 201, first.text
    assert reused.status_code == 422
    assert reused.headers["Content-Type"] == "application/problem+json"
    problem = reused.json()
    assert problem["code"] == "idempotency_key_reused"
    assert problem["errors"][0]["field"] == "header.Idempotency-Key"
    assert problem["request_id"] == reused.headers["X-Request-Id"]
    assert generator_ids(api, owner) == [first.json()["id"]]


def test_users_with_the_same_key_are_apart_and_routes_too(
    api: TestClient, migrated_database: Database
) -> None:
    owner = signed_in(api, migrated_database, "owner@example.com")
    other = signed_in(api, migrated_database, "other@example.com")
    mine = api.post(
        "/v1/generators",
        json={"dataset_id": upload_dataset(api, owner)},
        headers=keyed(owner, "shared-key"),
    )
    theirs = api.post(
        "/v1/generators",
        json={"dataset_id": upload_dataset(api, other)},
        headers=keyed(other, "shared-key"),
    )
    key_created = api.post(
        "/v1/api-keys",
        json={"name": "ci", "scopes": ["generators:read"]},
        headers=keyed(owner, "shared-key"),
    )

    assert mine.status_code == theirs.status_code == key_created.status_code == 201
    assert "Idempotent-Replayed" not in theirs.headers
    assert "Idempotent-Replayed" not in key_created.headers
    assert generator_ids(api, owner) == [mine.json()["id"]]
    assert generator_ids(api, other) == [theirs.json()["id"]]


def test_an_api_key_and_a_login_of_one_user_share_the_key(
    api: TestClient, migrated_database: Database
) -> None:
    owner = signed_in(api, migrated_database, "owner@example.com")
    body = {"dataset_id": upload_dataset(api, owner)}
    secret = api.post(
        "/v1/api-keys",
        json={"name": "ci", "scopes": ["generators:write"]},
        headers=owner.headers,
    ).json()["secret"]

    first = api.post("/v1/generators", json=body, headers=keyed(owner, "k"))
    by_key = api.post(
        "/v1/generators",
        json=body,
        headers={"Authorization": f"Bearer {secret}", "Idempotency-Key": "k"},
    )

    assert by_key.status_code == 201
    assert by_key.headers["Idempotent-Replayed"] == "true"
    assert by_key.json()["id"] == first.json()["id"]


def test_an_error_answer_is_not_kept_so_the_key_can_be_retried(
    api: TestClient, migrated_database: Database
) -> None:
    owner = signed_in(api, migrated_database, "owner@example.com")
    missing = {"dataset_id": "0190f0f0-0000-7000-8000-000000000000"}

    failed = [
        api.post("/v1/generators", json=missing, headers=keyed(owner, "retry-me")) for _ in range(2)
    ]
    fixed = api.post(
        "/v1/generators",
        json={"dataset_id": upload_dataset(api, owner)},
        headers=keyed(owner, "retry-me"),
    )

    assert [answer.status_code for answer in failed] == [404, 404]
    assert all("Idempotent-Replayed" not in answer.headers for answer in failed)
    assert fixed.status_code == 201, fixed.text
    assert record_count(migrated_database) == 1


def test_an_expired_key_is_new_again_and_purged(
    api: TestClient, migrated_database: Database
) -> None:
    owner = signed_in(api, migrated_database, "owner@example.com")
    body = {"dataset_id": upload_dataset(api, owner)}
    first = api.post("/v1/generators", json=body, headers=keyed(owner, "daily"))
    with migrated_database.unit_of_work(write=True) as session:
        session.execute(
            update(IdempotencyRecord).values(
                created_at=utcnow() - service.KEY_TTL - timedelta(minutes=1)
            )
        )

    later = api.post("/v1/generators", json=body, headers=keyed(owner, "daily"))

    assert later.status_code == 201, later.text
    assert "Idempotent-Replayed" not in later.headers
    assert later.json()["id"] != first.json()["id"]
    assert len(generator_ids(api, owner)) == 2
    assert record_count(migrated_database) == 1
    assert service.purge_expired(migrated_database) == 0
    tomorrow = utcnow() + service.KEY_TTL + timedelta(minutes=1)
    assert service.purge_expired(migrated_database, now=tomorrow) == 1
    assert record_count(migrated_database) == 0


@pytest.mark.parametrize("key", ["", "x" * 256, "caf\u00e9", "tab\there"])
def test_a_malformed_key_answers_422_naming_the_header(
    api: TestClient, migrated_database: Database, key: str
) -> None:
    owner = signed_in(api, migrated_database, "owner@example.com")
    headers = [
        (b"authorization", f"Bearer {owner.access_token}".encode()),
        (b"idempotency-key", key.encode("latin-1")),
    ]

    answer = api.post("/v1/generators", json={"dataset_id": "x"}, headers=headers)

    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "header.Idempotency-Key"


def test_auth_routes_ignore_the_key(api: TestClient, migrated_database: Database) -> None:
    create_user(migrated_database, "owner@example.com")
    form = {"username": "owner@example.com", "password": PASSWORD}

    tokens = [
        api.post("/v1/auth/token", data=form, headers={"Idempotency-Key": "login"})
        for _ in range(2)
    ]

    assert [answer.status_code for answer in tokens] == [200, 200]
    assert tokens[0].json()["refresh_token"] != tokens[1].json()["refresh_token"]
    assert record_count(migrated_database) == 0


def test_the_fingerprint_masks_the_multipart_boundary_wherever_the_chunks_end() -> None:
    def body(boundary: bytes, content: bytes) -> bytes:
        part = b'Content-Disposition: form-data; name="file"\r\n\r\n' + content + b"\r\n"
        return b"--" + boundary + b"\r\n" + part + b"--" + boundary + b"--\r\n"

    def fingerprint(boundary: bytes, content: bytes, chunk: int) -> str:
        hashed = RequestFingerprint(b"", boundary)
        data = body(boundary, content)
        for start in range(0, len(data), chunk):
            hashed.update(data[start : start + chunk])
        return hashed.hexdigest()

    expected = fingerprint(b"a" * 32, b"1,2,3", 1000)
    for chunk in (1, 2, 3, 7, 33, 1000):
        assert fingerprint(b"b" * 32, b"1,2,3", chunk) == expected
        assert fingerprint(b"c" * 32, b"1,2,4", chunk) != expected
    assert RequestFingerprint(b"a=1").hexdigest() != RequestFingerprint(b"a=2").hexdigest()


def _concurrent_posts(
    url: str, headers: dict[str, str], body: dict[str, Any]
) -> list[httpx.Response]:
    start = threading.Barrier(2)
    answers: list[httpx.Response] = []

    def post() -> None:
        start.wait()
        answers.append(httpx.post(url, json=body, headers=headers, timeout=30))

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(answers, key=lambda answer: answer.status_code)


@pytest.mark.parametrize(
    ("work_seconds", "wait_seconds", "outcome"),
    # A generous wait: on a loaded CI machine the first request once took longer than 10 s.
    [(0.8, 60.0, "replayed"), (1.5, 0.2, "in_progress")],
)
def test_two_concurrent_requests_with_one_key_create_one_object(
    quiet_settings: Settings,
    migrated_database: Database,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    work_seconds: float,
    wait_seconds: float,
    outcome: str,
) -> None:
    create = generators_service.create

    def slow_create(*args: Any, **kwargs: Any) -> Any:
        time.sleep(work_seconds)  # long enough that the second request comes in meanwhile
        return create(*args, **kwargs)

    monkeypatch.setattr(idempotency_middleware, "IN_PROGRESS_WAIT_SECONDS", wait_seconds)
    with running_server(create_app(quiet_settings)) as base_url:
        create_user(migrated_database, "owner@example.com")
        tokens = httpx.post(
            f"{base_url}/v1/auth/token",
            data={"username": "owner@example.com", "password": PASSWORD},
        ).json()
        auth = {"Authorization": f"Bearer {tokens['access_token']}"}
        upload = httpx.post(
            f"{base_url}/v1/datasets", files={"file": ("p.csv", people_csv(50))}, headers=auth
        )
        assert upload.status_code == 201, upload.text
        body = {"dataset_id": upload.json()["id"]}
        # Without a key, and before the clock starts: the first generator imports the models.
        unkeyed = httpx.post(f"{base_url}/v1/generators", json=body, headers=auth, timeout=60)
        assert unkeyed.status_code == 201, unkeyed.text
        monkeypatch.setattr(generators_service, "create", slow_create)

        first, second = _concurrent_posts(
            f"{base_url}/v1/generators", {**auth, "Idempotency-Key": "together"}, body
        )
        listed = httpx.get(f"{base_url}/v1/generators", headers=auth).json()["items"]

    assert first.status_code == 201, first.text
    assert sorted(item["id"] for item in listed) == sorted(
        [unkeyed.json()["id"], first.json()["id"]]
    )
    replayed = {first.headers.get("Idempotent-Replayed"), second.headers.get("Idempotent-Replayed")}
    # On SQLite a second request that tried to reserve at the same moment as the first queues
    # for the write lock that the first one's work then holds: it may see the stored answer.
    if outcome == "replayed" or (second.status_code == 201 and database_url.startswith("sqlite")):
        assert second.status_code == 201
        assert second.json() == first.json()
        assert replayed == {None, "true"}
    else:
        assert second.status_code == 409
        assert second.json()["code"] == "idempotency_in_progress"
        assert second.headers["Retry-After"] == "1"
