"""The README's CLI quick start as a new user runs it: the first admin, `synthfoundry login`, an
API key with the scopes the README gives, then upload, train, generate and a downloaded report."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from synthfoundry.cli.main import app
from tests.support.flows import people_csv

runner = CliRunner()
README = Path(__file__).parents[2] / "README.md"
PASSWORD = "a long enough passphrase"


def readme_key_scopes() -> list[str]:
    """The scopes of the README's `synthfoundry keys create` command."""
    command = re.search(r"synthfoundry keys create (.*?)\)", README.read_text(), re.DOTALL)
    assert command is not None, "the README creates no API key with the CLI"
    return re.findall(r"--scope (\S+)", command.group(1))


def test_the_readme_quick_start(live_server: str, database_url: str, tmp_path: Path) -> None:
    signed_out = {"SYNTHFOUNDRY_BASE_URL": live_server}

    def run(*arguments: str, env: dict[str, str], stdin: str | None = None) -> str:
        result = runner.invoke(app, list(arguments), env=env, input=stdin)
        assert result.exit_code == 0, result.output
        return result.stdout

    run(
        "users",
        "create-admin",
        "--email",
        "you@example.com",
        env={"SYNTHFOUNDRY_DATABASE__URL": database_url, "SYNTHFOUNDRY_ADMIN_PASSWORD": PASSWORD},
    )
    run("login", "--email", "you@example.com", "--password-stdin", env=signed_out, stdin=PASSWORD)
    assert "you@example.com" in run("whoami", env=signed_out)
    scopes = readme_key_scopes()
    assert "admin" not in scopes
    secret = run(
        "keys",
        "create",
        "--name",
        "ci",
        "--secret-only",
        *(f"--scope={scope}" for scope in scopes),
        env=signed_out,
    ).strip()
    run("logout", env=signed_out)

    with_key = signed_out | {"SYNTHFOUNDRY_API_KEY": secret}
    csv_path = tmp_path / "adult.csv"
    csv_path.write_bytes(people_csv())
    dataset = json.loads(
        run("datasets", "upload", str(csv_path), "--wait", "-O", "json", env=with_key)
    )
    generator = json.loads(
        run("train", "--dataset", dataset["id"], "--wait", "-O", "json", env=with_key)
    )
    rows = tmp_path / "synthetic.parquet"
    synthetic = json.loads(
        run(
            "generate",
            generator["id"],
            "--size",
            "500",
            "-o",
            str(rows),
            "-O",
            "json",
            env=with_key,
        )
    )
    html = tmp_path / "report.html"
    run(
        "report",
        dataset["id"],
        synthetic["id"],
        "--target",
        "sex",
        "--html",
        str(html),
        env=with_key,
    )
    assert rows.stat().st_size > 0 and "<svg" in html.read_text()
    run("jobs", "list", env=with_key)
