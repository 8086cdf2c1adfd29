from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from synthfoundry import errors


class Widget(BaseModel):
    name: str = Field(min_length=3)
    count: int = Field(ge=0)
    password: str


@pytest.fixture
def client(sqlite_app: FastAPI) -> Iterator[TestClient]:
    @sqlite_app.get("/test/raise/{kind}")
    def raise_domain_error(kind: str) -> None:
        error_types: dict[str, type[errors.SynthfoundryError]] = {
            "not_found": errors.NotFound,
            "conflict": errors.Conflict,
            "invalid_state": errors.InvalidState,
            "permission_denied": errors.PermissionDenied,
            "payload_too_large": errors.PayloadTooLarge,
            "unsupported_media_type": errors.UnsupportedMediaType,
            "service_unavailable": errors.ServiceUnavailable,
            "configuration_error": errors.ConfigurationError,
        }
        raise error_types[kind](f"{kind} happened at /srv/secret/path")

    @sqlite_app.get("/test/invalid-input")
    def invalid_input() -> None:
        raise errors.InvalidInput("column 'age' has text values", field="age")

    @sqlite_app.get("/test/crash")
    def crash() -> None:
        raise RuntimeError("boom in /srv/secret/module.py")

    @sqlite_app.post("/test/widgets")
    def create_widget(widget: Widget) -> Widget:
        return widget

    with TestClient(sqlite_app, raise_server_exceptions=False) as test_client:
        yield test_client


def assert_problem(response_json: dict[str, object], status: int, code: str) -> None:
    assert response_json["status"] == status
    assert response_json["code"] == code
    assert response_json["type"] == f"urn:synthfoundry:problem:{code}"
    assert isinstance(response_json["title"], str) and response_json["title"]
    assert isinstance(response_json["detail"], str) and response_json["detail"]
    assert isinstance(response_json["request_id"], str) and response_json["request_id"]


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        ("not_found", 404),
        ("conflict", 409),
        ("invalid_state", 409),
        ("permission_denied", 403),
        ("payload_too_large", 413),
        ("unsupported_media_type", 415),
        ("service_unavailable", 503),
    ],
)
def test_domain_errors_map_to_problems(client: TestClient, kind: str, status: int) -> None:
    response = client.get(f"/test/raise/{kind}")

    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert_problem(body, status, kind)
    assert body["instance"] == f"/test/raise/{kind}"
    assert body["request_id"] == response.headers["x-request-id"]


def test_invalid_input_names_the_field(client: TestClient) -> None:
    body = client.get("/test/invalid-input").json()

    assert_problem(body, 422, "invalid_input")
    assert body["errors"] == [{"field": "age", "message": "column 'age' has text values"}]


def test_validation_errors_list_each_field_without_echoing_values(client: TestClient) -> None:
    response = client.post("/test/widgets", json={"name": "x", "count": -1, "password": 7})

    assert response.status_code == 422
    body = response.json()
    assert_problem(body, 422, "validation_error")
    assert {error["field"] for error in body["errors"]} == {
        "body.name",
        "body.count",
        "body.password",
    }
    assert all(error["message"] for error in body["errors"])
    assert "input" not in str(body["errors"][0])


def test_unhandled_errors_are_a_500_problem_without_internals(client: TestClient) -> None:
    for path in ("/test/crash", "/test/raise/configuration_error"):
        response = client.get(path)

        assert response.status_code == 500
        body = response.json()
        assert_problem(body, 500, "internal_error")
        assert body["detail"] == "Internal server error"
        assert "secret" not in response.text
        assert "Traceback" not in response.text


def test_unknown_path_and_wrong_method(client: TestClient) -> None:
    missing = client.get("/v1/no-such-thing")
    wrong_method = client.delete("/healthz")

    assert missing.status_code == 404
    assert_problem(missing.json(), 404, "not_found")
    assert wrong_method.status_code == 405
    assert_problem(wrong_method.json(), 405, "method_not_allowed")
    assert "GET" in wrong_method.headers["allow"]


def test_body_over_the_limit_is_refused_from_content_length(client: TestClient) -> None:
    response = client.post(
        "/test/widgets",
        content=b"x" * (64 * 1024 + 1),
        headers={"content-type": "application/json"},
    )

    assert response.status_code == 413
    assert_problem(response.json(), 413, "payload_too_large")


def test_streamed_body_over_the_limit_is_cut_off(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(100):
            yield b"x" * 4096

    response = client.post(
        "/test/widgets", content=chunks(), headers={"content-type": "application/json"}
    )

    assert response.status_code == 413
    assert_problem(response.json(), 413, "payload_too_large")


def test_request_id_is_echoed_when_safe_and_generated_otherwise(client: TestClient) -> None:
    supplied = client.get("/healthz", headers={"x-request-id": "trace-123.abc"})
    unsafe = client.get("/healthz", headers={"x-request-id": "bad id\twith<tags>"})
    generated = client.get("/healthz")

    assert supplied.headers["x-request-id"] == "trace-123.abc"
    assert unsafe.headers["x-request-id"] != "bad id\twith<tags>"
    assert len(generated.headers["x-request-id"]) == 32
