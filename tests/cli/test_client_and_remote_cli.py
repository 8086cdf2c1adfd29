"""The Python client and the CLI against a real server on loopback: the whole tabular path."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from synthfoundry.api import create_app
from synthfoundry.cli.main import app
from synthfoundry.client import APIError, Client, JobFailed
from synthfoundry.config import Settings
from synthfoundry.db import Database
from tests.support.accounts import create_key, signed_in
from tests.support.flows import people_csv
from tests.support.server import running_server

runner = CliRunner()


@pytest.fixture
def server(settings: Settings, migrated_database: Database) -> Iterator[tuple[str, str]]:
    """A live server and an API key with every user scope."""
    application = create_app(settings)
    with running_server(application) as base_url, TestClient(application) as helper:
        account = signed_in(helper, migrated_database, "cli@example.com")
        scopes = [
            f"{resource}:write"
            for resource in ("datasets", "generators", "synthetic-datasets", "reports", "jobs")
        ]
        key = create_key(helper, account, scopes)
        yield base_url, key["secret"]


def test_client_upload_train_generate_evaluate(server: tuple[str, str], tmp_path: Path) -> None:
    base_url, api_key = server
    csv_path = tmp_path / "people.csv"
    csv_path.write_bytes(people_csv())

    with Client(base_url, api_key) as client:
        dataset = client.datasets.upload(csv_path)
        assert [d["id"] for d in client.datasets.list()] == [dataset["id"]]
        generator = client.train(dataset["id"], params={"seed": 2})
        assert generator["status"] == "ready"
        rows = client.probe(generator["id"], rows=5, seed=1, conditions={"city": "Pune"})
        assert len(rows) == 5 and set(rows["city"]) == {"Pune"}
        synthetic = client.generate(generator["id"], 700, seed=3, output=tmp_path / "out.parquet")
        assert synthetic["rows"] == 700
        assert len(pd.read_parquet(tmp_path / "out.parquet")) == 700
        report = client.evaluate(dataset["id"], synthetic["id"], target="sex")
        assert report["status"] == "ready" and report["summary"]["fidelity"] > 0.5
        assert b"<svg" in client.reports.download(report["id"])
        assert client.stats()["rows_generated"] == 700

        with pytest.raises(APIError) as missing:
            client.datasets.get("01a20000-0000-7000-8000-000000000000")
        assert missing.value.status == 404 and missing.value.code == "not_found"
        with pytest.raises(APIError) as malformed:
            client.datasets.upload(io.BytesIO(b"a,b\n1,2,3\n"), name="bad")
        assert malformed.value.status == 422 and "row 2" in malformed.value.detail


def test_a_failed_job_raises(server: tuple[str, str]) -> None:
    base_url, api_key = server
    with Client(base_url, api_key) as client:
        dataset = client.datasets.upload(io.BytesIO(people_csv()))
        client.datasets.delete(dataset["id"])
        # The generator outlives nothing: creating one on a deleted dataset is a 404.
        with pytest.raises(APIError, match="404"):
            client.train(dataset["id"])
        dataset = client.datasets.upload(io.BytesIO(people_csv()))
        generator = client.generators.create(dataset["id"], "ctgan", {"epochs": 1})
        job = client.request("POST", f"/v1/generators/{generator['id']}/train")
        client.jobs.cancel(job["id"])
        with pytest.raises(JobFailed) as stopped:
            client.jobs.wait(job["id"], timeout=60)
        assert stopped.value.job["status"] == "cancelled"


def test_cli_commands(server: tuple[str, str], tmp_path: Path) -> None:
    base_url, api_key = server
    environment = {"SYNTHFOUNDRY_BASE_URL": base_url, "SYNTHFOUNDRY_API_KEY": api_key}
    csv_path = tmp_path / "people.csv"
    csv_path.write_bytes(people_csv())

    def run(*arguments: str) -> str:
        result = runner.invoke(app, list(arguments), env=environment)
        assert result.exit_code == 0, result.output
        return result.stdout

    dataset = json.loads(run("datasets", "upload", str(csv_path), "--output", "json"))
    assert dataset["rows"] == 400
    assert dataset["id"] in run("datasets", "list")
    trained = json.loads(
        run("train", "--dataset", dataset["id"], "--param", "seed=4", "--wait", "-O", "json")
    )
    assert trained["status"] == "ready"
    out = tmp_path / "synthetic.csv"
    made = json.loads(run("generate", trained["id"], "--size", "300", "-o", str(out), "-O", "json"))
    assert made["rows"] == 300 and len(pd.read_csv(out)) == 300
    downloaded = run("datasets", "download", dataset["id"])
    assert downloaded.splitlines()[0] == "age,sex,income,city"
    jobs = json.loads(run("jobs", "list", "--output", "json"))
    assert {job["status"] for job in jobs} == {"succeeded"}

    failing = runner.invoke(
        app, ["train", "--dataset", dataset["id"], "--synthesizer", "nope"], env=environment
    )
    assert failing.exit_code == 1
    assert "unknown synthesizer 'nope'" in failing.output
    unreachable = runner.invoke(
        app,
        ["datasets", "list"],
        env={**environment, "SYNTHFOUNDRY_BASE_URL": "http://127.0.0.1:9"},
    )
    assert unreachable.exit_code == 1 and "cannot reach the server" in unreachable.output


def test_a_misspelt_parameter_is_an_api_error_and_a_failed_command(
    server: tuple[str, str],
) -> None:
    base_url, api_key = server
    environment = {"SYNTHFOUNDRY_BASE_URL": base_url, "SYNTHFOUNDRY_API_KEY": api_key}
    with Client(base_url, api_key) as client:
        dataset = client.datasets.upload(io.BytesIO(people_csv()))
        with pytest.raises(APIError) as misspelt:
            client.train(dataset["id"], "ctgan", {"epoch": 5}, wait=False)
        assert client.request("GET", "/v1/generators")["items"] == []

    assert misspelt.value.status == 422 and misspelt.value.code == "invalid_input"
    assert misspelt.value.errors == [
        {"field": "params.epoch", "message": 'unknown parameter; did you mean "epochs"?'}
    ]
    command = ["train", "--dataset", dataset["id"], "--synthesizer", "ctgan", "--param", "epoch=5"]
    failing = runner.invoke(app, command, env=environment)
    assert failing.exit_code == 1
    assert 'params.epoch: unknown parameter; did you mean "epochs"?' in " ".join(
        failing.output.split()
    )
