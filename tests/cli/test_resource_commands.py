"""The CLI's group per resource against a live server: tables that fit, JSON, details, and
the commands new in issue 12 (generators, synthetic-datasets, reports, jobs filters, pause
and resume, mixes and rebalancing, upload --wait)."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from synthfoundry.api import create_app
from synthfoundry.cli.jobs import JobStatus
from synthfoundry.cli.main import app
from synthfoundry.config import Settings
from synthfoundry.db import Database
from synthfoundry.jobs.states import Status
from tests.support.accounts import create_key, signed_in
from tests.support.flows import people_csv
from tests.support.server import running_server

runner = CliRunner()
SCOPES = [
    f"{resource}:write"
    for resource in ("datasets", "generators", "synthetic-datasets", "reports", "jobs")
]


@pytest.fixture
def env(settings: Settings, migrated_database: Database) -> Iterator[dict[str, str]]:
    application = create_app(settings)
    with running_server(application) as base_url, TestClient(application) as helper:
        account = signed_in(helper, migrated_database, "groups@example.com")
        key = create_key(helper, account, SCOPES)["secret"]
        yield {"SYNTHFOUNDRY_BASE_URL": base_url, "SYNTHFOUNDRY_API_KEY": key, "COLUMNS": "100"}


def run(env: dict[str, str], *arguments: str) -> str:
    result = runner.invoke(app, list(arguments), env=env)
    assert result.exit_code == 0, result.output
    return result.stdout


def as_json(env: dict[str, str], *arguments: str) -> object:
    return json.loads(run(env, *arguments, "-O", "json"))


def fits(output: str, width: int = 100) -> bool:
    return max(len(line) for line in output.splitlines()) <= width and "{" not in output


def test_tabular_resources(env: dict[str, str], tmp_path: Path) -> None:
    csv_path = tmp_path / "people.csv"
    csv_path.write_bytes(people_csv())
    dataset = as_json(env, "datasets", "upload", str(csv_path), "--wait")
    assert isinstance(dataset, dict) and dataset["status"] == "ready"
    preview = run(env, "datasets", "preview", dataset["id"], "--rows", "3")
    header = preview.splitlines()[1]
    assert [header.index(name) for name in ("age", "sex", "income", "city")] == sorted(
        header.index(name) for name in ("age", "sex", "income", "city")
    )

    trained = as_json(env, "train", "--dataset", dataset["id"], "--param", "seed=4", "--wait")
    assert isinstance(trained, dict)
    generator_id = trained["id"]
    listed = run(env, "generators", "list")
    assert generator_id in listed and "fidelity" in listed and fits(listed)
    details = run(env, "generators", "get", generator_id)
    assert "column_shapes:" in details and "{" not in details
    run(env, "generators", "rename", generator_id, "people model")
    assert "people model" in run(env, "generators", "list")

    probed = run(env, "probe", generator_id, "--rows", "4", "--seed", "1")
    header = probed.splitlines()[1]
    assert header.index("age") < header.index("sex") < header.index("income") < header.index("city")

    export = tmp_path / "model"
    run(env, "generators", "export", generator_id, str(export))
    imported = as_json(env, "generators", "import", str(export), "--name", "copy")
    assert isinstance(imported, dict) and imported["status"] == "ready"
    run(env, "generators", "delete", imported["id"])

    mixed = as_json(
        env, "generate", generator_id, "--mix", "count=30 city=Pune", "--mix", "count=20 city=Oslo"
    )
    assert isinstance(mixed, dict) and mixed["rows"] == 50
    rows = tmp_path / "mixed.parquet"
    run(env, "synthetic-datasets", "download", mixed["id"], "--format", "parquet", "-o", str(rows))
    assert pd.read_parquet(rows)["city"].value_counts().to_dict() == {"Pune": 30, "Oslo": 20}
    balanced = as_json(
        env,
        "generate",
        generator_id,
        "--size",
        "200",
        "--seed",
        "2",
        "--rebalance",
        "sex",
        "--share",
        "Female=0.8",
        "--share",
        "Male=0.2",
    )
    assert isinstance(balanced, dict) and balanced["rows"] == 200
    made = pd.read_csv(io.StringIO(run(env, "synthetic-datasets", "download", balanced["id"])))
    assert (made["sex"] == "Female").mean() >= 0.7
    partial = tmp_path / "partial.csv"
    partial.write_text("city,sex\nPune,Female\nLima,Male\n")
    completed = as_json(env, "generate", generator_id, "--known", str(partial), "--seed", "3")
    assert isinstance(completed, dict) and completed["rows"] == 2
    made = pd.read_csv(io.StringIO(run(env, "synthetic-datasets", "download", completed["id"])))
    assert made[["city", "sex"]].to_dict("list") == {
        "city": ["Pune", "Lima"],
        "sex": ["Female", "Male"],
    }
    both = runner.invoke(
        app,
        ["generate", generator_id, "--mix", "count=1 city=Pune", "--condition", "sex=Male"],
        env=env,
    )
    assert both.exit_code == 2 and "one of" in both.output

    synthetic = as_json(env, "synthetic-datasets", "list")
    assert isinstance(synthetic, list) and {s["id"] for s in synthetic} == {
        mixed["id"],
        balanced["id"],
        completed["id"],
    }
    assert "rebalance" in run(env, "synthetic-datasets", "get", balanced["id"])
    run(env, "synthetic-datasets", "delete", mixed["id"])

    judged = as_json(env, "report", dataset["id"], balanced["id"])
    assert isinstance(judged, dict)
    reports = run(env, "reports", "list")
    assert judged["id"] in reports and "fidelity" in reports and fits(reports)
    assert "fidelity:" in run(env, "reports", "get", judged["id"])
    report_json = tmp_path / "report.json"
    run(env, "reports", "download", judged["id"], "--format", "json", "-o", str(report_json))
    assert "fidelity" in json.loads(report_json.read_text())

    jobs = as_json(env, "jobs", "list", "--status", "succeeded")
    assert isinstance(jobs, list) and len(jobs) >= 4
    assert {job["status"] for job in jobs} == {"succeeded"}
    assert as_json(env, "jobs", "list", "--status", "failed") == []
    assert len(as_json(env, "jobs", "list", "--limit", "2")) == 2  # type: ignore[arg-type]
    assert fits(run(env, "jobs", "list"))


def test_pause_and_resume(env: dict[str, str], tmp_path: Path) -> None:
    csv_path = tmp_path / "people.csv"
    csv_path.write_bytes(people_csv())
    dataset = as_json(env, "datasets", "upload", str(csv_path))
    assert isinstance(dataset, dict)
    started = as_json(
        env, "train", "--dataset", dataset["id"], "--synthesizer", "ctgan", "--param", "epochs=500"
    )
    assert isinstance(started, dict)
    job_id = started["training_job_id"]

    assert as_json(env, "jobs", "pause", job_id)["status"] in ("pausing", "paused")  # type: ignore[index]
    deadline = time.monotonic() + 180
    while (job := as_json(env, "jobs", "get", job_id))["status"] != "paused":  # type: ignore[index]
        assert time.monotonic() < deadline, job
        time.sleep(0.5)
    assert as_json(env, "jobs", "list", "--status", "paused") == [job]
    resumed = as_json(env, "jobs", "resume", job_id)
    assert resumed["status"] in ("queued", "running")  # type: ignore[index]
    run(env, "jobs", "cancel", job_id)


def test_the_cli_knows_every_job_status() -> None:
    assert {status.value for status in JobStatus} == {status.value for status in Status}
