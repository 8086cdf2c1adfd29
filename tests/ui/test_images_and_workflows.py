"""Images generated with the tiny test pipeline and shown in the gallery; a workflow run watched
with its agents live."""

from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"  # before diffusers is imported: no test reaches the network

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.support.flows import people_csv
from tests.support.tiny_diffusers import build_tiny_sdxl
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


@pytest.fixture(scope="module")
def tiny_pipeline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_sdxl(tmp_path_factory.mktemp("models") / "tiny-sdxl")


@pytest.fixture
def image_server(tmp_path: Path, tiny_pipeline: Path) -> Iterator[LiveServer]:
    settings = ui_settings(tmp_path / "data")
    images = settings.images.model_copy(update={"model_dirs": [tiny_pipeline.parent]})
    yield from start_server(settings.model_copy(update={"images": images}))


def test_images_made_by_the_tiny_pipeline_show_in_the_gallery_by_label(
    browser: Browser,
    image_server: LiveServer,
    tiny_pipeline: Path,
    request: pytest.FixtureRequest,
) -> None:
    for ui in open_page(browser, image_server, request):
        page = ui.page
        ui.sign_in()
        ui.open("images")
        expect(page.get_by_role("heading", name="Image datasets", level=1)).to_be_visible()
        check_accessibility(ui, "image datasets page")
        page.get_by_role("button", name="Generate images").click()
        page.get_by_label("Class labels").fill("red square\nblue circle")
        page.get_by_label("Images per label").fill("2")
        page.get_by_label("Model (optional)").fill(str(tiny_pipeline))
        page.get_by_text("Size, steps, seed and device").click()
        page.get_by_label("Width (pixels)").fill("64")
        page.get_by_label("Height (pixels)").fill("64")
        page.get_by_label("Inference steps").fill("2")
        check_accessibility(ui, "image generation form")
        ui.screenshot("form")
        page.get_by_role("button", name="Generate", exact=True).click()
        thumbnails = page.locator(".gallery img")
        expect(thumbnails).to_have_count(4, timeout=180_000)
        expect(thumbnails.first).to_have_attribute("src", re.compile(r"^(blob:|data:image/)"))
        for label in ("red square", "blue circle"):
            expect(page.get_by_role("heading", name=label, exact=True)).to_be_visible()
        assert page.locator(".gallery img[alt^='red square']").count() == 2
        ui.screenshot("gallery")
        check_accessibility(ui, "gallery")


def _workflow(train: str, holdout: str) -> dict[str, object]:
    return {
        "name": "people pipeline",
        "steps": [
            {"name": "data", "type": "ingest", "params": {"dataset_id": train}},
            {
                "name": "train",
                "type": "train",
                "params": {"dataset": "$data.dataset_id", "synthesizer": "gaussian_copula"},
            },
            {
                "name": "generate",
                "type": "generate",
                "params": {"generator": "$train.generator_id", "size": 200, "seed": 1},
            },
            {
                "name": "evaluate",
                "type": "evaluate",
                "params": {
                    "real": "$data.dataset_id",
                    "synthetic": "$generate.synthetic_dataset_id",
                    "holdout": holdout,
                },
            },
            {
                "name": "test",
                "type": "test",
                "params": {
                    "report": "$evaluate.report_id",
                    "checks": [{"metric": "fidelity", "min": 0.3}],
                },
            },
        ],
    }


def test_a_workflow_run_is_watched_with_its_agents_live(ui: Page, server: LiveServer) -> None:
    token = httpx.post(
        f"{server.url}/v1/auth/token", data={"username": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}

    def upload(name: str, rows: int) -> str:
        response = httpx.post(
            f"{server.url}/v1/datasets",
            files={"file": (f"{name}.csv", people_csv(rows))},
            headers=headers,
            timeout=30,
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    config = httpx.post(
        f"{server.url}/v1/workflow-configs",
        json=_workflow(upload("train", 300), upload("holdout", 120)),
        headers=headers,
    )
    assert config.status_code == 201, config.text
    page = ui.page
    ui.sign_in()
    ui.open("workflows")
    page.get_by_role("link", name="people pipeline").first.click()
    expect(page.get_by_role("heading", name="people pipeline", level=1)).to_be_visible()
    check_accessibility(ui, "workflow configuration editor")
    page.get_by_role("button", name="Start a run").click()
    steps = page.get_by_role("region", name="Agents", exact=True)
    expect(steps).to_contain_text("train", timeout=30_000)
    ui.screenshot("run-started")
    expect(page.get_by_text("succeeded").first).to_be_visible(timeout=180_000)
    expect(steps).to_contain_text("evaluate")
    ui.screenshot("run-finished")
    check_accessibility(ui, "workflow run page")
