"""The files contributors expect: a LICENSE matching pyproject's, a pre-commit configuration
running the same tools as `make test`, a changelog in the Keep a Changelog shape."""

from __future__ import annotations

import tomllib

import yaml

from tests.deploy.support import ROOT


def test_license_is_the_one_pyproject_names() -> None:
    license_text = (ROOT / "LICENSE").read_text()
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())

    assert pyproject["project"]["license"] == "Apache-2.0"
    assert license_text.lstrip().startswith("Apache License")
    assert "Version 2.0, January 2004" in license_text
    assert "END OF TERMS AND CONDITIONS" in license_text


def test_pre_commit_runs_ruff_and_mypy_from_the_project_environment() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    makefile = (ROOT / "Makefile").read_text()

    assert {"ruff-check", "ruff-format", "mypy"} <= set(hooks)
    for hook in hooks.values():
        program = hook["entry"].split()[0]
        assert program.startswith(".venv/bin/"), hook["id"]
        assert f"$(BIN)/{program.removeprefix('.venv/bin/')}" in makefile, hook["id"]
    assert hooks["mypy"]["pass_filenames"] is False  # the configured files, strict


def test_changelog_keeps_a_changelog() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text()

    assert changelog.startswith("# Changelog")
    assert "keepachangelog.com" in changelog
    assert "## [Unreleased]" in changelog
    assert "### Added" in changelog
