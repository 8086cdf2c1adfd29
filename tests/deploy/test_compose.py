"""docker-compose.yml against the Compose Specification's JSON Schema (vendored, offline), and
what the schema cannot say: the services, their order, health checks, the GPU profile, commands
that exist and settings that exist."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import jsonschema
import pytest
import yaml

from tests.deploy.support import ROOT, check_cli, route_paths, unknown_variables, variables

SCHEMA = ROOT / "tests" / "deploy" / "schemas" / "compose-spec.json"
SYNTHFOUNDRY_SERVICES = {"migrate", "api", "worker-cpu", "worker-gpu"}
INTERPOLATION = re.compile(r"\$\{([A-Z0-9_]+)")


def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return document


def schema_errors(document: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft7Validator(json.loads(SCHEMA.read_text()))
    return [f"{error.json_path}: {error.message}" for error in validator.iter_errors(document)]


def test_compose_file_follows_the_compose_specification() -> None:
    assert schema_errors(compose()) == []


@pytest.mark.parametrize(
    ("path", "key"),
    [(("services", "api"), "healthchek"), (("services", "api", "healthcheck"), "intervall")],
)
def test_the_schema_catches_a_misspelt_key(path: tuple[str, ...], key: str) -> None:
    document = copy.deepcopy(compose())
    target = document
    for part in path:
        target = target[part]
    target[key] = "x"

    assert schema_errors(document)


def test_every_service_of_the_platform_is_there() -> None:
    services = compose()["services"]

    assert SYNTHFOUNDRY_SERVICES | {"postgres", "redis", "minio", "minio-setup"} == set(services)


def test_long_running_services_have_health_checks_and_volumes() -> None:
    document = compose()
    services = document["services"]

    for name in ("postgres", "redis", "minio", "api"):
        assert services[name]["healthcheck"]["test"], name
    api_check = " ".join(services["api"]["healthcheck"]["test"])
    probed = re.findall(r"127\.0\.0\.1:8000(/[a-z]+)", api_check)
    assert probed and set(probed) <= route_paths()
    named = {mount.split(":")[0] for s in services.values() for mount in s.get("volumes", [])}
    assert {"postgres-data", "redis-data", "minio-data", "models"} <= named
    assert named <= set(document["volumes"])


def test_migration_runs_first_and_the_bucket_exists_before_use() -> None:
    services = compose()["services"]

    check_cli(services["migrate"]["command"])
    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("api", "worker-cpu", "worker-gpu"):
        needs = services[name]["depends_on"]
        assert needs["migrate"]["condition"] == "service_completed_successfully", name
        assert needs["minio-setup"]["condition"] == "service_completed_successfully", name
        assert needs["redis"]["condition"] == "service_healthy", name
    assert "mc mb --ignore-existing local/synthfoundry" in " ".join(
        services["minio-setup"]["command"]
    )
    assert services["api"]["environment"]["SYNTHFOUNDRY_STORAGE__URL"].startswith(
        "s3://synthfoundry/"
    )


def test_workers_take_their_queues_and_the_gpu_worker_is_a_profile_with_a_gpu() -> None:
    services = compose()["services"]
    gpu = services["worker-gpu"]

    assert services["worker-cpu"]["command"] == ["worker", "--queues", "cpu"]
    assert gpu["command"] == ["worker", "--queues", "gpu"]
    for name in SYNTHFOUNDRY_SERVICES:
        check_cli(services[name]["command"])
    assert gpu["profiles"] == ["gpu"] and "profiles" not in services["worker-cpu"]
    (device,) = gpu["deploy"]["resources"]["reservations"]["devices"]
    assert device["driver"] == "nvidia" and device["capabilities"] == ["gpu"]
    assert gpu["build"]["args"]["TORCH_VARIANT"].startswith("cu")
    assert services["api"]["build"]["args"]["TORCH_VARIANT"] == "cpu"
    assert set(gpu["build"]["args"]) <= set(variables("ARG"))


def test_settings_are_real_and_secrets_come_from_the_environment() -> None:
    services = compose()["services"]

    for name in SYNTHFOUNDRY_SERVICES:
        environment = services[name]["environment"]
        assert unknown_variables(list(environment)) == [], name
        assert services[name]["env_file"] == [{"path": ".env", "required": False}]
        for key, value in environment.items():
            if re.search(r"SECRET|PASSWORD", key):
                assert value.startswith("${") and ":?" in value, key
        interpolated = INTERPOLATION.findall(" ".join(environment.values()))
        assert unknown_variables([v for v in interpolated if v.startswith("SYNTHFOUNDRY_")]) == []
    example = (ROOT / ".env.example").read_text()
    everywhere = INTERPOLATION.findall((ROOT / "docker-compose.yml").read_text())
    assert all(f"# {variable}=" in example for variable in everywhere)
