"""The Dockerfile, read as instructions: multi-stage, non-root, a health check on a real route,
entry points that exist, no secrets, torch from the PyTorch index of its variant."""

from __future__ import annotations

import re

import pytest

from tests.deploy.support import (
    ROOT,
    NotACommand,
    check_cli,
    exec_form,
    final_stage,
    instructions,
    optional_dependencies,
    project_scripts,
    route_paths,
    unknown_variables,
    variables,
)

SECRET_NAME = re.compile(r"SECRET|PASSWORD|TOKEN|API_KEY|ACCESS_KEY", re.IGNORECASE)


def test_build_and_runtime_are_separate_stages() -> None:
    stages = [i.arguments for i in instructions() if i.keyword == "FROM"]
    copied = [i.arguments for i in final_stage() if i.keyword == "COPY"]

    assert len(stages) >= 2
    assert stages[0].endswith(" AS build") and stages[-1].endswith(" AS runtime")
    assert all("slim" in stage or stage.startswith("${PYTHON_IMAGE}") for stage in stages)
    assert "slim" in variables("ARG")["PYTHON_IMAGE"]
    assert copied == ["--from=build /opt/synthfoundry /opt/synthfoundry"]


def test_runs_as_a_non_root_user() -> None:
    users = [i.arguments for i in final_stage() if i.keyword == "USER"]

    assert users, "the runtime stage sets no USER"
    user, _, group = users[-1].partition(":")
    assert user not in {"root", "0"} and group not in {"root", "0"}


def test_health_check_probes_a_real_route() -> None:
    checks = [i.arguments for i in final_stage() if i.keyword == "HEALTHCHECK"]

    assert len(checks) == 1
    probed = re.findall(r"http://127\.0\.0\.1:[^/]+(/[a-z]+)", checks[0])
    assert probed and set(probed) <= route_paths()


def test_entry_point_and_default_command_exist() -> None:
    (entrypoint,) = [exec_form(i) for i in final_stage() if i.keyword == "ENTRYPOINT"]
    (command,) = [exec_form(i) for i in final_stage() if i.keyword == "CMD"]

    assert entrypoint[:2] == ["tini", "--"]
    assert entrypoint[2] in project_scripts()
    check_cli(command)


@pytest.mark.parametrize(
    "arguments",
    [["serve"], ["worker", "--queues", "cpu"], ["worker", "--queues", "gpu"], ["db", "upgrade"]],
)
def test_cli_check_accepts_the_documented_commands(arguments: list[str]) -> None:
    check_cli(arguments)


@pytest.mark.parametrize("arguments", [["serv"], ["worker", "--queue", "cpu"], ["db"]])
def test_cli_check_refuses_misspelt_commands(arguments: list[str]) -> None:
    with pytest.raises(NotACommand):
        check_cli(arguments)


def test_no_secrets_and_only_real_settings() -> None:
    environment = variables("ENV")
    arguments = variables("ARG")
    copied = " ".join(i.arguments for i in instructions() if i.keyword in {"COPY", "ADD"})

    assert not [name for name in {**environment, **arguments} if SECRET_NAME.search(name)]
    assert ".env" not in copied.split() and "data" not in copied.split()
    assert unknown_variables([name for name in environment if name.startswith("SYNTH")]) == []
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert ignored[ignored.index("*") :].count("!.env") == 0  # everything is out unless let in
    assert "*" in ignored


def test_torch_comes_from_the_index_of_the_variant_at_the_pinned_version() -> None:
    arguments = variables("ARG")
    installs = " ".join(i.arguments for i in instructions() if "torch==" in i.arguments)
    makefile = (ROOT / "Makefile").read_text()

    assert arguments["TORCH_VARIANT"] == "cpu"
    assert "https://download.pytorch.org/whl/${TORCH_VARIANT}" in installs
    assert f"TORCH ?= torch=={arguments['TORCH_VERSION']}" in makefile
    assert set(arguments["EXTRAS"].split(",")) <= optional_dependencies()
