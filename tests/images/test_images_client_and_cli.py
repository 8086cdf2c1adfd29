"""Image datasets through the Python client and the CLI, against a real server on loopback."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from synthfoundry.api import create_app
from synthfoundry.cli.main import app
from synthfoundry.client import APIError, Client
from synthfoundry.config import Settings
from synthfoundry.db import Database
from tests.support.accounts import create_key, signed_in
from tests.support.server import running_server

runner = CliRunner()
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def server(settings: Settings, migrated_database: Database) -> Iterator[tuple[str, str]]:
    application = create_app(settings)
    with running_server(application) as base_url, TestClient(application) as helper:
        account = signed_in(helper, migrated_database, "images@example.com")
        key = create_key(helper, account, ["image-datasets:write", "jobs:write"])
        yield base_url, key["secret"]


def test_client_generates_previews_pages_augments_and_downloads(
    server: tuple[str, str], tiny_sdxl: Path, tmp_path: Path
) -> None:
    base_url, api_key = server
    with Client(base_url, api_key) as client:
        made = client.images.generate(
            ["cat", "dog"],
            per_label=2,
            seed=4,
            model=str(tiny_sdxl),
            steps=2,
            output=tmp_path / "pets.zip",
        )
        assert made["status"] == "ready" and made["file_count"] == 4
        with zipfile.ZipFile(tmp_path / "pets.zip") as archive:
            assert sorted(n for n in archive.namelist() if n.endswith(".png")) == [
                "cat/00001.png",
                "cat/00002.png",
                "dog/00001.png",
                "dog/00002.png",
            ]
        thumbnails = client.images.save_preview(made["id"], tmp_path / "thumbs", limit=3)
        assert len(thumbnails) == 3 and all(p.read_bytes()[:2] == b"\xff\xd8" for p in thumbnails)
        records = client.images.images(made["id"], label="dog")
        assert [r["label"] for r in records] == ["dog", "dog"]
        assert client.images.image(made["id"], records[0]["image_id"])[:4] == b"\x89PNG"
        augmented = client.images.augment(made["id"], variants_per_image=1, operations=["flip"])
        assert augmented["file_count"] == 8
        uploaded = client.images.upload(tmp_path / "pets.zip", name="again")
        assert uploaded["file_count"] == 4 and uploaded["name"] == "again"
        assert {d["id"] for d in client.images.list()} == {
            made["id"],
            augmented["id"],
            uploaded["id"],
        }
        with pytest.raises(APIError) as refused:
            client.images.generate(["cat", "cat"])
        assert refused.value.status == 422 and "cat" in refused.value.detail


def test_cli_generate_list_download_and_delete(
    server: tuple[str, str], tiny_sdxl: Path, tmp_path: Path
) -> None:
    base_url, api_key = server
    env = {"SYNTHFOUNDRY_BASE_URL": base_url, "SYNTHFOUNDRY_API_KEY": api_key}
    out = tmp_path / "cats.zip"
    made = runner.invoke(
        app,
        [
            "images",
            "generate",
            "cute cat",
            "dog",
            "--per-label",
            "2",
            "--noise",
            "0.1",
            "--model",
            str(tiny_sdxl),
            "--set",
            "steps=2",
            "-o",
            str(out),
            "-O",
            "json",
        ],
        env=env,
    )
    assert made.exit_code == 0, made.output
    dataset = json.loads(made.stdout)
    assert dataset["status"] == "ready" and dataset["file_count"] == 4
    with zipfile.ZipFile(out) as archive:
        manifest = archive.read("manifest.jsonl").decode().splitlines()
    assert {json.loads(line)["noise_sigma"] for line in manifest} == {0.25 * 0.1 * 255}

    listed = runner.invoke(app, ["images", "list", "-O", "json"], env=env)
    assert [d["id"] for d in json.loads(listed.stdout)] == [dataset["id"]]
    downloaded = runner.invoke(app, ["images", "download", dataset["id"]], env=env)
    assert downloaded.exit_code == 0
    assert zipfile.ZipFile(io.BytesIO(downloaded.stdout_bytes)).namelist()
    preview = runner.invoke(
        app, ["images", "preview", dataset["id"], "-o", str(tmp_path / "p")], env=env
    )
    assert preview.exit_code == 0 and len(preview.stdout.split()) == 4
    bad = runner.invoke(app, ["images", "generate", "cat", "--noise", "2"], env=env)
    assert bad.exit_code != 0 and "noise_level" in bad.output
    deleted = runner.invoke(app, ["images", "delete", dataset["id"]], env=env)
    assert deleted.exit_code == 0
    assert json.loads(runner.invoke(app, ["images", "list", "-O", "json"], env=env).stdout) == []
