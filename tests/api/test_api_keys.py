from __future__ import annotations

from fastapi.testclient import TestClient

from synthfoundry.db import Database
from tests.support.accounts import bearer, create_key, signed_in


def test_key_secret_is_shown_once_and_works_as_bearer(
    client: TestClient, migrated_database: Database
) -> None:
    account = signed_in(client, migrated_database, "kim@example.com")

    created = create_key(client, account, ["api-keys:read"], name="ci")
    listed = client.get("/v1/api-keys", headers=bearer(created["secret"]))

    assert created["secret"].startswith(f"sfk_{created['key_id']}_")
    assert listed.status_code == 200
    assert [key["name"] for key in listed.json()["items"]] == ["ci"]
    assert created["secret"] not in listed.text
    assert "secret" not in listed.json()["items"][0]


def test_key_beyond_its_scopes_gets_403_and_revoked_key_401(
    client: TestClient, migrated_database: Database
) -> None:
    account = signed_in(client, migrated_database, "lee@example.com")
    read_only = create_key(client, account, ["api-keys:read"])
    writer = create_key(client, account, ["api-keys:write"])

    write_attempt = client.post(
        "/v1/api-keys",
        json={"name": "x", "scopes": ["api-keys:read"]},
        headers=bearer(read_only["secret"]),
    )
    read_with_write_scope = client.get("/v1/api-keys", headers=bearer(writer["secret"]))
    revoked = client.delete(f"/v1/api-keys/{read_only['id']}", headers=account.headers)
    after_revoke = client.get("/v1/api-keys", headers=bearer(read_only["secret"]))

    assert write_attempt.status_code == 403
    assert "api-keys:write" in write_attempt.json()["detail"]
    assert read_with_write_scope.status_code == 200  # write implies read on the same resource
    assert revoked.status_code == 204
    assert after_revoke.status_code == 401
    assert (
        client.delete(f"/v1/api-keys/{read_only['id']}", headers=account.headers).status_code == 409
    )


def test_keys_cannot_escalate_or_name_unknown_scopes(
    client: TestClient, migrated_database: Database
) -> None:
    account = signed_in(client, migrated_database, "mia@example.com")
    narrow = create_key(client, account, ["api-keys:write"])

    admin_scope = client.post(
        "/v1/api-keys", json={"name": "x", "scopes": ["admin"]}, headers=account.headers
    )
    wider = client.post(
        "/v1/api-keys",
        json={"name": "x", "scopes": ["datasets:read"]},
        headers=bearer(narrow["secret"]),
    )
    unknown = client.post(
        "/v1/api-keys", json={"name": "x", "scopes": ["root:all"]}, headers=account.headers
    )
    owner_smuggled = client.post(
        "/v1/api-keys",
        json={"name": "x", "scopes": ["datasets:read"], "owner_id": str(account.id)},
        headers=account.headers,
    )

    assert admin_scope.status_code == 403
    assert wider.status_code == 403
    assert unknown.status_code == 422
    assert "root:all" in unknown.json()["detail"]
    assert owner_smuggled.status_code == 422


def test_expired_key_is_refused(client: TestClient, migrated_database: Database) -> None:
    account = signed_in(client, migrated_database, "ned@example.com")
    past = client.post(
        "/v1/api-keys",
        json={"name": "old", "scopes": ["api-keys:read"], "expires_at": "2001-01-01T00:00:00Z"},
        headers=account.headers,
    )

    assert past.status_code == 422
    assert past.json()["errors"][0]["field"] == "expires_at"


def test_disabling_a_user_stops_their_keys_and_tokens(
    client: TestClient, migrated_database: Database
) -> None:
    admin = signed_in(client, migrated_database, "root@example.com", is_admin=True)
    account = signed_in(client, migrated_database, "ola@example.com")
    key = create_key(client, account, ["api-keys:read"])

    disabled = client.patch(
        f"/v1/users/{account.id}", json={"is_active": False}, headers=admin.headers
    )

    assert disabled.status_code == 200
    assert client.get("/v1/api-keys", headers=bearer(key["secret"])).status_code == 401
    assert client.get("/v1/users/me", headers=account.headers).status_code == 401
    assert (
        client.post(
            "/v1/auth/token", data={"username": account.email, "password": account.password}
        ).status_code
        == 401
    )

    client.patch(f"/v1/users/{account.id}", json={"is_active": True}, headers=admin.headers)
    assert client.get("/v1/api-keys", headers=bearer(key["secret"])).status_code == 200


def test_admin_lists_everyone_s_keys_only_when_asked(
    client: TestClient, migrated_database: Database
) -> None:
    admin = signed_in(client, migrated_database, "root@example.com", is_admin=True)
    account = signed_in(client, migrated_database, "pia@example.com")
    create_key(client, account, ["api-keys:read"], name="pia-key")

    own = client.get("/v1/api-keys", headers=admin.headers).json()["items"]
    everyone = client.get("/v1/api-keys?all_owners=true", headers=admin.headers).json()["items"]
    user_asks_all = client.get("/v1/api-keys?all_owners=true", headers=account.headers).json()[
        "items"
    ]

    assert own == []
    assert [key["name"] for key in everyone] == ["pia-key"]
    assert [key["name"] for key in user_asks_all] == ["pia-key"]
