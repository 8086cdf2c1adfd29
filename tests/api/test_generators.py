"""Generators over HTTP: create on a dataset, train as a job, probe, delete."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from synthfoundry.db import Database
from tests.support.accounts import signed_in
from tests.support.flows import upload_dataset
from tests.support.jobs import wait_job


@pytest.mark.parametrize(
    ("synthesizer", "params"),
    [(None, {}), ("ctgan", {"epochs": 2, "batch_size": 100})],
    ids=["default", "ctgan"],
)
def test_create_train_probe_and_delete(
    client: TestClient, migrated_database: Database, synthesizer: str | None, params: dict
) -> None:
    owner = signed_in(client, migrated_database, "owner@example.com")
    body = {"dataset_id": upload_dataset(client, owner), "params": params}
    if synthesizer:
        body["synthesizer"] = synthesizer

    created = client.post("/v1/generators", json=body, headers=owner.headers)
    assert created.status_code == 201, created.text
    generator = created.json()
    assert generator["status"] == "new"
    assert generator["synthesizer"] == (synthesizer or "sequential_trees")
    url = f"/v1/generators/{generator['id']}"
    untrained = client.post(f"{url}/probe", json={"rows": 5}, headers=owner.headers)
    assert untrained.status_code == 409

    accepted = client.post(f"{url}/train", headers=owner.headers)
    assert accepted.status_code == 202, accepted.text
    assert accepted.headers["Location"] == f"/v1/jobs/{accepted.json()['id']}"
    job = wait_job(client, owner, accepted.json()["id"], seconds=120)
    assert job["status"] == "succeeded", job
    assert [stage["name"] for stage in job["stages"]] == [
        "load",
        "analyse",
        "encode",
        "train",
        "report",
    ]
    trained = client.get(url, headers=owner.headers).json()
    assert trained["status"] == "ready"
    assert 0 < trained["training_report"]["fidelity"] <= 1
    assert trained["trained_rows"] == 400
    training = trained["training_report"]["training"]
    assert training == job["result"]["training"] and training["seconds"] > 0
    if epochs := params.get("epochs"):
        assert training["epochs"] == epochs
        assert training["loss_curve"]["epoch"] == list(range(1, epochs + 1))
        assert set(training["final_losses"]) == set(training["loss_curve"]) - {"epoch"}

    probed = client.post(
        f"{url}/probe",
        json={"rows": 25, "seed": 3, "conditions": {"sex": "Female"}},
        headers=owner.headers,
    )
    assert probed.status_code == 200, probed.text
    rows = probed.json()["rows"]
    assert len(rows) == 25 and {row["sex"] for row in rows} == {"Female"}
    assert probed.json()["columns"] == ["age", "sex", "income", "city"]
    again = client.post(
        f"{url}/probe",
        json={"rows": 25, "seed": 3, "conditions": {"sex": "Female"}},
        headers=owner.headers,
    )
    assert again.json() == probed.json()
    assert (
        client.post(f"{url}/probe", json={"rows": 5000}, headers=owner.headers).status_code == 422
    )

    assert client.delete(url, headers=owner.headers).status_code == 204
    assert client.get(url, headers=owner.headers).status_code == 404


def test_bad_generator_requests_name_the_problem(
    client: TestClient, migrated_database: Database
) -> None:
    owner = signed_in(client, migrated_database, "owner@example.com")
    other = signed_in(client, migrated_database, "other@example.com")
    dataset_id = upload_dataset(client, owner)

    def create(body: dict) -> tuple[int, dict]:
        response = client.post("/v1/generators", json=body, headers=owner.headers)
        return response.status_code, response.json()

    status, problem = create({"dataset_id": dataset_id, "synthesizer": "nope"})
    assert status == 422 and "unknown synthesizer 'nope'" in problem["detail"]
    status, problem = create(
        {"dataset_id": dataset_id, "synthesizer": "ctgan", "params": {"epochs": 10**9}}
    )
    assert status == 422 and "epochs" in problem["detail"]
    status, problem = create({"dataset_id": dataset_id, "column_overrides": {"planet": "integer"}})
    assert status == 422 and "planet" in problem["detail"]
    foreign = client.post("/v1/generators", json={"dataset_id": dataset_id}, headers=other.headers)
    assert foreign.status_code == 404


def test_optimize_searches_and_stores_the_best_parameters(
    client: TestClient, migrated_database: Database
) -> None:
    owner = signed_in(client, migrated_database, "owner@example.com")
    created = client.post(
        "/v1/generators", json={"dataset_id": upload_dataset(client, owner)}, headers=owner.headers
    ).json()
    url = f"/v1/generators/{created['id']}/optimize"

    missing_target = client.post(url, json={"metric": "utility"}, headers=owner.headers)
    assert missing_target.status_code == 422 and "target" in missing_target.text
    accepted = client.post(
        url, json={"n_trials": 3, "metric": "composite", "target": "sex"}, headers=owner.headers
    )
    assert accepted.status_code == 202, accepted.text
    job = wait_job(client, owner, accepted.json()["id"], seconds=120)

    assert job["status"] == "succeeded", job
    result = job["result"]
    assert result["trials"] == 3 and 0 < result["best_value"] <= 1
    search = next(stage for stage in job["stages"] if stage["name"] == "search")
    assert (search["unit"], search["completed"], search["total"]) == ("trials", 3, 3)
    stored = client.get(f"/v1/generators/{created['id']}", headers=owner.headers).json()
    assert stored["params"]["min_leaf"] == result["best_params"]["min_leaf"]
