"""The CLI starts without the heavy libraries: a command imports what it needs when it runs."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = (
    "pandas",
    "pyarrow",
    "torch",
    "sklearn",
    "scipy",
    "sqlalchemy",
    "alembic",
    "fastapi",
    "uvicorn",
    "httpx",
    "synthfoundry.client",
    "synthfoundry.api",
    "synthfoundry.db",
)


def imported_by(code: str, names: tuple[str, ...]) -> list[str]:
    """Which of ``names`` a fresh interpreter has imported after running ``code``."""
    probe = (
        f"{code}\nimport json, sys\nprint(json.dumps([n for n in {names!r} if n in sys.modules]))"
    )
    finished = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    found: list[str] = json.loads(finished.stdout.splitlines()[-1])
    return found


def test_the_cli_imports_no_heavy_library() -> None:
    assert imported_by("import synthfoundry.cli.main", HEAVY) == []


def test_help_builds_every_command_without_them() -> None:
    code = (
        "import sys\nfrom synthfoundry.cli.main import app\n"
        "sys.argv = ['synthfoundry', '--help']\n"
        "try:\n    app()\nexcept SystemExit:\n    pass"
    )
    assert imported_by(code, HEAVY) == []


def test_the_cli_does_not_import_numpy() -> None:
    assert imported_by("import synthfoundry.cli.main", ("numpy",)) == []


def test_a_remote_command_imports_the_client_only_when_it_runs() -> None:
    code = (
        "import sys\nfrom synthfoundry.cli.main import app\n"
        "sys.argv = ['synthfoundry', 'jobs', 'list', '--base-url', 'http://127.0.0.1:9']\n"
        "try:\n    app()\nexcept SystemExit:\n    pass"
    )
    assert imported_by(code, ("httpx", "synthfoundry.client", "pandas", "torch")) == [
        "httpx",
        "synthfoundry.client",
    ]
