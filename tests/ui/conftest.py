"""A live server on SQLite and Debian's Chromium driven by Playwright: the web UI as people use it.

Each test saves screenshots under ``build/ui-screenshots/<test>/`` and fails on any error the
page throws or logs; ``check_accessibility`` runs axe-core (vendored here, MPL-2.0) on a page.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from synthfoundry.api import create_app
from synthfoundry.config import AuthSettings, DatabaseSettings, JobsSettings, Settings
from synthfoundry.db import Database, migrate
from tests.support.server import running_server

playwright_sync = pytest.importorskip("playwright.sync_api")
# The suite shares two cores with job processes and model loads: give the page time.
playwright_sync.expect.set_options(timeout=30_000)

ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "correct horse battery"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "ui-screenshots"
AXE_SOURCE = Path(__file__).with_name("vendor") / "axe.min.js"
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser")
REQUIRE_BROWSER_ENV = "SYNTHFOUNDRY_TEST_REQUIRE_BROWSER"


def _chromium() -> str | None:
    for name in CHROMIUM_CANDIDATES:
        if found := shutil.which(name):
            return found
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[playwright_sync.Browser]:
    executable = _chromium()
    if executable is None:
        if os.environ.get(REQUIRE_BROWSER_ENV):
            pytest.fail("Debian's chromium is required: run scripts/install-system-packages.sh")
        pytest.skip("no chromium on PATH (scripts/install-system-packages.sh installs it)")
    with playwright_sync.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield launched
        launched.close()


def ui_settings(data_dir: Path, *, with_admin: bool = True) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=data_dir,
        database=DatabaseSettings(url=f"sqlite:///{data_dir / 'ui.db'}"),
        jobs=JobsSettings(concurrency=1, progress_interval_seconds=0.1),
        auth=AuthSettings(
            bootstrap_admin_email=ADMIN_EMAIL if with_admin else None,
            bootstrap_admin_password=ADMIN_PASSWORD if with_admin else None,
        ),
    )


@dataclass
class LiveServer:
    url: str
    settings: Settings


def start_server(settings: Settings) -> Iterator[LiveServer]:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    database = Database.connect(settings.database_url, settings.database)
    migrate.upgrade(database)
    database.dispose()
    with running_server(create_app(settings)) as url:
        yield LiveServer(url, settings)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    yield from start_server(ui_settings(tmp_path / "data"))


@dataclass
class Page:
    """A Playwright page with the test's screenshots and the page's errors collected."""

    page: playwright_sync.Page
    folder: Path
    base_url: str
    errors: list[str] = field(default_factory=list)
    shots: int = 0

    def open(self, route: str = "") -> None:
        self.page.goto(f"{self.base_url}/#/{route}")

    def screenshot(self, name: str) -> None:
        self.shots += 1
        self.folder.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(self.folder / f"{self.shots:02d}-{name}.png"), full_page=True)

    def sign_in(self, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD) -> None:
        self.open("datasets")
        self.page.get_by_label("E-mail").fill(email)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        heading = self.page.get_by_role("heading", name="Datasets", exact=True)
        # A loaded CI machine once took 19 s to answer the first request after sign-in.
        playwright_sync.expect(heading).to_be_visible(timeout=60_000)


def _test_folder(request: pytest.FixtureRequest) -> Path:
    return SCREENSHOTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)


@pytest.fixture
def ui(
    browser: playwright_sync.Browser, server: LiveServer, request: pytest.FixtureRequest
) -> Iterator[Page]:
    yield from open_page(browser, server, request)


def open_page(
    browser: playwright_sync.Browser,
    server: LiveServer,
    request: pytest.FixtureRequest,
    *,
    width: int = 1280,
    height: int = 900,
) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": width, "height": height}, accept_downloads=True
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    wrapped = Page(page, _test_folder(request), server.url)
    page.on("pageerror", lambda error: wrapped.errors.append(f"page error: {error}"))
    page.on(
        "console",
        lambda message: (
            wrapped.errors.append(f"console: {message.text}")
            if message.type == "error" and not _expected_console_error(message.text)
            else None
        ),
    )
    try:
        yield wrapped
        wrapped.screenshot("end")
    finally:
        context.close()
    assert not wrapped.errors, wrapped.errors


def _expected_console_error(text: str) -> bool:
    # The browser logs every non-2xx fetch; the tests that cause one assert on the page instead.
    return "Failed to load resource" in text


def check_accessibility(page: Page, context: str) -> None:
    """axe-core on the page as it is now: no serious or critical violation."""
    # Evaluated through the DevTools protocol, which the page's CSP does not govern.
    page.page.evaluate(AXE_SOURCE.read_text(encoding="utf-8") + "\n;undefined")
    result = page.page.evaluate(
        "async () => { const r = await axe.run(document, {resultTypes: ['violations']});"
        " return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})); }"
    )
    serious = [v for v in result if v["impact"] in ("serious", "critical")]
    assert not serious, f"{context}: {serious}"
