"""Collecting image datasets over HTTP from a local stand-in for the providers and image hosts:
exact counts of kept, duplicate, invalid and refused images, licenses and attributions, stats,
providers without credentials, cancel, loopback refused, top-up, ownership."""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from synthfoundry.config import Settings
from synthfoundry.db import Database
from tests.support.accounts import Account, signed_in
from tests.support.jobs import wait_job
from tests.support.provider_stub import (
    CORRUPT,
    HTML,
    PIXEL_BOMB,
    PRIVATE_REDIRECT,
    SLOW,
    TRUNCATED,
    ProviderStub,
    duplicate,
    good,
    near,
)

URL = "/v1/image-datasets"


@pytest.fixture
def stub() -> Iterator[ProviderStub]:
    with ProviderStub(slow_seconds=8) as running:
        yield running


@pytest.fixture
def settings(settings: Settings, stub: ProviderStub) -> Settings:
    """Providers at the stub, loopback fetchable, no pacing to wait for."""
    collection = settings.collection.model_copy(
        update={
            "openverse_url": stub.base_url,
            "wikimedia_url": stub.base_url,
            "google_url": stub.base_url + "/customsearch/v1",
            "openverse_requests_per_second": 100.0,
            "wikimedia_requests_per_second": 100.0,
            "allowed_hosts": ["127.0.0.1"],
            "read_timeout_seconds": 30.0,
        }
    )
    return settings.model_copy(update={"collection": collection})


def collect(client: TestClient, account: Account, body: dict, seconds: float = 120) -> dict:
    accepted = client.post(f"{URL}/collect", json=body, headers=account.headers)
    assert accepted.status_code == 202, accepted.text
    job = wait_job(client, account, accepted.json()["id"], seconds=seconds)
    assert job["status"] == "succeeded", job
    found: dict = client.get(f"{URL}/{job['target_id']}", headers=account.headers).json()
    return found


def zip_of(client: TestClient, account: Account, dataset_id: str) -> zipfile.ZipFile:
    answer = client.get(f"{URL}/{dataset_id}/download", headers=account.headers)
    assert answer.status_code == 200
    return zipfile.ZipFile(io.BytesIO(answer.content))


def test_collect_counts_licenses_attribution_stats_and_ownership(
    client: TestClient, migrated_database: Database, stub: ProviderStub
) -> None:
    owner = signed_in(client, migrated_database, "owner@example.com")
    stub.add_label(
        "cat", [good(), good("cc0"), duplicate(0), near(1), CORRUPT, HTML, good("by-sa")]
    )
    stub.add_label(
        "dog", [good(), TRUNCATED, PIXEL_BOMB, PRIVATE_REDIRECT, duplicate(0, "cat"), good()]
    )

    made = collect(
        client,
        owner,
        {"labels": ["cat", ["dog", "puppy"]], "images_per_label": 10, "providers": ["openverse"]},
    )

    assert made["status"] == "ready" and made["source"] == "collected"
    assert made["labels"] == ["cat", "dog"] and made["file_count"] == 5
    stats = made["collection"]
    assert stats["kept_by_label"] == {"cat": 3, "dog": 2}
    assert (stats["exact_duplicates"], stats["near_duplicates"]) == (2, 1)
    assert stats["invalid"] == {"corrupt": 1, "not_image": 1, "truncated": 1, "too_large": 1}
    assert stats["refused"] == {"blocked_address": 1}
    with zip_of(client, owner, made["id"]) as archive:
        manifest = [json.loads(line) for line in archive.read("manifest.jsonl").splitlines()]
        attribution = archive.read("ATTRIBUTION.txt").decode()
    assert [entry["license"] for entry in manifest if entry["label"] == "cat"] == [
        "by",
        "cc0",
        "by-sa",
    ]
    assert {entry["provider"] for entry in manifest} == {"openverse"}
    assert all(entry["source"].startswith(stub.base_url) for entry in manifest)
    assert all(entry["attribution"] and entry["attribution"] in attribution for entry in manifest)
    images = client.get(f"{URL}/{made['id']}/images", headers=owner.headers).json()["items"]
    assert {image["license"] for image in images} == {"by", "cc0", "by-sa"}

    summed = client.get(f"{URL}/stats", headers=owner.headers).json()
    assert summed["datasets"] == 1 and summed["images"] == 5
    assert summed["duplicates_removed"] == 3
    assert summed["invalid_by_reason"]["corrupt"] == 1
    other = signed_in(client, migrated_database, "other@example.com")
    assert client.get(f"{URL}/{made['id']}", headers=other.headers).status_code == 404
    assert client.get(f"{URL}/stats", headers=other.headers).json()["datasets"] == 0


def test_providers_without_credentials_are_reported_and_refused(
    client: TestClient, migrated_database: Database
) -> None:
    owner = signed_in(client, migrated_database, "owner@example.com")
    catalogue = client.get(f"{URL}/providers", headers=owner.headers).json()
    by_name = {provider["name"]: provider for provider in catalogue}
    assert by_name["openverse"]["available"] and by_name["wikimedia"]["available"]
    assert not by_name["google"]["available"] and "API key" in by_name["google"]["reason"]
    refused = client.post(
        f"{URL}/collect",
        json={"labels": ["cat"], "providers": ["google"]},
        headers=owner.headers,
    )
    assert refused.status_code == 422 and "google" in refused.json()["detail"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_loopback_is_refused_unless_allowed_and_top_up_fills_short_labels(
    client: TestClient, migrated_database: Database, stub: ProviderStub, settings: Settings
) -> None:
    owner = signed_in(client, migrated_database, "owner@example.com")
    urls = stub.add_label("cat", [good(), good()])
    made = collect(
        client,
        owner,
        {
            "labels": ["cat"],
            "images_per_label": 4,
            "providers": [],
            "urls": urls,
            "top_up_with": "augment",
        },
    )
    assert made["file_count"] == 4
    with zip_of(client, owner, made["id"]) as archive:
        manifest = [json.loads(line) for line in archive.read("manifest.jsonl").splitlines()]
    assert [entry["augmentation"] is not None for entry in manifest] == [False, False, True, True]
    assert {entry["source"] for entry in manifest} == set(urls)

    app_settings = client.app.state.synthfoundry.settings  # type: ignore[attr-defined]
    app_settings.collection.allowed_hosts.clear()  # the job reads the settings it is sent
    blocked = collect(client, owner, {"labels": ["cat"], "providers": [], "urls": urls})
    assert blocked["file_count"] == 0
    assert blocked["collection"]["refused"] == {"blocked_address": 2}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_cancel_stops_downloads_within_seconds_and_leaves_nothing(
    client: TestClient, migrated_database: Database, stub: ProviderStub, settings: Settings
) -> None:
    owner = signed_in(client, migrated_database, "owner@example.com")
    urls = stub.add_label("cat", [SLOW] * 8)
    accepted = client.post(
        f"{URL}/collect",
        json={"labels": ["cat"], "images_per_label": 8, "providers": [], "urls": urls},
        headers=owner.headers,
    ).json()
    deadline = time.monotonic() + 60
    while not stub.requests_to("/img/"):
        assert time.monotonic() < deadline, "no download started"
        time.sleep(0.05)
    asked = time.monotonic()
    cancelled = client.post(f"{URL}/{accepted['target_id']}/cancel", headers=owner.headers)
    assert cancelled.status_code == 202
    job = wait_job(client, owner, accepted["id"], seconds=30)
    assert job["status"] == "cancelled" and time.monotonic() - asked < 10
    dataset = client.get(f"{URL}/{accepted['target_id']}", headers=owner.headers).json()
    assert dataset["status"] == "cancelled"
    root = Path(settings.storage_url.removeprefix("file://")) / "images"
    assert not [path for path in root.rglob("*") if path.is_file()] if root.exists() else True


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_cli_collects_over_a_live_server(
    settings: Settings, migrated_database: Database, stub: ProviderStub, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from synthfoundry.api import create_app
    from synthfoundry.cli.main import app
    from tests.support.accounts import create_key
    from tests.support.server import running_server

    stub.add_label("apple", [good(), good("cc0"), duplicate(0)])
    stub.add_label("pear", [good(), CORRUPT])
    application = create_app(settings)
    with running_server(application) as base_url, TestClient(application) as helper:
        account = signed_in(helper, migrated_database, "cli@example.com")
        key = create_key(helper, account, ["image-datasets:write", "jobs:write"])
        env = {"SYNTHFOUNDRY_BASE_URL": base_url, "SYNTHFOUNDRY_API_KEY": key["secret"]}
        out = tmp_path / "fruit.zip"
        runner = CliRunner()
        made = runner.invoke(
            app,
            [
                "images",
                "collect",
                "apple",
                "pear",
                "--per-label",
                "5",
                "--provider",
                "openverse",
                "-o",
                str(out),
                "-O",
                "json",
            ],
            env=env,
        )
        assert made.exit_code == 0, made.output
        assert json.loads(made.stdout)["file_count"] == 3, made.stdout
        with zipfile.ZipFile(out) as archive:
            assert "ATTRIBUTION.txt" in archive.namelist()
        listed = runner.invoke(app, ["images", "providers", "-O", "json"], env=env)
        assert {p["name"] for p in json.loads(listed.stdout)} >= {"openverse", "google"}
        summed = runner.invoke(app, ["images", "stats", "-O", "json"], env=env)
        assert json.loads(summed.stdout)["invalid_by_reason"] == {"corrupt": 1}
