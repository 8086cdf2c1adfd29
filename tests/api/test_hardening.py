from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from pydantic import SecretStr

from synthfoundry.api import create_app
from synthfoundry.config import AuthSettings, DatabaseSettings, ServerSettings, Settings
from synthfoundry.db import Database, migrate
from tests.support.accounts import PASSWORD, login


def _settings(tmp_path: Path, **groups: object) -> Settings:
    database_url = f"sqlite:///{tmp_path / 'h.db'}"
    database = Database.connect(database_url)
    migrate.upgrade(database)
    database.dispose()
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path,
        database=DatabaseSettings(url=database_url),
        **groups,  # type: ignore[arg-type]
    )


def test_security_headers_on_api_and_docs(sqlite_client: TestClient) -> None:
    api = sqlite_client.get("/v1/about")
    docs = sqlite_client.get("/docs")

    assert api.headers["x-content-type-options"] == "nosniff"
    assert api.headers["x-frame-options"] == "DENY"
    assert api.headers["content-security-policy"].startswith("default-src 'none'")
    assert "script-src 'self'" in docs.headers["content-security-policy"]
    assert "strict-transport-security" not in api.headers


def test_hsts_when_configured(tmp_path: Path) -> None:
    settings = _settings(tmp_path, server=ServerSettings(hsts_seconds=31536000))
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").headers["strict-transport-security"] == "max-age=31536000"


def test_cors_allows_only_configured_origins(tmp_path: Path) -> None:
    settings = _settings(tmp_path, server=ServerSettings(cors_origins=["https://ui.example"]))
    with TestClient(create_app(settings)) as client:
        allowed = client.get("/healthz", headers={"Origin": "https://ui.example"})
        foreign = client.get("/healthz", headers={"Origin": "https://evil.example"})
        preflight = client.options(
            "/v1/users/me",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
        )

    assert allowed.headers["access-control-allow-origin"] == "https://ui.example"
    assert "access-control-allow-origin" not in foreign.headers
    assert "access-control-allow-origin" not in preflight.headers


def test_first_admin_comes_from_settings_once(tmp_path: Path) -> None:
    auth = AuthSettings(
        bootstrap_admin_email="boss@example.com", bootstrap_admin_password=SecretStr(PASSWORD)
    )
    settings = _settings(tmp_path, auth=auth)

    for _restart in range(2):
        with TestClient(create_app(settings)) as client:
            tokens = login(client, "boss@example.com")
            headers = {"Authorization": f"Bearer {tokens['access_token']}"}
            users = client.get("/v1/users", headers=headers).json()["items"]

    assert [(user["email"], user["is_admin"]) for user in users] == [("boss@example.com", True)]
