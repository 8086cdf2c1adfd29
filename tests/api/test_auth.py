"""Login, tokens, refresh rotation, logout and password changes, including the attacks on them."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest
from fastapi.testclient import TestClient

from synthfoundry.config import Settings
from synthfoundry.db import Database, utcnow
from tests.support.accounts import PASSWORD, bearer, create_user, login, signed_in


def audit_actions(client: TestClient, admin_headers: dict[str, str]) -> list[str]:
    events = client.get("/v1/audit-events?limit=200", headers=admin_headers).json()["items"]
    return [f"{event['action']}:{event['outcome']}" for event in events]


def test_login_gives_tokens_that_open_me(client: TestClient, migrated_database: Database) -> None:
    create_user(migrated_database, "ada@example.com")

    tokens = login(client, "ADA@example.com ")
    me = client.get("/v1/users/me", headers=bearer(str(tokens["access_token"])))

    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 15 * 60
    assert me.status_code == 200
    assert me.json()["email"] == "ada@example.com"
    assert me.json()["last_login_at"] is not None


def test_failed_logins_look_alike_and_are_audited(
    client: TestClient, migrated_database: Database
) -> None:
    admin = signed_in(client, migrated_database, "root@example.com", is_admin=True)

    wrong_password = client.post(
        "/v1/auth/token", data={"username": "root@example.com", "password": "wrong password!"}
    )
    unknown_user = client.post(
        "/v1/auth/token", data={"username": "nobody@example.com", "password": "wrong password!"}
    )

    for response in (wrong_password, unknown_user):
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
    assert wrong_password.json()["detail"] == unknown_user.json()["detail"]
    assert audit_actions(client, admin.headers).count("auth.login:failure") == 2


def test_repeated_logins_are_rate_limited(client: TestClient, migrated_database: Database) -> None:
    create_user(migrated_database, "eve@example.com")
    statuses = [
        client.post(
            "/v1/auth/token", data={"username": "eve@example.com", "password": f"guess-{n:04d}xx"}
        ).status_code
        for n in range(20)
    ]
    blocked = client.post(
        "/v1/auth/token", data={"username": "eve@example.com", "password": PASSWORD}
    )

    assert statuses[:10] == [401] * 10
    assert set(statuses[10:]) == {429}
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) >= 1
    assert blocked.json()["code"] == "rate_limited"


def forge(settings: Settings, **overrides: object) -> str:
    now = utcnow()
    claims = {
        "iss": "synthfoundry",
        "aud": "synthfoundry-api",
        "sub": "00000000-0000-7000-8000-000000000000",
        "sid": "00000000-0000-7000-8000-000000000000",
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(minutes=5),
    }
    key = str(overrides.pop("key", settings.security.secret_key.get_secret_value()))
    algorithm = str(overrides.pop("algorithm", "HS256"))
    claims.update(overrides)
    return jwt.encode(claims, key, algorithm=algorithm)


def test_bad_tokens_are_refused(
    client: TestClient, settings: Settings, migrated_database: Database
) -> None:
    account = signed_in(client, migrated_database, "mal@example.com")
    valid = jwt.decode(account.access_token, options={"verify_signature": False})
    base = {"sub": valid["sub"], "sid": valid["sid"]}
    _header, payload, _signature = account.access_token.split(".")
    unsigned_header = jwt.utils.base64url_encode(b'{"alg":"none","typ":"JWT"}').decode()

    tokens = {
        "alg none": f"{unsigned_header}.{payload}.",
        "wrong key": forge(settings, key="another-key-of-sufficient-length-000", **base),
        "expired": forge(settings, exp=utcnow() - timedelta(seconds=5), **base),
        "not yet valid": forge(settings, nbf=utcnow() + timedelta(minutes=1), **base),
        "wrong audience": forge(settings, aud="someone-else", **base),
        "wrong issuer": forge(settings, iss="someone-else", **base),
        "unknown session": forge(settings, sub=valid["sub"]),
        "garbage": "not.a.token",
        "fake api key": "sfk_0123456789abcdef_notthesecret",
    }
    assert client.get("/v1/users/me", headers=account.headers).status_code == 200
    assert client.get("/v1/users/me").status_code == 401
    for name, token in tokens.items():
        response = client.get("/v1/users/me", headers=bearer(token))
        assert response.status_code == 401, name
        assert response.json()["code"] == "not_authenticated", name


def test_refresh_rotates_and_reuse_revokes_the_family(
    client: TestClient, migrated_database: Database
) -> None:
    admin = signed_in(client, migrated_database, "root@example.com", is_admin=True)
    account = signed_in(client, migrated_database, "bob@example.com")

    rotated = client.post("/v1/auth/refresh", json={"refresh_token": account.refresh_token})
    assert rotated.status_code == 200
    new_pair = rotated.json()
    assert new_pair["refresh_token"] != account.refresh_token
    assert client.get("/v1/users/me", headers=bearer(new_pair["access_token"])).status_code == 200

    reused = client.post("/v1/auth/refresh", json={"refresh_token": account.refresh_token})

    assert reused.status_code == 401
    assert (
        client.post(
            "/v1/auth/refresh", json={"refresh_token": new_pair["refresh_token"]}
        ).status_code
        == 401
    )
    assert client.get("/v1/users/me", headers=bearer(new_pair["access_token"])).status_code == 401
    assert "auth.refresh_reuse:failure" in audit_actions(client, admin.headers)


def test_logout_ends_access_and_refresh_tokens(
    client: TestClient, migrated_database: Database
) -> None:
    account = signed_in(client, migrated_database, "carol@example.com")

    assert client.post("/v1/auth/logout", headers=account.headers).status_code == 204

    assert client.get("/v1/users/me", headers=account.headers).status_code == 401
    assert (
        client.post("/v1/auth/refresh", json={"refresh_token": account.refresh_token}).status_code
        == 401
    )


def test_password_change_ends_every_session(
    client: TestClient, migrated_database: Database
) -> None:
    account = signed_in(client, migrated_database, "dave@example.com")
    other_session = login(client, account.email)
    new_password = "a much better passphrase"

    wrong = client.patch(
        "/v1/users/me",
        json={"new_password": new_password, "current_password": "nope"},
        headers=account.headers,
    )
    changed = client.patch(
        "/v1/users/me",
        json={"new_password": new_password, "current_password": PASSWORD},
        headers=account.headers,
    )

    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "current_password"
    assert changed.status_code == 200
    assert client.get("/v1/users/me", headers=account.headers).status_code == 401
    assert (
        client.get("/v1/users/me", headers=bearer(str(other_session["access_token"]))).status_code
        == 401
    )
    assert login(client, account.email, new_password)["access_token"]


@pytest.mark.parametrize(
    "body",
    [
        {"is_admin": True},
        {"email": "new@example.com"},
        {"is_active": False},
        {"name": "x", "role": "admin"},
    ],
)
def test_mass_assignment_on_me_is_refused(
    client: TestClient, migrated_database: Database, body: dict[str, object]
) -> None:
    account = signed_in(client, migrated_database, "frank@example.com")

    response = client.patch("/v1/users/me", json=body, headers=account.headers)
    me = client.get("/v1/users/me", headers=account.headers).json()

    assert response.status_code == 422
    assert me["is_admin"] is False
    assert me["email"] == "frank@example.com"
    assert me["is_active"] is True
