"""Workflow steps of the other modalities: a product video and a text-to-image dataset made by
one run, each a child job, with the video's cost counted."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from synthfoundry.db import Database
from tests.support.accounts import signed_in

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_video_and_image_steps(
    client: TestClient, migrated_database: Database, tiny_sdxl: Path
) -> None:
    owner = signed_in(client, migrated_database, "owner@example.com")
    config = {
        "name": "launch kit",
        "steps": [
            {
                "name": "ad",
                "type": "video",
                "params": {
                    "product_name": "EcoWater Bottle",
                    "cta_text": "Buy now",
                    "resolution": 120,
                    "duration_seconds": 1.5,
                },
            },
            {
                "name": "pictures",
                "type": "images",
                "params": {"labels": ["bottle"], "images_per_label": 2, "model": str(tiny_sdxl)},
            },
        ],
    }
    bad = {**config, "steps": [{**config["steps"][0], "params": {"product_name": ""}}]}
    problems = client.post("/v1/workflow-configs/validate", json=bad, headers=owner.headers).json()
    paths = {problem["path"] for problem in problems["problems"]}
    assert {"/steps/0/params/product_name", "/steps/0/params/cta_text"} <= paths

    started = client.post("/v1/workflows", json={"config": config}, headers=owner.headers).json()
    deadline = time.monotonic() + 240
    while (run := client.get(f"/v1/workflows/{started['id']}", headers=owner.headers).json())[
        "status"
    ] not in ("succeeded", "failed"):
        assert time.monotonic() < deadline, run
        time.sleep(0.2)

    assert run["status"] == "succeeded", run
    outputs = {step["name"]: step["outputs"] for step in run["steps"]}
    video = client.get(f"/v1/videos/{outputs['ad']['video_id']}", headers=owner.headers).json()
    assert video["status"] == "completed" and video["seconds"] == pytest.approx(1.5, abs=0.1)
    images = client.get(
        f"/v1/image-datasets/{outputs['pictures']['image_dataset_id']}", headers=owner.headers
    ).json()
    assert images["status"] == "ready" and images["file_count"] == 2
    assert run["cost_usd"] == 0.0 and all(step["job_id"] for step in run["steps"])
