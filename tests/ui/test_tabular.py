"""The tabular path in a real browser: sign in, upload, train live, generate, download, report."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.support.flows import people_csv
from tests.ui.conftest import Page, check_accessibility

pytestmark = pytest.mark.ui


def _upload(ui: Page, tmp_path: Path, name: str = "people.csv", rows: int = 300) -> None:
    csv = tmp_path / name
    csv.write_bytes(people_csv(rows))
    ui.page.get_by_label("File", exact=True).set_input_files(str(csv))


def test_a_user_uploads_trains_generates_downloads_and_reads_the_report(
    ui: Page, tmp_path: Path
) -> None:
    page = ui.page
    ui.open()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    check_accessibility(ui, "sign-in page")
    ui.screenshot("sign-in")
    ui.sign_in()
    expect(page.get_by_text("No datasets yet")).to_be_visible()
    check_accessibility(ui, "empty datasets page")

    _upload(ui, tmp_path)
    expect(page.get_by_role("heading", name="people.csv")).to_be_visible()
    expect(page.get_by_role("region", name="First rows of people.csv", exact=True)).to_contain_text(
        "Oslo"
    )
    ui.screenshot("dataset")
    check_accessibility(ui, "dataset page")

    page.get_by_role("button", name="Train a generator").click()
    page.get_by_label("Model", exact=True).select_option("gaussian_copula")
    page.get_by_role("button", name="Create and train").click()
    training = page.get_by_role("region", name="Training", exact=True)
    expect(training).to_be_visible()
    ui.screenshot("training")
    expect(page.get_by_role("button", name="Generate data")).to_be_visible(timeout=60_000)
    expect(page.get_by_role("heading", name="Probe: a few rows now")).to_be_visible()
    check_accessibility(ui, "trained generator page")

    page.get_by_role("button", name="Generate data").click()
    page.get_by_label("Rows", exact=True).fill("250")
    page.get_by_label("Seed (optional)").fill("7")
    page.get_by_role("button", name="Generate", exact=True).click()
    expect(page.get_by_role("button", name="Download CSV")).to_be_visible(timeout=60_000)
    with page.expect_download() as downloaded:
        page.get_by_role("button", name="Download CSV").click()
    lines = Path(downloaded.value.path()).read_text().splitlines()
    assert lines[0] == "age,sex,income,city"
    assert len(lines) == 251
    ui.screenshot("synthetic")

    ui.open("datasets")
    _upload(ui, tmp_path, "holdout.csv", rows=120)
    expect(page.get_by_role("heading", name="holdout.csv")).to_be_visible()
    ui.open("reports/new")
    expect(page.get_by_role("heading", name="New report", level=1)).to_be_visible()
    page.get_by_label("Real dataset").select_option(label="people.csv")
    page.get_by_label("Holdout dataset (optional)").select_option(label="holdout.csv")
    page.get_by_label("Target column (optional)").fill("sex")
    page.get_by_role("button", name="Create report").click()
    expect(page.get_by_role("heading", name="Scores")).to_be_visible(timeout=90_000)
    charts = page.locator("figure svg[role=img]")
    expect(charts.first).to_be_visible()
    assert charts.count() >= 4 + 2  # a chart per column, two association matrices
    privacy = page.get_by_role("heading", name="Privacy: distance to the closest training row")
    expect(privacy).to_be_visible()
    ui.screenshot("report")
    check_accessibility(ui, "report page")


def test_a_bad_parameter_is_named_on_its_field_before_anything_is_sent(
    ui: Page, tmp_path: Path
) -> None:
    page = ui.page
    ui.sign_in()
    _upload(ui, tmp_path)
    page.get_by_role("button", name="Train a generator").click()
    page.get_by_label("Model", exact=True).select_option("ctgan")
    epochs = page.get_by_label("Epochs")
    epochs.fill("0")
    expect(epochs).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("at least 1", exact=True)).to_be_visible()
    page.get_by_role("button", name="Create and train").click()
    expect(page.get_by_role("alert")).to_contain_text("not valid")
    ui.screenshot("invalid-parameter")
    epochs.fill("2")
    expect(epochs).not_to_have_attribute("aria-invalid", "true")


def test_a_malformed_upload_shows_the_servers_problem(ui: Page, tmp_path: Path) -> None:
    page = ui.page
    ui.sign_in()
    bad = tmp_path / "broken.parquet"
    bad.write_bytes(b"PAR1 not really parquet")
    page.get_by_label("File", exact=True).set_input_files(str(bad))
    expect(page.get_by_role("alert")).to_be_visible()
    ui.screenshot("upload-problem")
