from __future__ import annotations

from fastapi.testclient import TestClient

from synthfoundry.db import Database
from tests.support.accounts import PASSWORD, signed_in


def test_admin_creates_lists_updates_and_deletes_users(
    client: TestClient, migrated_database: Database
) -> None:
    admin = signed_in(client, migrated_database, "root@example.com", is_admin=True)

    created = client.post(
        "/v1/users",
        json={"email": "New@Example.com", "name": "New", "password": PASSWORD},
        headers=admin.headers,
    )
    duplicate = client.post(
        "/v1/users",
        json={"email": "new@example.com", "name": "Again", "password": PASSWORD},
        headers=admin.headers,
    )
    user_id = created.json()["id"]
    renamed = client.patch(f"/v1/users/{user_id}", json={"name": "Renamed"}, headers=admin.headers)
    first_page = client.get("/v1/users?limit=1", headers=admin.headers).json()
    second_page = client.get(
        f"/v1/users?limit=1&cursor={first_page['next_cursor']}", headers=admin.headers
    ).json()
    deleted = client.delete(f"/v1/users/{user_id}", headers=admin.headers)

    assert created.status_code == 201
    assert created.json()["email"] == "new@example.com"
    assert duplicate.status_code == 409
    assert renamed.json()["name"] == "Renamed"
    assert [user["email"] for user in first_page["items"] + second_page["items"]] == [
        "new@example.com",
        "root@example.com",
    ]
    assert second_page["next_cursor"] is None
    assert deleted.status_code == 204
    assert client.get(f"/v1/users/{user_id}", headers=admin.headers).status_code == 404


def test_the_last_admin_cannot_be_removed(client: TestClient, migrated_database: Database) -> None:
    admin = signed_in(client, migrated_database, "root@example.com", is_admin=True)

    demote = client.patch(f"/v1/users/{admin.id}", json={"is_admin": False}, headers=admin.headers)
    disable = client.patch(
        f"/v1/users/{admin.id}", json={"is_active": False}, headers=admin.headers
    )
    delete = client.delete(f"/v1/users/{admin.id}", headers=admin.headers)

    assert [demote.status_code, disable.status_code, delete.status_code] == [409, 409, 409]


def test_users_cannot_use_admin_routes(client: TestClient, migrated_database: Database) -> None:
    user = signed_in(client, migrated_database, "user@example.com")

    for method, path in [
        ("GET", "/v1/users"),
        ("POST", "/v1/users"),
        ("GET", "/v1/audit-events"),
        ("GET", "/v1/audit-events/export"),
    ]:
        response = client.request(method, path, headers=user.headers, json={})
        assert response.status_code == 403, path


def test_invalid_page_parameters_are_422(client: TestClient, migrated_database: Database) -> None:
    admin = signed_in(client, migrated_database, "root@example.com", is_admin=True)

    for query in ("limit=0", "limit=1000000", "cursor=***", "cursor=AAAA"):
        response = client.get(f"/v1/users?{query}", headers=admin.headers)
        assert response.status_code == 422, query


def test_no_response_holds_hashes_or_secrets(
    client: TestClient, migrated_database: Database
) -> None:
    admin = signed_in(client, migrated_database, "root@example.com", is_admin=True)
    client.post(
        "/v1/api-keys", json={"name": "k", "scopes": ["datasets:read"]}, headers=admin.headers
    )

    bodies = [
        client.get(path, headers=admin.headers).text
        for path in (
            "/v1/users/me",
            "/v1/users",
            "/v1/api-keys",
            "/v1/audit-events",
            "/v1/audit-events/export?format=jsonl",
            "/v1/audit-events/export?format=csv",
        )
    ]

    for body in bodies:
        assert "$argon2" not in body
        assert "password_hash" not in body
        assert "secret_hash" not in body
        assert PASSWORD not in body
