"""Sign-in, the cookie session, CSRF, text never parsed as HTML, other users' objects, live
updates that survive a dropped connection, and the narrow screen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.support.flows import people_csv
from tests.ui.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    LiveServer,
    Page,
    check_accessibility,
    open_page,
    start_server,
    ui_settings,
)

pytestmark = pytest.mark.ui
HOSTILE_NAME = "<img src=x onerror=alert(1)>"
USER_PASSWORD = "another long secret"


def _token(server: LiveServer, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD) -> str:
    response = httpx.post(
        f"{server.url}/v1/auth/token", data={"username": email, "password": password}
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def _upload(server: LiveServer, token: str, name: str, rows: int = 200) -> str:
    response = httpx.post(
        f"{server.url}/v1/datasets",
        files={"file": ("people.csv", people_csv(rows))},
        data={"name": name},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


@pytest.fixture
def fresh_server(tmp_path: Path) -> Iterator[LiveServer]:
    yield from start_server(ui_settings(tmp_path / "data", with_admin=False))


def test_the_first_run_page_says_how_to_create_the_first_admin(
    browser: Browser, fresh_server: LiveServer, request: pytest.FixtureRequest
) -> None:
    for ui in open_page(browser, fresh_server, request):
        ui.open()
        expect(ui.page.get_by_role("note")).to_contain_text("synthfoundry users create-admin")
        check_accessibility(ui, "first-run page")


def test_the_refresh_token_lives_in_an_http_only_cookie_and_sign_out_ends_it(
    ui: Page, server: LiveServer
) -> None:
    page = ui.page
    ui.sign_in()
    cookies = {cookie["name"]: cookie for cookie in page.context.cookies()}
    refresh = cookies["synthfoundry_refresh"]
    assert refresh["httpOnly"] and refresh["sameSite"] == "Strict"
    assert refresh["path"] == "/v1/auth/browser"
    assert page.evaluate("document.cookie") == ""
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0
    page.reload()
    expect(page.get_by_role("heading", name="Datasets", exact=True)).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    # The cookie's session is over on the server too, not only forgotten by the page.
    stale = httpx.post(
        f"{server.url}/v1/auth/browser/refresh",
        headers={"x-synthfoundry-browser": "1"},
        cookies={"synthfoundry_refresh": refresh["value"]},
    )
    assert stale.status_code == 401


def test_the_cookie_routes_refuse_requests_that_do_not_come_from_the_page(
    server: LiveServer,
) -> None:
    login = httpx.post(
        f"{server.url}/v1/auth/browser/login",
        data={"username": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
        headers={"x-synthfoundry-browser": "1"},
    )
    assert login.status_code == 200 and "refresh_token" not in login.json()
    cookie = {"synthfoundry_refresh": login.cookies["synthfoundry_refresh"]}
    url = f"{server.url}/v1/auth/browser/refresh"
    without_marker = httpx.post(url, cookies=cookie)
    assert without_marker.status_code == 403
    assert "x-synthfoundry-browser" in without_marker.json()["detail"]
    cross_site = httpx.post(
        url, cookies=cookie, headers={"x-synthfoundry-browser": "1", "origin": "https://evil.test"}
    )
    assert cross_site.status_code == 403
    same_site = httpx.post(url, cookies=cookie, headers={"x-synthfoundry-browser": "1"})
    assert same_site.status_code == 200


def _create_user(server: LiveServer, email: str) -> str:
    created = httpx.post(
        f"{server.url}/v1/users",
        json={"email": email, "name": email.split("@")[0], "password": USER_PASSWORD},
        headers={"Authorization": f"Bearer {_token(server)}"},
    )
    assert created.status_code == 201, created.text
    return _token(server, email, USER_PASSWORD)


def test_user_text_is_shown_as_text_and_other_users_objects_never_appear(
    ui: Page, server: LiveServer
) -> None:
    theirs = _upload(server, _create_user(server, "bo@example.com"), "bo-secret")
    _upload(server, _create_user(server, "cy@example.com"), HOSTILE_NAME)
    page = ui.page
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    ui.sign_in("cy@example.com", USER_PASSWORD)
    table = page.get_by_role("region", name="Datasets", exact=True)
    expect(table).to_contain_text(HOSTILE_NAME)
    expect(table).not_to_contain_text("bo-secret")
    assert page.locator("img[src=x]").count() == 0
    table.get_by_role("link", name=HOSTILE_NAME).click()
    expect(page.get_by_role("heading", name=HOSTILE_NAME)).to_be_visible()
    assert page.locator("img[src=x]").count() == 0
    ui.open(f"datasets/{theirs}")
    expect(page.get_by_role("alert")).to_contain_text("no dataset")
    expect(page.get_by_role("link", name="Admin")).to_have_count(0)
    ui.screenshot("someone-elses-dataset")
    assert dialogs == []


def test_live_progress_survives_a_dropped_connection_and_catches_up(
    ui: Page, server: LiveServer
) -> None:
    dataset = _upload(server, _token(server), "people", rows=300)
    page = ui.page
    ui.sign_in()
    ui.open(f"generators/new?dataset={dataset}")
    page.get_by_label("Model", exact=True).select_option("ctgan")
    page.get_by_label("Epochs").fill("150")
    page.get_by_label("Batch Size").fill("50")
    page.get_by_label("Device").select_option("cpu")
    page.get_by_role("button", name="Create and train").click()
    training = page.get_by_role("region", name="Training", exact=True)
    expect(training).to_contain_text("epochs", timeout=60_000)
    page.evaluate("window.synthfoundry.dropLiveConnections()")
    expect(page.locator("#connection")).to_contain_text("Connection lost")
    ui.screenshot("connection-lost")
    expect(page.locator("#connection")).to_contain_text("caught up", timeout=30_000)
    expect(page.get_by_role("button", name="Generate data")).to_be_visible(timeout=120_000)
    ui.screenshot("caught-up")


def test_the_narrow_screen_has_a_menu_and_every_page_passes_the_accessibility_check(
    browser: Browser, server: LiveServer, request: pytest.FixtureRequest
) -> None:
    for ui in open_page(browser, server, request, width=390, height=844):
        page = ui.page
        ui.sign_in()
        nav = page.get_by_role("navigation", name="Main")
        expect(nav).to_be_hidden()
        page.get_by_role("button", name="Menu").click()
        nav.get_by_role("link", name="Jobs").click()
        expect(page.get_by_role("heading", name="Jobs", level=1)).to_be_visible()
        expect(nav).to_be_hidden()
        check_accessibility(ui, "jobs page, 390 px")
        for route, heading in [
            ("generators", "Generators"),
            ("synthetic", "Synthetic data"),
            ("reports", "Reports"),
            ("account", "Account"),
        ]:
            ui.open(route)
            expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
            check_accessibility(ui, f"{route} page, 390 px")
            ui.screenshot(route)
