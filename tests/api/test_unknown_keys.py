"""Unknown keys are refused (422), each named by its path with a close known key when there is
one: a misspelt ``epoch`` once trained a CTGAN with the default 300 epochs."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient

from synthfoundry.db import Database
from synthfoundry.generators.models import Generator
from tests.support.accounts import Account, signed_in
from tests.support.flows import trained_generator, upload_dataset
from tests.support.jobs import wait_job


def errors_of(response: Any) -> list[tuple[str, str]]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return [(error["field"], error["message"]) for error in response.json()["errors"]]


def test_a_misspelt_synthesizer_parameter_is_named_with_the_parameter_meant(
    client: TestClient, migrated_database: Database
) -> None:
    owner = signed_in(client, migrated_database, "owner@example.com")
    dataset_id = upload_dataset(client, owner)

    def create(params: dict[str, Any], synthesizer: str = "ctgan") -> Any:
        body = {"dataset_id": dataset_id, "synthesizer": synthesizer, "params": params}
        return client.post("/v1/generators", json=body, headers=owner.headers)

    misspelt = create({"epoch": 5})
    several = create({"epoch": 5, "batch_sise": 100, "seed": -1})
    default_model = create({"min_leaves": 5}, synthesizer="sequential_trees")

    assert errors_of(misspelt) == [("params.epoch", 'unknown parameter; did you mean "epochs"?')]
    assert 'params.epoch: unknown parameter; did you mean "epochs"?' in misspelt.json()["detail"]
    assert [field for field, _ in errors_of(several)] == [
        "params.epoch",
        "params.batch_sise",
        "params.seed",
    ]
    assert errors_of(several)[1][1] == 'unknown parameter; did you mean "batch_size"?'
    assert errors_of(default_model) == [
        ("params.min_leaves", 'unknown parameter; did you mean "min_leaf"?')
    ]
    assert client.get("/v1/generators", headers=owner.headers).json()["items"] == []
    spelt_right = create({"epochs": 5})
    assert spelt_right.status_code == 201, spelt_right.text
    assert spelt_right.json()["params"]["epochs"] == 5


def test_unknown_body_fields_are_named_with_the_field_meant(
    client: TestClient, migrated_database: Database
) -> None:
    owner = signed_in(client, migrated_database, "owner@example.com")
    dataset_id = upload_dataset(client, owner)
    generator = client.post(
        "/v1/generators", json={"dataset_id": dataset_id}, headers=owner.headers
    ).json()

    renamed = client.patch(
        f"/v1/datasets/{dataset_id}", json={"nmae": "people"}, headers=owner.headers
    )
    key = client.post(
        "/v1/api-keys",
        json={"name": "ci", "scopes": ["datasets:read"], "expires": "2100-01-01T00:00:00Z"},
        headers=owner.headers,
    )
    optimized = client.post(
        f"/v1/generators/{generator['id']}/optimize",
        json={"n_trial": 3, "metric": "fidelity"},
        headers=owner.headers,
    )
    nested = client.post(
        "/v1/synthetic-datasets",
        json={"generator_id": generator["id"], "rebalance": {"colum": "sex", "shares": {}}},
        headers=owner.headers,
    )

    assert errors_of(renamed) == [("body.nmae", 'unknown field; did you mean "name"?')]
    assert renamed.json()["errors"][0]["type"] == "extra_forbidden"
    assert "body.nmae" in renamed.json()["detail"]
    assert errors_of(key) == [("body.expires", 'unknown field; did you mean "expires_at"?')]
    assert errors_of(optimized) == [("body.n_trial", 'unknown field; did you mean "n_trials"?')]
    assert ("body.rebalance.colum", 'unknown field; did you mean "column"?') in errors_of(nested)
    assert client.get(f"/v1/datasets/{dataset_id}", headers=owner.headers).json()["name"] != (
        "people"
    )
    assert client.get("/v1/jobs", headers=owner.headers).json()["items"] == []


def test_unknown_keys_and_columns_in_sample_requests_and_conditions(
    client: TestClient, migrated_database: Database
) -> None:
    owner = signed_in(client, migrated_database, "owner@example.com")
    dataset_id = upload_dataset(client, owner)
    generator_id = trained_generator(client, owner, dataset_id)
    jobs_before = len(client.get("/v1/jobs", headers=owner.headers).json()["items"])

    def generate(body: dict[str, Any]) -> Any:
        body = {"generator_id": generator_id, **body}
        return client.post("/v1/synthetic-datasets", json=body, headers=owner.headers)

    def probe(body: dict[str, Any]) -> Any:
        url = f"/v1/generators/{generator_id}/probe"
        return client.post(url, json=body, headers=owner.headers)

    assert errors_of(generate({"sise": 10})) == [
        ("body.sise", 'unknown field; did you mean "size"?')
    ]
    assert errors_of(generate({"conditions": {"sexx": "Female"}})) == [
        ("conditions.sexx", 'unknown column; did you mean "sex"?')
    ]
    grouped = generate({"conditions": [{"city": "Oslo", "count": 5}, {"cty": "Lima", "count": 5}]})
    assert errors_of(grouped) == [("conditions.1.cty", 'unknown column; did you mean "city"?')]
    rebalanced = generate({"rebalance": {"column": "sexe", "shares": {"Female": 1}}})
    assert errors_of(rebalanced) == [("rebalance.column", 'unknown column; did you mean "sex"?')]
    assert errors_of(probe({"row": 5})) == [("body.row", 'unknown field; did you mean "rows"?')]
    assert errors_of(probe({"rows": 5, "conditions": {"agee": [30, 40]}})) == [
        ("conditions.agee", 'unknown column; did you mean "age"?')
    ]
    batch = client.post(
        "/v1/batch",
        json={
            "operations": [
                {"type": "generate", "generator_id": generator_id, "conditions": {"sexx": "M"}}
            ]
        },
        headers=owner.headers,
    )
    assert errors_of(batch) == [
        ("operations.0.conditions.sexx", 'unknown column; did you mean "sex"?')
    ]
    assert len(client.get("/v1/jobs", headers=owner.headers).json()["items"]) == jobs_before

    # Without its dataset, the generator's trained model still names its columns.
    assert client.delete(f"/v1/datasets/{dataset_id}", headers=owner.headers).status_code == 204
    assert errors_of(generate({"conditions": {"sexx": "Female"}})) == [
        ("conditions.sexx", 'unknown column; did you mean "sex"?')
    ]
    accepted = generate({"size": 20, "conditions": {"sex": "Female"}})
    assert accepted.status_code == 202, accepted.text
    assert wait_job(client, owner, accepted.json()["id"], seconds=120)["status"] == "succeeded"


def test_stored_parameters_this_version_does_not_know_still_train(
    client: TestClient, migrated_database: Database
) -> None:
    owner: Account = signed_in(client, migrated_database, "owner@example.com")
    created = client.post(
        "/v1/generators",
        json={"dataset_id": upload_dataset(client, owner), "params": {"seed": 4}},
        headers=owner.headers,
    ).json()
    with migrated_database.unit_of_work(write=True) as session:
        row = session.get(Generator, uuid.UUID(created["id"]))
        assert row is not None
        row.params = {**row.params, "retired_parameter": 1}  # written by an older version

    accepted = client.post(f"/v1/generators/{created['id']}/train", headers=owner.headers)

    assert accepted.status_code == 202, accepted.text
    job = wait_job(client, owner, accepted.json()["id"], seconds=120)
    assert job["status"] == "succeeded", job
