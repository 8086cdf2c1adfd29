"""Datasets over HTTP, on SQLite and PostgreSQL: upload, read, profile, export, change, delete;
malformed uploads refused with nothing left behind."""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from synthfoundry.config import Settings
from synthfoundry.db import Database
from tests.support.accounts import Account, bearer, create_key, signed_in
from tests.support.jobs import submit_steps

CSV = b'age,city,income,note\n34,Oslo,51000.5,=HYPERLINK("x")\n41,Lima,,plain\n29,Oslo,38000,\n'


def upload(
    client: TestClient, account: Account, content: bytes, filename: str = "people.csv", **form: str
) -> dict:
    response = client.post(
        "/v1/datasets", files={"file": (filename, content)}, data=form, headers=account.headers
    )
    return {"status": response.status_code, "body": response.json()}


def stored_files(settings: Settings) -> list[Path]:
    root = settings.data_dir / "blobs"
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_upload_read_profile_export_and_delete(
    client: TestClient, migrated_database: Database, settings: Settings
) -> None:
    owner = signed_in(client, migrated_database, "owner@example.com")

    created = upload(client, owner, CSV, description="three people")
    assert created["status"] == 201, created
    dataset = created["body"]
    assert dataset["name"] == "people.csv"
    assert (dataset["rows"], dataset["columns"], dataset["source_format"]) == (3, 4, "csv")
    kinds = {column["name"]: column["kind"] for column in dataset["column_schema"]}
    assert kinds["age"] == "integer" and kinds["city"] == "categorical"
    assert "storage_key" not in json.dumps(dataset)
    url = f"/v1/datasets/{dataset['id']}"

    assert client.get(url, headers=owner.headers).json()["id"] == dataset["id"]
    listed = client.get("/v1/datasets", headers=owner.headers).json()
    assert [item["id"] for item in listed["items"]] == [dataset["id"]]
    preview = client.get(f"{url}/preview?limit=2", headers=owner.headers).json()
    assert preview["columns"] == ["age", "city", "income", "note"]
    assert preview["rows"][1] == {"age": 41, "city": "Lima", "income": None, "note": "plain"}
    stats = {
        c["name"]: c for c in client.get(f"{url}/stats", headers=owner.headers).json()["columns"]
    }
    assert stats["age"]["minimum"] == 29 and stats["age"]["maximum"] == 41
    assert stats["income"]["nulls"] == 1
    assert stats["city"]["top_values"][0] == {"value": "Oslo", "count": 2}

    as_csv = client.get(f"{url}/download?format=csv", headers=owner.headers)
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert "'=HYPERLINK" in as_csv.text and "\n=" not in as_csv.text
    as_json = client.get(f"{url}/download?format=json", headers=owner.headers).json()
    assert as_json[0]["city"] == "Oslo" and len(as_json) == 3
    as_parquet = client.get(f"{url}/download?format=parquet", headers=owner.headers)
    assert pq.read_table(io.BytesIO(as_parquet.content)).num_rows == 3
    as_zip = zipfile.ZipFile(
        io.BytesIO(client.get(f"{url}/download?format=zip", headers=owner.headers).content)
    )
    assert as_zip.namelist() == ["people_csv.csv"]
    assert client.get(f"{url}/download?format=xlsx", headers=owner.headers).status_code == 422

    patched = client.patch(
        url,
        json={"name": "people", "column_overrides": {"age": "categorical"}},
        headers=owner.headers,
    )
    assert patched.status_code == 200, patched.text
    assert {c["name"]: c["kind"] for c in patched.json()["column_schema"]}["age"] == "categorical"
    bad = client.patch(url, json={"column_overrides": {"nope": "integer"}}, headers=owner.headers)
    assert bad.status_code == 422 and "nope" in bad.text

    assert stored_files(settings)
    assert client.delete(url, headers=owner.headers).status_code == 204
    assert client.get(url, headers=owner.headers).status_code == 404
    assert stored_files(settings) == []


MALFORMED = [
    (b"", "empty.csv", 422, "empty"),
    (b"a,b\n", "header.csv", 422, "no rows"),
    (b"a,b\n1,2\n3,4,5\n", "ragged.csv", 422, "row 3"),
    (b"a,a\n1,2\n", "dup.csv", 422, "occurs twice"),
    ("a\ncaf\u00e9\n".encode("latin-1"), "latin.csv", 422, "UTF-8"),
    (b"\x89PNG\r\n\x1a\n" + bytes(100), "image.csv", 415, "binary"),
    (b"a,b\n1,2\n", "table.parquet", 415, "holds text"),
    (gzip.compress(b"a\n1\n"), "zipped.csv", 415, ".csv.gz"),
]


@pytest.mark.parametrize(("content", "filename", "status", "message"), MALFORMED)
def test_malformed_uploads_leave_nothing_behind(
    client: TestClient,
    migrated_database: Database,
    settings: Settings,
    content: bytes,
    filename: str,
    status: int,
    message: str,
) -> None:
    owner = signed_in(client, migrated_database, "owner@example.com")

    refused = upload(client, owner, content, filename)

    assert refused["status"] == status, refused
    assert message in refused["body"]["detail"]
    assert client.get("/v1/datasets", headers=owner.headers).json()["items"] == []
    assert stored_files(settings) == []


def test_too_large_an_upload_is_refused(
    tmp_path: Path, migrated_database: Database, settings: Settings
) -> None:
    from synthfoundry.api import create_app

    small = settings.model_copy(
        update={"datasets": settings.datasets.model_copy(update={"max_upload_bytes": 2048})}
    )
    with TestClient(create_app(small), raise_server_exceptions=False) as client:
        owner = signed_in(client, migrated_database, "owner@example.com")
        refused = upload(client, owner, b"a,b\n" + b"1,2\n" * 5000)

        assert refused["status"] == 413
        assert client.get("/v1/datasets", headers=owner.headers).json()["items"] == []
    assert stored_files(small) == []


def queue_job_on(database: Database, owner: Account, target_type: str, target_id: str) -> None:
    """A job working on the object, as far as the API can tell."""
    submit_steps(database, owner.id, target=(target_type, target_id), steps=1)


def test_a_dataset_in_use_by_a_job_cannot_be_deleted(
    client: TestClient, migrated_database: Database
) -> None:
    owner = signed_in(client, migrated_database, "owner@example.com")
    dataset = upload(client, owner, CSV)["body"]
    queue_job_on(migrated_database, owner, "dataset", dataset["id"])

    refused = client.delete(f"/v1/datasets/{dataset['id']}", headers=owner.headers)

    assert refused.status_code == 409
    assert "in use by job" in refused.json()["detail"]


def test_a_dataset_whose_generator_is_training_cannot_be_deleted(
    client: TestClient, migrated_database: Database
) -> None:
    owner = signed_in(client, migrated_database, "owner@example.com")
    dataset = upload(client, owner, CSV)["body"]
    generator = client.post(
        "/v1/generators", json={"dataset_id": dataset["id"]}, headers=owner.headers
    ).json()
    queue_job_on(migrated_database, owner, "generator", generator["id"])

    refused = client.delete(f"/v1/datasets/{dataset['id']}", headers=owner.headers)

    assert refused.status_code == 409


def test_scopes_and_owners_are_enforced(client: TestClient, migrated_database: Database) -> None:
    owner = signed_in(client, migrated_database, "owner@example.com")
    other = signed_in(client, migrated_database, "other@example.com")
    dataset = upload(client, owner, CSV)["body"]
    reader = create_key(client, owner, ["datasets:read"])

    assert client.get(f"/v1/datasets/{dataset['id']}", headers=other.headers).status_code == 404
    assert client.get("/v1/datasets", headers=other.headers).json()["items"] == []
    as_reader = bearer(reader["secret"])
    assert client.get(f"/v1/datasets/{dataset['id']}", headers=as_reader).status_code == 200
    denied = client.post("/v1/datasets", files={"file": ("x.csv", CSV)}, headers=as_reader)
    assert denied.status_code == 403


def test_the_synthesizer_catalogue(client: TestClient, migrated_database: Database) -> None:
    user = signed_in(client, migrated_database, "user@example.com")

    catalogue = client.get("/v1/synthesizers", headers=user.headers).json()

    names = {entry["name"]: entry for entry in catalogue}
    assert {"sequential_trees", "gaussian_copula", "ctgan", "tvae", "copulagan", "ganeraid"} <= set(
        names
    )
    assert names["sequential_trees"]["default"] is True
    assert names["ctgan"]["capabilities"]["checkpoint"] is True
    assert "epochs" in names["ctgan"]["params_schema"]["properties"]
    assert client.get("/v1/synthesizers/tvae", headers=user.headers).json()["modality"] == "tabular"
    assert client.get("/v1/synthesizers/nope", headers=user.headers).status_code == 404
    assert all(entry["available"] for entry in catalogue)
    assert names["sequential_trees"]["gpu"] is None  # a model that cannot use one
    gpu = names["ctgan"]["gpu"]
    assert gpu["cuda_here"] is False  # this machine has none
    assert isinstance(gpu["gpu_queue_workers"], int)  # counted in tests/monitoring


def test_large_uploads_are_ingested_by_a_job(
    migrated_database: Database, settings: Settings
) -> None:
    from synthfoundry.api import create_app
    from tests.support.jobs import wait_job

    datasets = settings.datasets.model_copy(update={"ingest_job_bytes": 1024})
    with TestClient(create_app(settings.model_copy(update={"datasets": datasets}))) as client:
        owner = signed_in(client, migrated_database, "owner@example.com")
        big = b"a,b\n" + b"".join(f"{i},{i % 7}\n".encode() for i in range(2000))

        accepted = upload(client, owner, big)

        assert accepted["status"] == 201
        dataset = accepted["body"]
        assert dataset["status"] == "ingesting" and dataset["ingest_job_id"]
        url = f"/v1/datasets/{dataset['id']}"
        assert client.get(f"{url}/preview", headers=owner.headers).status_code == 409
        job = wait_job(client, owner, dataset["ingest_job_id"])
        assert job["status"] == "succeeded", job
        ready = client.get(url, headers=owner.headers).json()
        assert (ready["status"], ready["rows"], ready["columns"]) == ("ready", 2000, 2)
        assert client.get(f"{url}/preview?limit=1", headers=owner.headers).json()["rows"] == [
            {"a": 0, "b": 0}
        ]

        broken = upload(client, owner, b"a,b\n" + b"1,2\n" * 400 + b"1,2,3\n")
        assert broken["status"] == 201  # the head looks fine; the job finds the broken row
        failed_job = wait_job(client, owner, broken["body"]["ingest_job_id"])
        assert failed_job["status"] == "failed"
        failed = client.get(f"/v1/datasets/{broken['body']['id']}", headers=owner.headers).json()
        assert failed["status"] == "failed" and "row 402" in failed["error"]
        assert not [p for p in stored_files(settings) if broken["body"]["id"] in str(p)]


def test_a_failed_upload_request_leaves_no_file_behind(
    client: TestClient,
    migrated_database: Database,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    owner = signed_in(client, migrated_database, "owner@example.com")

    def broken_audit(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the audit log is down")

    # The table is stored before the audit event fails: the rollback must take the file back.
    monkeypatch.setattr("synthfoundry.datasets.service.audit.record", broken_audit)
    failed = upload(client, owner, CSV)

    assert failed["status"] == 500
    assert client.get("/v1/datasets", headers=owner.headers).json()["items"] == []
    assert stored_files(settings) == []
