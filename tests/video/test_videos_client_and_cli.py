"""Videos through the Python client and the CLI, against a real server on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from typer.testing import CliRunner

from synthfoundry.api import create_app
from synthfoundry.cli.main import app
from synthfoundry.client import APIError, Client
from synthfoundry.config import Settings
from synthfoundry.db import Database
from synthfoundry.video import ffmpeg
from tests.support.accounts import create_key, signed_in
from tests.support.server import running_server

runner = CliRunner()
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def server(settings: Settings, migrated_database: Database) -> Iterator[tuple[str, str]]:
    application = create_app(settings)
    with running_server(application) as base_url, TestClient(application) as helper:
        account = signed_in(helper, migrated_database, "videos@example.com")
        key = create_key(helper, account, ["videos:write", "jobs:write"])
        yield base_url, key["secret"]


def test_client_creates_waits_downloads_and_manages_videos(
    server: tuple[str, str], tmp_path: Path
) -> None:
    base_url, api_key = server
    image = tmp_path / "bottle.png"
    Image.new("RGB", (64, 96), (20, 120, 200)).save(image)
    with Client(base_url, api_key) as client:
        made = client.videos.create(
            "EcoWater Bottle",
            "Buy now",
            style="minimal",
            image=image,
            resolution=180,
            duration_seconds=2,
            wait=True,
            output=tmp_path / "ad.mp4",
        )
        assert made["status"] == "completed" and made["cost_usd"] == 0.0
        assert abs(ffmpeg.probe(tmp_path / "ad.mp4").duration - 2.0) < 0.1
        assert [video["id"] for video in client.videos.list(status="completed")] == [made["id"]]
        assert client.videos.thumbnail(made["id"])[:2] == b"\xff\xd8"
        with pytest.raises(APIError) as refused:
            client.videos.create("x" * 101, "Buy")
        assert refused.value.status == 422 and "product_name" in str(refused.value)
        with pytest.raises(APIError):
            client.videos.retry(made["id"])  # completed: nothing to retry
        client.videos.delete(made["id"])
        assert client.videos.list() == []
        flavors = client.flavors.list()
        assert flavors["default_flavor"] == "cinematic"
        scenes = client.music_videos.scenes("a city at night", 2, flavor="retro")
        assert [scene["sequence"] for scene in scenes] == [1, 2]


def test_cli_creates_with_wait_and_out_lists_and_validates_flavors(
    server: tuple[str, str], tmp_path: Path
) -> None:
    base_url, api_key = server
    env = {"SYNTHFOUNDRY_BASE_URL": base_url, "SYNTHFOUNDRY_API_KEY": api_key}
    image = tmp_path / "bottle.jpg"
    Image.new("RGB", (64, 96), (200, 60, 20)).save(image, format="JPEG")
    out = tmp_path / "ad.mp4"
    made = runner.invoke(
        app,
        [
            "videos", "create", "--name", "EcoWater Bottle", "--style", "bold", "--cta", "Buy now",
            "--image", str(image), "--resolution", "180", "--duration", "2", "--wait",
            "-o", str(out), "-O", "json",
        ],
        env=env,
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    video = json.loads(made.stdout)
    assert video["status"] == "completed" and ffmpeg.probe(out).video_codec == "h264"
    listed = runner.invoke(app, ["videos", "list", "-O", "json"], env=env)
    assert [item["id"] for item in json.loads(listed.stdout)] == [video["id"]]
    got = runner.invoke(app, ["videos", "get", video["id"]], env=env)
    assert got.exit_code == 0 and "compositing" in got.stdout
    downloaded = runner.invoke(app, ["videos", "download", video["id"]], env=env)
    assert downloaded.exit_code == 0 and downloaded.stdout_bytes[4:8] == b"ftyp"
    bad = runner.invoke(
        app, ["videos", "create", "--name", "X", "--cta", "Go", "--style", "baroque"], env=env
    )
    assert bad.exit_code != 0 and "style" in bad.output

    good = tmp_path / "mine.yaml"
    good.write_text("name: mine\npipeline:\n  fps: 12\n")
    assert runner.invoke(app, ["flavors", "validate", str(good)], env=env).exit_code == 0
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: broken\npipeline:\n  fps: 900\n  colour: red\n")
    checked = runner.invoke(app, ["flavors", "validate", str(broken)], env=env)
    assert checked.exit_code == 1
    assert "pipeline.fps" in checked.output and "pipeline.colour" in checked.output
    listed = runner.invoke(app, ["flavors", "list", "-O", "json"], env=env)
    assert "cinematic" in {flavor["name"] for flavor in json.loads(listed.stdout)}
    deleted = runner.invoke(app, ["videos", "delete", video["id"]], env=env)
    assert deleted.exit_code == 0
