from __future__ import annotations

import csv
import io
import json

from fastapi.testclient import TestClient

from synthfoundry.db import Database
from tests.support.accounts import PASSWORD, create_key, signed_in


def test_every_mutation_leaves_one_audit_event(
    client: TestClient, migrated_database: Database
) -> None:
    admin = signed_in(client, migrated_database, "root@example.com", is_admin=True)
    root_id = str(admin.id)
    created = client.post(
        "/v1/users",
        json={"email": "u@example.com", "name": "U", "password": PASSWORD},
        headers=admin.headers,
    )
    user_id = created.json()["id"]
    renamed = client.patch(
        f"/v1/users/{user_id}",
        json={"name": "V", "password": "another long one"},
        headers=admin.headers,
    )
    key = create_key(client, admin, ["datasets:read"])
    client.delete(f"/v1/api-keys/{key['id']}", headers=admin.headers)
    client.patch("/v1/users/me", json={"name": "Root"}, headers=admin.headers)
    client.delete(f"/v1/users/{user_id}", headers=admin.headers)
    client.post("/v1/auth/logout", headers=admin.headers)
    admin = signed_in(client, migrated_database, "second@example.com", is_admin=True)

    events = client.get("/v1/audit-events?limit=100", headers=admin.headers).json()["items"]
    actions = [event["action"] for event in reversed(events)]

    assert actions == [
        "users.create",
        "auth.login",  # root, made by the test, signs in
        "users.create",
        "users.update",
        "api_keys.create",
        "api_keys.revoke",
        "users.update",
        "users.delete",
        "auth.logout",
        "users.create",
        "auth.login",  # second admin
    ]
    update = next(
        event for event in events if event["request_id"] == renamed.headers["x-request-id"]
    )
    assert update["actor_type"] == "user"
    assert update["actor_id"] == root_id
    assert update["target_id"] == user_id
    assert update["details"] == {"name": "V", "password": "[redacted]"}
    assert update["client_ip"]


def test_audit_filters_and_exports(client: TestClient, migrated_database: Database) -> None:
    admin = signed_in(client, migrated_database, "root@example.com", is_admin=True)
    create_key(client, admin, ["datasets:read"], name="=HYPERLINK(1)")

    only_keys = client.get("/v1/audit-events?action=api_keys.create", headers=admin.headers).json()[
        "items"
    ]
    by_actor = client.get(f"/v1/audit-events?actor_id={admin.id}", headers=admin.headers).json()[
        "items"
    ]
    future = client.get(
        "/v1/audit-events?since=2999-01-01T00:00:00Z", headers=admin.headers
    ).json()["items"]
    jsonl = client.get("/v1/audit-events/export?format=jsonl", headers=admin.headers)
    as_csv = client.get("/v1/audit-events/export?format=csv", headers=admin.headers)

    assert [event["details"]["name"] for event in only_keys] == ["=HYPERLINK(1)"]
    assert {event["action"] for event in by_actor} == {"auth.login", "api_keys.create"}
    assert future == []
    records = [json.loads(line) for line in jsonl.text.splitlines()]
    assert jsonl.headers["content-type"] == "application/x-ndjson"
    assert {record["action"] for record in records} == {
        "users.create",
        "auth.login",
        "api_keys.create",
    }
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert as_csv.headers["content-disposition"] == 'attachment; filename="audit-events.csv"'
    assert len(rows) == 3
    assert all(not value.startswith(("=", "+", "-", "@")) for row in rows for value in row.values())
