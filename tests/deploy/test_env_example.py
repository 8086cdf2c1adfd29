""".env.example lists every setting, and nothing that is not one."""

from __future__ import annotations

import re

from tests.deploy.support import OTHER_VARIABLES, ROOT, setting_variables, unknown_variables

ASSIGNMENT = re.compile(r"^#? ?([A-Z][A-Z0-9_]*)=", re.MULTILINE)
MENTION = re.compile(r"\bSYNTHFOUNDRY_[A-Z0-9_]*[A-Z0-9]\b")


def listed() -> list[str]:
    return ASSIGNMENT.findall((ROOT / ".env.example").read_text())


def test_every_setting_is_in_env_example() -> None:
    missing = sorted(setting_variables() - set(listed()))

    assert not missing, (
        f"missing from .env.example: {missing}; regenerate it with "
        "`.venv/bin/python scripts/generate_env_example.py > .env.example`"
    )


def test_env_example_names_only_real_settings_once_each() -> None:
    names = listed()

    assert unknown_variables([name for name in names if name.startswith("SYNTHFOUNDRY_")]) == []
    assert len(names) == len(set(names))
    assert set(OTHER_VARIABLES) <= set(names)


def test_the_walk_over_the_settings_finds_nested_and_top_level_names() -> None:
    names = setting_variables()

    assert {"SYNTHFOUNDRY_ENVIRONMENT", "SYNTHFOUNDRY_DATABASE__URL"} <= names
    assert {"SYNTHFOUNDRY_AUTH__API_KEYS", "SYNTHFOUNDRY_DATASETS__IMPORT_DIR"} <= names
    assert "SYNTHFOUNDRY_DATABASE_URL" not in names  # one underscore: pydantic ignores it
    assert unknown_variables(["SYNTHFOUNDRY_DATABASE__URLS"]) == ["SYNTHFOUNDRY_DATABASE__URLS"]


def test_every_variable_the_code_and_docs_name_exists() -> None:
    files = [
        *(ROOT / "src").rglob("*.py"),
        ROOT / "README.md",
        *(ROOT / "docs").rglob("*.md"),
        *(ROOT / "deploy").rglob("*.yaml"),
        ROOT / "docker-compose.yml",
        ROOT / "Dockerfile",
    ]
    named = {name for path in files for name in MENTION.findall(path.read_text())}

    assert unknown_variables([n for n in named if not n.startswith("SYNTHFOUNDRY_TEST_")]) == []
