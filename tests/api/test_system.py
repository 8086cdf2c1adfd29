from __future__ import annotations

from fastapi.testclient import TestClient

from synthfoundry import __version__
from synthfoundry.db import Database
from synthfoundry.db.instance import get_instance_id


def test_about_names_version_instance_and_backends(
    client: TestClient, migrated_database: Database
) -> None:
    with migrated_database.unit_of_work() as session:
        instance_id = get_instance_id(session)

    about = client.get("/v1/about").json()

    assert about["version"] == __version__
    assert about["api_version"] == "v1"
    assert about["instance_id"] == str(instance_id)
    assert about["backends"] == {"database": migrated_database.backend, "storage": "file"}
    assert about["modalities"] == ["image", "tabular"]


def test_openapi_has_clean_unique_operation_ids(sqlite_client: TestClient) -> None:
    schema = sqlite_client.get("/openapi.json").json()
    operation_ids = [
        operation["operationId"] for path in schema["paths"].values() for operation in path.values()
    ]

    assert len(operation_ids) == len(set(operation_ids))
    assert {"healthz", "readyz", "metrics", "get_about"} <= set(operation_ids)
    assert all(operation_id.isidentifier() for operation_id in operation_ids)


def test_openapi_documents_errors_as_problems(sqlite_client: TestClient) -> None:
    schema = sqlite_client.get("/openapi.json").json()

    assert "HTTPValidationError" not in schema["components"]["schemas"]
    for path in schema["paths"].values():
        for operation in path.values():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    media = response["content"]["application/problem+json"]
                    assert media["schema"] == {"$ref": "#/components/schemas/Problem"}


def test_docs_render_from_local_assets(sqlite_client: TestClient) -> None:
    page = sqlite_client.get("/docs")

    assert page.status_code == 200
    assert "/docs-assets/swagger-ui-bundle.js" in page.text
    assert "cdn" not in page.text.lower()
    script = sqlite_client.get("/docs-assets/swagger-ui-bundle.js")
    assert script.status_code == 200
    assert len(script.content) > 100_000


def test_metrics_count_requests_by_route_template(sqlite_client: TestClient) -> None:
    sqlite_client.get("/v1/about")
    sqlite_client.get("/v1/about")
    sqlite_client.get("/random/path/12345")

    text = sqlite_client.get("/metrics").text

    assert (
        'synthfoundry_http_requests_total{method="GET",route="/v1/about",status="200"} 2.0' in text
    )
    assert 'route="<unmatched>",status="404"' in text
    assert "/random/path/12345" not in text
    assert "synthfoundry_http_request_duration_seconds_bucket" in text
    assert "process_resident_memory_bytes" in text
