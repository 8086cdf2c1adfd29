"""Common steps over HTTP: a small dataset uploaded, a generator trained."""

from __future__ import annotations

import numpy as np
import pandas as pd
from fastapi.testclient import TestClient

from tests.support.accounts import Account
from tests.support.jobs import wait_job


def people_csv(rows: int = 400) -> bytes:
    rng = np.random.default_rng(0)
    age = rng.integers(18, 80, rows)
    frame = pd.DataFrame(
        {
            "age": age,
            "sex": rng.choice(["Female", "Male"], rows),
            "income": (age * 800 + rng.normal(0, 3000, rows)).round(0),
            "city": rng.choice(["Oslo", "Lima", "Pune"], rows),
        }
    )
    return frame.to_csv(index=False).encode()


def upload_dataset(client: TestClient, account: Account, content: bytes | None = None) -> str:
    response = client.post(
        "/v1/datasets",
        files={"file": ("people.csv", content or people_csv())},
        headers=account.headers,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def trained_generator(client: TestClient, account: Account, dataset_id: str | None = None) -> str:
    body = {"dataset_id": dataset_id or upload_dataset(client, account)}
    created = client.post("/v1/generators", json=body, headers=account.headers)
    assert created.status_code == 201, created.text
    generator_id = str(created.json()["id"])
    job = client.post(f"/v1/generators/{generator_id}/train", headers=account.headers).json()
    assert wait_job(client, account, job["id"], seconds=120)["status"] == "succeeded"
    return generator_id
