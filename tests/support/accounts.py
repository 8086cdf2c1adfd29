"""Users, logins and keys for API tests, made through the same services the API uses."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from fastapi.testclient import TestClient

from synthfoundry import audit
from synthfoundry.accounts import users
from synthfoundry.accounts.schemas import UserCreate
from synthfoundry.db import Database

PASSWORD = "correct horse battery"


@dataclass
class Account:
    id: uuid.UUID
    email: str
    password: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


def create_user(database: Database, email: str, *, is_admin: bool = False) -> uuid.UUID:
    with database.unit_of_work(write=True) as session:
        user = users.create(
            session,
            audit.SYSTEM,
            UserCreate(email=email, name=email.split("@")[0], password=PASSWORD, is_admin=is_admin),
        )
        return user.id


def login(client: TestClient, email: str, password: str = PASSWORD) -> dict[str, object]:
    response = client.post("/v1/auth/token", data={"username": email, "password": password})
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def signed_in(
    client: TestClient, database: Database, email: str, *, is_admin: bool = False
) -> Account:
    user_id = create_user(database, email, is_admin=is_admin)
    tokens = login(client, email)
    return Account(
        id=user_id,
        email=email,
        password=PASSWORD,
        access_token=str(tokens["access_token"]),
        refresh_token=str(tokens["refresh_token"]),
    )


def create_key(
    client: TestClient, account: Account, scopes: list[str], name: str = "k"
) -> dict[str, str]:
    response = client.post(
        "/v1/api-keys", json={"name": name, "scopes": scopes}, headers=account.headers
    )
    assert response.status_code == 201, response.text
    body: dict[str, str] = response.json()
    return body


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}
