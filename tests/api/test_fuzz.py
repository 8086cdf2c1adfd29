"""Schemathesis against the live server's own OpenAPI schema, with a valid admin API key:
no response may be a 5xx or differ from what the schema documents."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from synthfoundry.api import create_app
from synthfoundry.config import DatabaseSettings, RateLimitSettings, Settings
from synthfoundry.db import Database, migrate
from tests.support.accounts import PASSWORD, create_user
from tests.support.server import running_server

MAX_EXAMPLES_PER_OPERATION = 25


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    directory: Path = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite:///{directory / 'fuzz.db'}"
    database = Database.connect(url)
    migrate.upgrade(database)
    create_user(database, "fuzz@example.com", is_admin=True)
    database.dispose()
    app_settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=directory,
        database=DatabaseSettings(url=url),
        rate_limits=RateLimitSettings(enabled=False),
    )
    with running_server(create_app(app_settings)) as base_url:
        # Generous timeouts: password hashing is slow on a loaded machine.
        token = httpx.post(
            f"{base_url}/v1/auth/token",
            data={"username": "fuzz@example.com", "password": PASSWORD},
            timeout=60,
        ).json()["access_token"]
        key = httpx.post(
            f"{base_url}/v1/api-keys",
            json={"name": "fuzz", "scopes": ["admin"]},
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        ).json()["secret"]
        yield base_url, {"Authorization": f"Bearer {key}"}


# The schema is the app's own document, the one the live server serves at /openapi.json (a test
# below checks they are equal); it is read at import time because parametrisation needs it then.
OPENAPI = create_app(Settings(_env_file=None)).openapi()  # type: ignore[call-arg]
schema = schemathesis.openapi.from_dict(OPENAPI)


def test_live_server_serves_the_fuzzed_schema(live_server: tuple[str, dict[str, str]]) -> None:
    base_url, _headers = live_server
    assert httpx.get(f"{base_url}/openapi.json", timeout=60).json() == OPENAPI


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_conforms_to_its_schema(
    case: schemathesis.Case, live_server: tuple[str, dict[str, str]]
) -> None:
    base_url, headers = live_server
    response = case.call(base_url=base_url, headers=headers)

    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text[:300]}"
    case.validate_response(
        response,
        checks=[status_code_conformance, content_type_conformance, response_schema_conformance],
    )
