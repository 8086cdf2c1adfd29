"""The product's main path over HTTP, on SQLite and PostgreSQL, with a sample of Adult: upload,
train a few epochs, generate, judge, download."""

from __future__ import annotations

import io

import pandas as pd
from fastapi.testclient import TestClient

from synthfoundry.db import Database
from tests.support.accounts import signed_in
from tests.support.datasets import require_shared_data
from tests.support.jobs import wait_job


def test_upload_train_generate_report_download(
    client: TestClient, migrated_database: Database
) -> None:
    data = require_shared_data()
    train = pd.read_csv(data / "adult_train.csv").sample(1500, random_state=1)
    holdout = pd.read_csv(data / "adult_holdout.csv").sample(500, random_state=1)
    user = signed_in(client, migrated_database, "analyst@example.com")

    def upload(frame: pd.DataFrame, name: str) -> str:
        response = client.post(
            "/v1/datasets",
            files={"file": (name, frame.to_csv(index=False).encode())},
            headers=user.headers,
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def finished(response_json: dict) -> dict:
        job = wait_job(client, user, response_json["id"], seconds=180)
        assert job["status"] == "succeeded", job
        return job

    real_id, holdout_id = upload(train, "adult.csv"), upload(holdout, "adult_holdout.csv")
    generator = client.post(
        "/v1/generators",
        json={"dataset_id": real_id, "synthesizer": "ctgan", "params": {"epochs": 3}},
        headers=user.headers,
    ).json()
    finished(client.post(f"/v1/generators/{generator['id']}/train", headers=user.headers).json())
    made = finished(
        client.post(
            "/v1/synthetic-datasets",
            json={"generator_id": generator["id"], "size": 2000, "seed": 1},
            headers=user.headers,
        ).json()
    )
    synthetic_id = made["target_id"]
    judged = finished(
        client.post(
            "/v1/reports",
            json={
                "real_dataset_id": real_id,
                "synthetic_dataset_id": synthetic_id,
                "holdout_dataset_id": holdout_id,
                "target": "income",
            },
            headers=user.headers,
        ).json()
    )

    report = client.get(f"/v1/reports/{judged['target_id']}", headers=user.headers).json()
    assert report["status"] == "ready"
    assert 0 < report["summary"]["fidelity"] <= 1
    assert report["summary"]["utility"] is not None
    assert 0 <= report["summary"]["privacy_closer_to_train_share"] <= 1
    details = client.get(f"/v1/reports/{judged['target_id']}/details", headers=user.headers).json()
    assert details["utility"]["target"] == "income"
    page = client.get(f"/v1/reports/{judged['target_id']}/download", headers=user.headers)
    assert page.headers["content-type"].startswith("text/html") and "<svg" in page.text
    rows = pd.read_csv(
        io.BytesIO(
            client.get(
                f"/v1/synthetic-datasets/{synthetic_id}/download?format=csv", headers=user.headers
            ).content
        )
    )
    assert list(rows.columns) == list(train.columns) and len(rows) == 2000
    assert set(rows["income"].dropna()) <= set(train["income"].dropna())
