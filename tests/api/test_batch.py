"""Batches over HTTP: train then generate in sequence; several generations in parallel."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from synthfoundry.db import Database
from tests.support.accounts import signed_in
from tests.support.flows import trained_generator, upload_dataset
from tests.support.jobs import wait_job


def test_train_then_generate_in_sequence(client: TestClient, migrated_database: Database) -> None:
    owner = signed_in(client, migrated_database, "owner@example.com")
    generator = client.post(
        "/v1/generators", json={"dataset_id": upload_dataset(client, owner)}, headers=owner.headers
    ).json()
    body = {
        "mode": "sequence",
        "operations": [
            {"type": "train", "generator_id": generator["id"]},
            {"type": "generate", "generator_id": generator["id"], "size": 250, "seed": 1},
        ],
    }

    accepted = client.post("/v1/batch", json=body, headers=owner.headers)
    assert accepted.status_code == 202, accepted.text
    parent = wait_job(client, owner, accepted.json()["id"], seconds=120)

    assert parent["status"] == "succeeded", parent
    children = parent["result"]["children"]
    assert [child["kind"] for child in children] == ["generators.train", "synthetic.generate"]
    assert {child["status"] for child in children} == {"succeeded"}
    made = client.get(
        f"/v1/synthetic-datasets/{children[1]['target_id']}", headers=owner.headers
    ).json()
    assert made["rows"] == 250


@pytest.mark.parametrize("mode", ["parallel", "sequence"])
def test_a_failing_operation_fails_the_batch(
    client: TestClient, migrated_database: Database, mode: str
) -> None:
    owner = signed_in(client, migrated_database, "owner@example.com")
    ready = trained_generator(client, owner)
    untrained = client.post(
        "/v1/generators", json={"dataset_id": upload_dataset(client, owner)}, headers=owner.headers
    ).json()
    body = {
        "mode": mode,
        "operations": [
            {"type": "generate", "generator_id": ready, "size": 100},
            {"type": "generate", "generator_id": untrained["id"], "size": 100},
        ],
    }

    parent = wait_job(
        client,
        owner,
        client.post("/v1/batch", json=body, headers=owner.headers).json()["id"],
        seconds=120,
    )

    assert parent["status"] == "failed"
    assert (
        "not_trained" in parent["error"]["message"]
        or "train it first" in parent["error"]["message"]
    )


def test_batch_requests_are_validated(client: TestClient, migrated_database: Database) -> None:
    owner = signed_in(client, migrated_database, "owner@example.com")
    other = signed_in(client, migrated_database, "other@example.com")
    generator = client.post(
        "/v1/generators", json={"dataset_id": upload_dataset(client, owner)}, headers=owner.headers
    ).json()
    operation = {"type": "train", "generator_id": generator["id"]}

    assert (
        client.post("/v1/batch", json={"operations": []}, headers=owner.headers).status_code == 422
    )
    too_many = {"operations": [operation] * 11}
    assert client.post("/v1/batch", json=too_many, headers=owner.headers).status_code == 422
    unknown = {"operations": [{"type": "explode", "generator_id": generator["id"]}]}
    assert client.post("/v1/batch", json=unknown, headers=owner.headers).status_code == 422
    foreign = client.post("/v1/batch", json={"operations": [operation]}, headers=other.headers)
    assert foreign.status_code == 404
