"""The original service's aliases: ``/health`` answers as ``/healthz``; ``/redoc`` shows the
schema in ReDoc from vendored assets (no CDN). Neither is in the OpenAPI schema."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from fastapi.testclient import TestClient

from synthfoundry.api import create_app
from synthfoundry.api.docs import REDOC_DIRECTORY
from synthfoundry.config import DatabaseSettings, JobsSettings, Settings
from synthfoundry.db import Database, migrate
from tests.support.server import running_server


def test_health_is_healthz_and_hidden(sqlite_client: TestClient) -> None:
    health = sqlite_client.get("/health")
    healthz = sqlite_client.get("/healthz")
    paths = sqlite_client.get("/openapi.json").json()["paths"]

    assert health.status_code == healthz.status_code == 200
    assert health.json() == healthz.json() == {"status": "ok"}
    assert "/health" not in paths and "/redoc" not in paths
    assert "/healthz" in paths


def test_redoc_serves_the_schema_from_local_assets(sqlite_client: TestClient) -> None:
    moved = sqlite_client.get("/redoc", follow_redirects=False)
    page = sqlite_client.get("/redoc")

    assert moved.status_code == 307
    assert not urlsplit(moved.headers["location"]).netloc  # relative: holds under a root_path
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    spec_url = re.search(r'<redoc spec-url="([^"]+)"', page.text)
    assert spec_url is not None
    assert urlsplit(urljoin(str(page.url), spec_url.group(1))).path == "/openapi.json"
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', page.text)
    assert scripts == ["redoc.standalone.js"]
    assert "<script>" not in page.text  # the docs policy allows no inline script here anyway
    assert "script-src 'self'" in page.headers["content-security-policy"]
    bundle = sqlite_client.get(urljoin(str(page.url), scripts[0]))
    assert bundle.status_code == 200
    recorded = (REDOC_DIRECTORY / "VENDORED.md").read_text()
    assert hashlib.sha256(bundle.content).hexdigest() in recorded
    assert (REDOC_DIRECTORY / "LICENSE").read_text().startswith("The MIT License")


@pytest.mark.slow
def test_redoc_renders_in_a_browser_without_other_origins(tmp_path: Path) -> None:
    playwright_sync = pytest.importorskip("playwright.sync_api")
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.skip("no chromium on PATH (scripts/install-system-packages.sh installs it)")
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path,
        database=DatabaseSettings(url=f"sqlite:///{tmp_path / 'docs.db'}"),
        jobs=JobsSettings(concurrency=0),
    )
    database = Database.connect(settings.database_url)
    migrate.upgrade(database)
    database.dispose()
    with running_server(create_app(settings)) as base_url, playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=executable, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            page = browser.new_page()
            scripts: list[str] = []
            errors: list[str] = []
            page.on(
                "request",
                lambda request: (
                    scripts.append(request.url) if request.resource_type == "script" else None
                ),
            )
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(f"{base_url}/redoc")
            page.wait_for_selector("h1", timeout=60_000)
            heading = page.inner_text("h1")
            operations = page.get_by_text("/v1/datasets/import").count()
        finally:
            browser.close()

    assert heading.startswith("Synthfoundry")
    assert operations > 0
    assert errors == []
    assert scripts and all(url.startswith(base_url) for url in scripts)
