"""Workflows through the Python client and the CLI, against a real server on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from synthfoundry.api import create_app
from synthfoundry.cli.main import app
from synthfoundry.client import Client
from synthfoundry.client.errors import JobFailed
from synthfoundry.config import Settings
from synthfoundry.db import Database
from tests.support.accounts import create_key, signed_in
from tests.support.flows import people_csv, upload_dataset
from tests.support.server import running_server

runner = CliRunner()
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def server(settings: Settings, migrated_database: Database) -> Iterator[tuple[str, str, str]]:
    application = create_app(settings)
    with running_server(application) as base_url, TestClient(application) as helper:
        account = signed_in(helper, migrated_database, "flows@example.com")
        dataset_id = upload_dataset(helper, account, people_csv(200))
        scopes = ["workflows:write", "generators:write", "synthetic-datasets:write"]
        key = create_key(helper, account, [*scopes, "reports:write", "datasets:read", "jobs:read"])
        yield base_url, key["secret"], dataset_id


def pipeline(dataset_id: str, fidelity: float = 0.3) -> dict[str, object]:
    return {
        "name": "quick",
        "steps": [
            {"name": "data", "type": "ingest", "params": {"dataset_id": dataset_id}},
            {
                "name": "train",
                "type": "train",
                "params": {"dataset": "$data.dataset_id", "synthesizer": "gaussian_copula"},
            },
            {
                "name": "rows",
                "type": "generate",
                "params": {"generator": "$train.generator_id", "size": 150},
            },
            {
                "name": "judge",
                "type": "evaluate",
                "params": {"real": "$data.dataset_id", "synthetic": "$rows.synthetic_dataset_id"},
            },
            {
                "name": "gate",
                "type": "test",
                "params": {
                    "report": "$judge.report_id",
                    "checks": [{"metric": "fidelity", "min": fidelity}],
                },
            },
        ],
    }


def test_client_saves_runs_waits_and_reads_results(
    server: tuple[str, str, str], tmp_path: Path
) -> None:
    base_url, api_key, dataset_id = server
    file = tmp_path / "quick.yaml"
    file.write_text(yaml.safe_dump(pipeline(dataset_id)))
    with Client(base_url, api_key) as client:
        assert client.workflows.configs.validate(file)["valid"] is True
        saved = client.workflows.configs.create(file)
        run = client.workflows.run(config_id=saved["id"], wait=True)
        assert run["status"] == "succeeded" and run["config_version"] == 1
        assert client.workflows.test_results(run["id"])[0]["passed"] is True
        assert len(client.workflows.samples(run["id"], 3)["rows"]) == 3
        exported = client.workflows.export(run["id"], output=tmp_path / "rows.csv")
        assert exported["size_bytes"] > 0 and (tmp_path / "rows.csv").read_text().count("\n") == 151
        with pytest.raises(JobFailed) as failed:
            client.workflows.run(pipeline(dataset_id, fidelity=0.999), wait=True)
        assert "check(s) failed" in str(failed.value)
        assert [r["status"] for r in client.workflows.list()] == ["failed", "succeeded"]


def test_cli_validates_runs_and_lists(server: tuple[str, str, str], tmp_path: Path) -> None:
    base_url, api_key, dataset_id = server
    env = {"SYNTHFOUNDRY_BASE_URL": base_url, "SYNTHFOUNDRY_API_KEY": api_key}
    broken = pipeline(dataset_id)
    broken["steps"][1]["type"] = "trian"  # type: ignore[index]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(broken))
    checked = runner.invoke(app, ["workflows", "validate", str(bad)], env=env)
    assert checked.exit_code == 1 and "/steps/1/type" in checked.output
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump(pipeline(dataset_id)))
    ran = runner.invoke(app, ["workflows", "run", str(good), "--wait", "-O", "json"], env=env)
    assert ran.exit_code == 0, ran.output
    run = json.loads(ran.stdout)
    assert run["status"] == "succeeded"
    results = runner.invoke(app, ["workflows", "results", run["id"]], env=env)
    assert results.exit_code == 0 and "fidelity" in results.stdout
    listed = runner.invoke(app, ["workflows", "list", "-O", "json"], env=env)
    assert [item["id"] for item in json.loads(listed.stdout)] == [run["id"]]
