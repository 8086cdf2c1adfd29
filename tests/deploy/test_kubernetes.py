"""deploy/kubernetes rendered as `kubectl apply -k` would (base, and the gpu overlay), each
manifest validated against the Kubernetes schemas kubernetes-validate ships (strict: unknown
fields refused), then what the schemas cannot say: probes on real routes, resources, non-root,
commands and settings that exist, the Secret holding placeholders only."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest

from tests.deploy.support import (
    ROOT,
    check_cli,
    containers,
    load_yaml_documents,
    pod_spec,
    render_kustomization,
    route_paths,
    unknown_variables,
)

KUBERNETES = ROOT / "deploy" / "kubernetes"
OVERLAYS = [KUBERNETES, KUBERNETES / "gpu"]
KUBERNETES_VERSION = "1.30"


def by_kind(documents: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(d["kind"], d["metadata"]["name"]): d for d in documents}


@pytest.fixture(params=OVERLAYS, ids=lambda path: path.name)
def rendered(request: pytest.FixtureRequest) -> list[dict[str, Any]]:
    directory: Path = request.param
    return render_kustomization(directory)


def test_every_manifest_is_valid_for_kubernetes(rendered: list[dict[str, Any]]) -> None:
    for document in rendered:
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def test_the_validator_refuses_a_misspelt_field() -> None:
    deployment = by_kind(render_kustomization(KUBERNETES))[("Deployment", "synthfoundry-api")]
    deployment["spec"]["template"]["spec"]["containers"][0]["livenesProbe"] = {}

    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def test_every_file_is_rendered_once() -> None:
    listed = {p for p in KUBERNETES.rglob("*.yaml") if p.name != "kustomization.yaml"}
    names = [(d["kind"], d["metadata"]["name"]) for d in render_kustomization(KUBERNETES / "gpu")]

    assert len(names) == len(set(names))
    assert len(names) == sum(len(load_yaml_documents(path)) for path in listed)


def test_the_platform_is_there(rendered: list[dict[str, Any]]) -> None:
    found = by_kind(rendered)

    for expected in [
        ("Namespace", "synthfoundry"),
        ("ConfigMap", "synthfoundry"),
        ("Secret", "synthfoundry"),
        ("Job", "synthfoundry-migrate"),
        ("Deployment", "synthfoundry-api"),
        ("Service", "synthfoundry-api"),
        ("Ingress", "synthfoundry"),
        ("Deployment", "synthfoundry-worker-cpu"),
    ]:
        assert expected in found
    assert all(d["metadata"].get("namespace") == "synthfoundry" for d in rendered[1:])
    ingress = found[("Ingress", "synthfoundry")]
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    service = found[("Service", backend["name"])]
    assert backend["port"]["name"] in {port["name"] for port in service["spec"]["ports"]}
    api = found[("Deployment", "synthfoundry-api")]
    assert service["spec"]["selector"] == api["spec"]["template"]["metadata"]["labels"]


def test_api_probes_hit_the_real_health_routes() -> None:
    api = by_kind(render_kustomization(KUBERNETES))[("Deployment", "synthfoundry-api")]
    (container,) = api["spec"]["template"]["spec"]["containers"]
    routes = route_paths()

    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert {"/healthz", "/readyz"} <= routes
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert container[probe]["httpGet"]["path"] in routes
        assert container[probe]["httpGet"]["port"] == container["ports"][0]["name"]


def test_every_container_has_resources_runs_as_non_root_and_exists(
    rendered: list[dict[str, Any]],
) -> None:
    for document in rendered:
        spec = pod_spec(document)
        if spec is None:
            continue
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["runAsUser"] != 0
        assert spec["automountServiceAccountToken"] is False
        for container in containers(document):
            where = f"{document['metadata']['name']}/{container['name']}"
            assert {"cpu", "memory"} <= set(container["resources"]["requests"]), where
            assert {"cpu", "memory"} <= set(container["resources"]["limits"]), where
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, where
            assert context["readOnlyRootFilesystem"] is True, where
            assert context["capabilities"]["drop"] == ["ALL"], where
            assert container["image"].startswith("registry.example.com/synthfoundry:"), where
            for command in commands_of(container):
                check_cli(command)


def commands_of(container: dict[str, Any]) -> list[list[str]]:
    """The synthfoundry commands a container runs: its args after the image's entry point, or
    those inside a shell command line."""
    if container.get("command", [None])[0] == "/bin/sh":
        script = " ".join(container["args"])
        return [found.split() for found in re.findall(r"synthfoundry ([a-z][a-z -]*)", script)]
    return [container["args"]]


def test_workers_take_their_queues_and_the_gpu_worker_gets_a_gpu() -> None:
    found = by_kind(render_kustomization(KUBERNETES / "gpu"))
    cpu = found[("Deployment", "synthfoundry-worker-cpu")]["spec"]["template"]["spec"]
    gpu = found[("Deployment", "synthfoundry-worker-gpu")]["spec"]["template"]["spec"]

    assert cpu["containers"][0]["args"][:3] == ["worker", "--queues", "cpu"]
    assert gpu["containers"][0]["args"] == ["worker", "--queues", "gpu"]
    assert gpu["containers"][0]["image"].endswith(":cuda")
    assert gpu["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert cpu["terminationGracePeriodSeconds"] >= 60  # jobs checkpoint on SIGTERM
    job = found[("Job", "synthfoundry-migrate")]["spec"]["template"]["spec"]
    assert job["containers"][0]["args"] == ["db", "upgrade"]


def test_settings_are_real_and_the_secret_holds_placeholders_only() -> None:
    found = by_kind(render_kustomization(KUBERNETES))
    config = found[("ConfigMap", "synthfoundry")]["data"]
    secret = found[("Secret", "synthfoundry")]["stringData"]

    assert unknown_variables([*config, *secret]) == []
    assert not set(config) & set(secret)
    for name, value in secret.items():
        assert "CHANGE_ME" in value, name
    assert not [name for name in config if re.search(r"SECRET|PASSWORD|API_KEYS", name)]
    for document in found.values():
        for container in containers(document):
            sources = {
                next(iter(source.values()))["name"] for source in container.get("envFrom", [])
            }
            assert sources == {"synthfoundry"}
            assert unknown_variables([env["name"] for env in container.get("env", [])]) == []
