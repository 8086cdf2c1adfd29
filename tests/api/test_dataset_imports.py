"""POST /v1/datasets/import: files on the server's disk, read only inside the configured import
directory (no traversal, no symbolic links out, regular files only), then ingested as uploads."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from synthfoundry.api import create_app
from synthfoundry.audit.models import AuditEvent
from synthfoundry.config import Settings
from synthfoundry.db import Database
from tests.support.accounts import Account, bearer, create_key, signed_in
from tests.support.jobs import wait_job

CSV = b"age,city\n34,Oslo\n41,Lima\n29,Oslo\n"


@pytest.fixture
def import_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "imports"
    (folder / "sub").mkdir(parents=True)
    (folder / "people.csv").write_bytes(CSV)
    (folder / "sub" / "nested.csv").write_bytes(CSV)
    (tmp_path / "outside.csv").write_bytes(b"secret,value\n1,2\n")
    return folder


def importing(settings: Settings, folder: Path | None, **datasets: object) -> Settings:
    update = {"import_dir": folder, **datasets}
    return settings.model_copy(update={"datasets": settings.datasets.model_copy(update=update)})


@pytest.fixture
def import_client(
    settings: Settings, migrated_database: Database, import_dir: Path
) -> Iterator[TestClient]:
    app = create_app(importing(settings, import_dir))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def post_import(client: TestClient, account: Account, path: str, **body: object) -> dict:
    response = client.post(
        "/v1/datasets/import", json={"path": path, **body}, headers=account.headers
    )
    return {"status": response.status_code, "body": response.json()}


def test_a_file_in_the_import_directory_becomes_a_dataset(
    import_client: TestClient, migrated_database: Database
) -> None:
    owner = signed_in(import_client, migrated_database, "owner@example.com")

    created = post_import(import_client, owner, "people.csv", description="from disk")
    nested = post_import(import_client, owner, "sub/nested.csv", name="Nested")

    assert created["status"] == 201, created
    dataset = created["body"]
    assert (dataset["name"], dataset["file_name"], dataset["description"]) == (
        "people.csv",
        "people.csv",
        "from disk",
    )
    assert (dataset["status"], dataset["rows"], dataset["columns"]) == ("ready", 3, 2)
    assert nested["status"] == 201 and nested["body"]["name"] == "Nested"
    preview = import_client.get(f"/v1/datasets/{dataset['id']}/preview", headers=owner.headers)
    assert preview.json()["rows"][0] == {"age": 34, "city": "Oslo"}
    with migrated_database.unit_of_work() as session:
        paths = session.scalars(
            select(AuditEvent.details).where(AuditEvent.action == "dataset.import")
        ).all()
    assert sorted(details["path"] for details in paths) == ["people.csv", "sub/nested.csv"]


@pytest.mark.parametrize(
    "path",
    ["../outside.csv", "sub/../../outside.csv", "sub/../people.csv", "/etc/passwd"],
)
def test_paths_that_leave_the_directory_are_refused(
    import_client: TestClient, migrated_database: Database, path: str
) -> None:
    owner = signed_in(import_client, migrated_database, "owner@example.com")

    refused = post_import(import_client, owner, path)

    assert refused["status"] == 403, refused
    assert "leads out of the import directory" in refused["body"]["detail"]
    listed = import_client.get("/v1/datasets", headers=owner.headers).json()
    assert listed["items"] == []


def test_symbolic_links_may_not_lead_out(
    import_client: TestClient, migrated_database: Database, import_dir: Path, tmp_path: Path
) -> None:
    owner = signed_in(import_client, migrated_database, "owner@example.com")
    (import_dir / "link-out.csv").symlink_to(tmp_path / "outside.csv")
    (import_dir / "dir-out").symlink_to(tmp_path)
    (import_dir / "gone-out.csv").symlink_to(tmp_path / "absent.csv")
    (import_dir / "link-in.csv").symlink_to(import_dir / "sub" / "nested.csv")

    file_out = post_import(import_client, owner, "link-out.csv")
    through_dir = post_import(import_client, owner, "dir-out/outside.csv")
    dangling_out = post_import(import_client, owner, "gone-out.csv")
    inside = post_import(import_client, owner, "link-in.csv")
    absolute_in = post_import(import_client, owner, str(import_dir / "people.csv"))

    for refused in (file_out, through_dir, dangling_out):
        assert refused["status"] == 403, refused
        assert "symbolic link" in refused["body"]["detail"]
    assert inside["status"] == 201 and inside["body"]["rows"] == 3
    assert absolute_in["status"] == 201


def test_missing_files_directories_and_fifos_are_refused(
    import_client: TestClient, migrated_database: Database, import_dir: Path
) -> None:
    owner = signed_in(import_client, migrated_database, "owner@example.com")
    os.mkfifo(import_dir / "pipe.csv")

    missing = post_import(import_client, owner, "absent.csv")
    folder = post_import(import_client, owner, "sub")
    root = post_import(import_client, owner, ".")
    fifo = post_import(import_client, owner, "pipe.csv")
    extra = post_import(import_client, owner, "people.csv", owner_id="x")

    assert missing["status"] == 404 and "no file 'absent.csv'" in missing["body"]["detail"]
    assert folder["status"] == 422 and "not a regular file" in folder["body"]["detail"]
    assert root["status"] == 422
    assert fifo["status"] == 422 and "not a regular file" in fifo["body"]["detail"]
    assert extra["status"] == 422


def test_imports_need_the_write_scope(
    import_client: TestClient, migrated_database: Database
) -> None:
    owner = signed_in(import_client, migrated_database, "owner@example.com")
    reader = create_key(import_client, owner, ["datasets:read"])

    response = import_client.post(
        "/v1/datasets/import", json={"path": "people.csv"}, headers=bearer(reader["secret"])
    )

    assert response.status_code == 403


def test_imports_are_off_without_the_setting(
    client: TestClient, migrated_database: Database
) -> None:
    owner = signed_in(client, migrated_database, "owner@example.com")

    refused = post_import(client, owner, "people.csv")

    assert refused["status"] == 404
    assert "SYNTHFOUNDRY_DATASETS__IMPORT_DIR is unset" in refused["body"]["detail"]


def test_a_missing_import_directory_answers_503(
    settings: Settings, migrated_database: Database, tmp_path: Path
) -> None:
    with TestClient(create_app(importing(settings, tmp_path / "absent"))) as client:
        owner = signed_in(client, migrated_database, "owner@example.com")
        refused = post_import(client, owner, "people.csv")

    assert refused["status"] == 503
    assert str(tmp_path) not in refused["body"]["detail"]


def test_large_imports_are_ingested_by_the_upload_job(
    settings: Settings, migrated_database: Database, import_dir: Path
) -> None:
    big = b"a,b\n" + b"".join(f"{i},{i % 7}\n".encode() for i in range(2000))
    (import_dir / "big.csv").write_bytes(big)
    app = create_app(importing(settings, import_dir, ingest_job_bytes=1024))
    with TestClient(app) as client:
        owner = signed_in(client, migrated_database, "owner@example.com")

        accepted = post_import(client, owner, "big.csv")

        assert accepted["status"] == 201
        dataset = accepted["body"]
        assert dataset["status"] == "ingesting" and dataset["ingest_job_id"]
        job = wait_job(client, owner, dataset["ingest_job_id"])
        assert (job["status"], job["kind"]) == ("succeeded", "datasets.ingest"), job
        ready = client.get(f"/v1/datasets/{dataset['id']}", headers=owner.headers).json()
        assert (ready["status"], ready["rows"], ready["columns"]) == ("ready", 2000, 2)
