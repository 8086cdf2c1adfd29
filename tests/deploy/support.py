"""What the deployment files are checked against: the settings model, the CLI, the API's routes,
and a small renderer for the kustomize features deploy/kubernetes uses (no kustomize binary)."""

from __future__ import annotations

import json
import shlex
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer
import yaml
from pydantic import BaseModel

from synthfoundry.config import Settings
from synthfoundry.images.pipelines import CACHE_BYTES_ENV
from synthfoundry.video.ffmpeg import FFMPEG_ENV

ROOT = Path(__file__).resolve().parents[2]
PREFIX = "SYNTHFOUNDRY_"

# Read straight from the environment, not through the settings model, each by the named owner.
OTHER_VARIABLES = {
    CACHE_BYTES_ENV: "synthfoundry.images.pipelines",
    FFMPEG_ENV: "synthfoundry.video.ffmpeg",
    "SYNTHFOUNDRY_BASE_URL": "the Python client",
    "SYNTHFOUNDRY_API_KEY": "the Python client",
    "SYNTHFOUNDRY_CONFIG_DIR": "the Python client (where `synthfoundry login` keeps its token)",
    "SYNTHFOUNDRY_ADMIN_PASSWORD": "synthfoundry users create",
    "HF_HOME": "huggingface_hub",
    "HF_HUB_OFFLINE": "huggingface_hub",
    "FORWARDED_ALLOW_IPS": "uvicorn",
}


def setting_variables() -> set[str]:
    """Every environment variable the settings model reads: ``SYNTHFOUNDRY_<FIELD>`` and
    ``SYNTHFOUNDRY_<GROUP>__<FIELD>``. pydantic-settings ignores any other name silently, so a
    misspelt one in a deployment file would be a setting that never takes effect."""
    names: set[str] = set()
    for field_name, field in Settings.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            group = f"{PREFIX}{field_name.upper()}__"
            names.update(group + nested.upper() for nested in annotation.model_fields)
        else:
            names.add(f"{PREFIX}{field_name.upper()}")
    return names


def unknown_variables(names: Sequence[str]) -> list[str]:
    known = setting_variables() | set(OTHER_VARIABLES)
    return sorted(name for name in names if name not in known)


def project_scripts() -> dict[str, str]:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    scripts: dict[str, str] = pyproject["project"]["scripts"]
    return scripts


def optional_dependencies() -> set[str]:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return set(pyproject["project"]["optional-dependencies"])


class NotACommand(Exception):
    """``synthfoundry ARGUMENTS`` would not parse."""


def check_cli(arguments: Sequence[str]) -> None:
    """Raise ``NotACommand`` unless ``synthfoundry ARGUMENTS`` names a real command with real
    options (parsed as the CLI would, without running it)."""
    from synthfoundry.cli.main import app

    command: Any = typer.main.get_command(app)
    remaining = list(arguments)
    while (subcommands := getattr(command, "commands", None)) is not None:
        if not remaining:
            raise NotACommand(f"{' '.join(arguments)!r}: no sub-command given")
        name = remaining.pop(0)
        if name not in subcommands:
            raise NotACommand(f"{' '.join(arguments)!r}: no command {name!r}")
        command = subcommands[name]
    try:
        command.make_context(command.name or "synthfoundry", remaining)
    except Exception as exc:  # typer's own copy of click raises its usage errors
        raise NotACommand(f"{' '.join(arguments)!r}: {exc}") from exc


def route_paths() -> set[str]:
    """The paths the API answers outside /v1 (health, readiness, metrics, docs)."""
    from synthfoundry.api import health

    return {route.path for route in health.router.routes}  # type: ignore[attr-defined]


def load_yaml_documents(path: Path) -> list[dict[str, Any]]:
    return [document for document in yaml.safe_load_all(path.read_text()) if document]


# The kustomization fields render_kustomization() implements; a test refuses any other.
KUSTOMIZE_FIELDS = {"apiVersion", "kind", "namespace", "labels", "resources", "images"}
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume"}


def render_kustomization(directory: Path) -> list[dict[str, Any]]:
    """The manifests ``kubectl apply -k DIRECTORY`` would apply, for the fields above."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unsupported = set(kustomization) - KUSTOMIZE_FIELDS
    if unsupported:
        raise ValueError(f"{directory}: kustomization fields not rendered here: {unsupported}")
    documents: list[dict[str, Any]] = []
    for resource in kustomization.get("resources", []):
        path = (directory / resource).resolve()
        if path.is_dir():
            documents.extend(render_kustomization(path))
        else:
            documents.extend(load_yaml_documents(path))
    for document in documents:
        metadata = document.setdefault("metadata", {})
        if "namespace" in kustomization and document["kind"] not in CLUSTER_SCOPED:
            metadata["namespace"] = kustomization["namespace"]
        for label in kustomization.get("labels", []):
            metadata.setdefault("labels", {}).update(label["pairs"])
        for container in containers(document):
            container["image"] = _replace_image(container["image"], kustomization)
    return documents


def _replace_image(image: str, kustomization: dict[str, Any]) -> str:
    name, _, tag = image.partition(":")
    for rule in kustomization.get("images", []):
        if rule["name"] == name:
            name = rule.get("newName", name)
            tag = rule.get("newTag", tag)
    return f"{name}:{tag}" if tag else name


def pod_spec(document: dict[str, Any]) -> dict[str, Any] | None:
    if document["kind"] in {"Deployment", "StatefulSet", "DaemonSet", "Job"}:
        spec: dict[str, Any] = document["spec"]["template"]["spec"]
        return spec
    return None


def containers(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    spec = pod_spec(document)
    if spec is not None:
        yield from spec.get("initContainers", [])
        yield from spec.get("containers", [])


# The Dockerfile, read as instructions (enough for this project's own file).
@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str
    stage: int


def instructions() -> list[Instruction]:
    """The Dockerfile's instructions, continuation lines joined, comments dropped."""
    parsed: list[Instruction] = []
    stage = -1
    pending = ""
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        pending += " " + stripped.removesuffix("\\").strip()
        if stripped.endswith("\\"):
            continue
        keyword, _, arguments = pending.strip().partition(" ")
        keyword = keyword.upper()
        stage += keyword == "FROM"
        parsed.append(Instruction(keyword, arguments.strip(), stage))
        pending = ""
    return parsed


def final_stage() -> list[Instruction]:
    parsed = instructions()
    last = max(instruction.stage for instruction in parsed)
    return [instruction for instruction in parsed if instruction.stage == last]


def exec_form(instruction: Instruction) -> list[str]:
    words: list[str] = json.loads(instruction.arguments)
    return words


def variables(keyword: str) -> dict[str, str]:
    """Names and values of ENV or ARG instructions (``NAME=value`` forms)."""
    found: dict[str, str] = {}
    for instruction in instructions():
        if instruction.keyword == keyword:
            for word in shlex.split(instruction.arguments):
                name, _, value = word.partition("=")
                found[name] = value
    return found
