"""Another user's id, on every route that takes an id, must look exactly like a missing one."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from synthfoundry.db import Database
from tests.support.accounts import create_key, signed_in
from tests.support.flows import trained_generator, upload_dataset
from tests.support.jobs import submit_steps, wait_job

ADMIN_ONLY_PREFIXES = ("/v1/users/{", "/v1/audit-events")


def test_every_id_route_hides_other_users_objects(
    client: TestClient, migrated_database: Database
) -> None:
    owner = signed_in(client, migrated_database, "owner@example.com")
    intruder = signed_in(client, migrated_database, "intruder@example.com")
    owner_key = create_key(client, owner, ["api-keys:read"])
    owner_job_id = submit_steps(migrated_database, owner.id, steps=1)
    owner_dataset = {"id": upload_dataset(client, owner)}
    generator_id = trained_generator(client, owner, owner_dataset["id"])
    accepted = client.post(
        "/v1/synthetic-datasets",
        json={"generator_id": generator_id, "size": 10},
        headers=owner.headers,
    ).json()
    synthetic_id = wait_job(client, owner, accepted["id"], seconds=60)["target_id"]
    judging = client.post(
        "/v1/reports",
        json={"real_dataset_id": owner_dataset["id"], "synthetic_dataset_id": synthetic_id},
        headers=owner.headers,
    ).json()
    report_id = wait_job(client, owner, judging["id"], seconds=60)["target_id"]
    ids = {
        "report_id": report_id,
        "generator_id": generator_id,
        "synthetic_dataset_id": synthetic_id,
        "api_key_id": owner_key["id"],
        "user_id": str(owner.id),
        "job_id": str(owner_job_id),
        "dataset_id": owner_dataset["id"],
    }
    schema = client.get("/openapi.json").json()

    checked = []
    for path, operations in schema["paths"].items():
        parameters = re.findall(r"{(\w+)}", path)
        if not parameters or not set(parameters) <= set(ids):
            continue  # no id, or not an owned object (the synthesizer catalogue by name)
        concrete = path.format(**{name: ids[name] for name in parameters})
        for method in operations:
            response = client.request(method, concrete, headers=intruder.headers, json={})
            expected = {403} if path.startswith(ADMIN_ONLY_PREFIXES) else {404}
            assert response.status_code in expected, (
                f"{method.upper()} {path}: {response.status_code}"
            )
            assert owner.email not in response.text
            checked.append(f"{method.upper()} {path}")

    assert len(checked) >= 5
    still_there = client.get(f"/v1/api-keys/{owner_key['id']}", headers=owner.headers)
    assert still_there.status_code == 200
    assert client.get(f"/v1/jobs/{owner_job_id}", headers=owner.headers).status_code == 200
    dataset_url = f"/v1/datasets/{owner_dataset['id']}"
    assert client.get(dataset_url, headers=owner.headers).status_code == 200
