"""A model is one module: a synthesizer from outside ``src/``, installed only as a distribution
with a ``synthfoundry.synthesizers`` entry point, is listed, trained, probed and generated from
over the API of a real server, with no other change to Synthfoundry."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from synthfoundry.api import create_app
from synthfoundry.config import DatabaseSettings, Settings
from synthfoundry.db import Database, migrate
from synthfoundry.synthesizers import list_synthesizers
from tests.support.accounts import signed_in
from tests.support.flows import upload_dataset
from tests.support.postgres import free_port

PLUGIN_MODULE = Path(__file__).parent / "example_plugin" / "independent_columns.py"
PLUGIN_NAME = "independent_columns"
ENTRY_POINTS = f"""\
[synthfoundry.synthesizers]
{PLUGIN_NAME} = independent_columns:IndependentColumnsSynthesizer
"""
ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "correct horse battery staple"
SERVE = [sys.executable, "-m", "synthfoundry.cli.main", "serve"]
START_SECONDS = 60.0
JOB_SECONDS = 90.0


def install_plugin(site: Path) -> Path:
    """A distribution on disk, as pip would leave it: the module and its ``.dist-info``."""
    info = site / "synthfoundry_example_plugin-0.1.dist-info"
    info.mkdir(parents=True)
    shutil.copy(PLUGIN_MODULE, site / PLUGIN_MODULE.name)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: synthfoundry-example-plugin\nVersion: 0.1\n"
    )
    (info / "entry_points.txt").write_text(ENTRY_POINTS)
    return site


def training_table(rows: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "age": rng.integers(18, 80, rows),
            "city": rng.choice(["Oslo", "Lima", "Pune"], rows, p=[0.5, 0.3, 0.2]),
            "income": rng.normal(40_000, 9_000, rows).round(2),
            "score": np.where(rng.random(rows) < 0.25, np.nan, rng.integers(1, 6, rows)),
        }
    )


def migrated(database_url: str) -> Database:
    database = Database.connect(database_url)
    migrate.upgrade(database)
    return database


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


@contextmanager
def served(directory: Path, site: Path) -> Iterator[str]:
    """``synthfoundry serve`` in a fresh process that sees ``site`` on its path (and so do the
    job processes it starts), on a migrated SQLite database; the server's log is printed when
    the block fails."""
    try:
        port = free_port()
    except OSError as exc:
        pytest.skip(f"cannot bind a loopback port: {exc}")
    env = {
        name: value for name, value in os.environ.items() if not name.startswith("SYNTHFOUNDRY_")
    }
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
    database_url = f"sqlite:///{directory / 'data' / 'synthfoundry.db'}"
    # What `synthfoundry db upgrade` runs, without a second interpreter's start-up;
    # tests/cli/test_cli.py runs the command itself.
    migrated(database_url).dispose()
    env.update(
        SYNTHFOUNDRY_DATA_DIR=str(directory / "data"),
        SYNTHFOUNDRY_DATABASE__URL=database_url,
        SYNTHFOUNDRY_AUTH__BOOTSTRAP_ADMIN_EMAIL=ADMIN_EMAIL,
        SYNTHFOUNDRY_AUTH__BOOTSTRAP_ADMIN_PASSWORD=ADMIN_PASSWORD,
        SYNTHFOUNDRY_LOGGING__FORMAT="console",
    )
    log = directory / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*SERVE, "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=directory,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    succeeded = False
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                httpx.get(f"{base_url}/healthz", timeout=1).raise_for_status()
                break
            except httpx.TransportError:
                if process.poll() is not None and "address already in use" in (
                    log.read_text(errors="replace").lower()
                ):
                    succeeded = True  # another process took the port: nothing to report
                    pytest.skip(f"port {port} was taken before the server bound it")
                assert process.poll() is None, "the server exited while starting"
                assert time.monotonic() < deadline, "the server did not start in time"
                time.sleep(0.1)
        yield base_url
        succeeded = True
    finally:
        _stop(process)
        if not succeeded:
            print(f"--- {log} ---\n{log.read_text(errors='replace')}")


def wait_job(api: httpx.Client, job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + JOB_SECONDS
    while True:
        job: dict[str, Any] = api.get(f"/v1/jobs/{job_id}").raise_for_status().json()
        if job["status"] in ("succeeded", "failed", "cancelled"):
            return job
        assert time.monotonic() < deadline, f"job {job_id} stuck in {job['status']}"
        time.sleep(0.1)


def assert_drawn_from(rows: pd.DataFrame, training: pd.DataFrame) -> None:
    """Every value present in ``rows`` occurs in the same column of ``training``."""
    assert list(rows.columns) == list(training.columns)
    for name in training.columns:
        made, seen = rows[name].dropna(), training[name].dropna()
        if pd.api.types.is_numeric_dtype(training[name]):
            assert set(made.astype(float)) <= set(seen.astype(float)), name
        else:
            assert set(made.astype(str)) <= set(seen.astype(str)), name


@pytest.mark.slow
def test_an_entry_point_plugin_trains_probes_and_generates_over_the_api(tmp_path: Path) -> None:
    site = install_plugin(tmp_path / "site")
    training = training_table()

    with served(tmp_path, site) as base_url, httpx.Client(base_url=base_url, timeout=30) as api:
        tokens = api.post(
            "/v1/auth/token", data={"username": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
        )
        assert tokens.status_code == 200, tokens.text
        api.headers["Authorization"] = f"Bearer {tokens.json()['access_token']}"

        catalogue = {entry["name"]: entry for entry in api.get("/v1/synthesizers").json()}
        assert PLUGIN_NAME in catalogue
        listed = catalogue[PLUGIN_NAME]
        assert listed["modality"] == "tabular" and not listed["default"]
        assert listed["params_schema"]["properties"]["seed"]["default"] == 0

        uploaded = api.post(
            "/v1/datasets",
            files={"file": ("people.csv", training.to_csv(index=False).encode())},
        )
        assert uploaded.status_code == 201, uploaded.text
        created = api.post(
            "/v1/generators",
            json={
                "dataset_id": uploaded.json()["id"],
                "synthesizer": PLUGIN_NAME,
                "params": {"seed": 7},
            },
        )
        assert created.status_code == 201, created.text
        generator_url = f"/v1/generators/{created.json()['id']}"

        accepted = api.post(f"{generator_url}/train")
        assert accepted.status_code == 202, accepted.text
        job = wait_job(api, accepted.json()["id"])
        assert job["status"] == "succeeded", job
        trained = api.get(generator_url).json()
        assert trained["status"] == "ready" and trained["trained_rows"] == len(training)
        assert 0 < trained["training_report"]["fidelity"] <= 1

        # The API process loads the model the job process saved (JSON and arrays).
        probes = [
            api.post(f"{generator_url}/probe", json={"rows": 20, "seed": 11}) for _ in range(2)
        ]
        assert all(probe.status_code == 200 for probe in probes), probes[0].text
        probed = probes[0].json()
        assert probed["columns"] == list(training.columns)
        assert len(probed["rows"]) == 20
        assert probes[1].json() == probed
        assert_drawn_from(pd.DataFrame(probed["rows"], columns=probed["columns"]), training)

        generating = api.post(
            "/v1/synthetic-datasets",
            json={"generator_id": created.json()["id"], "size": 100, "seed": 3},
        )
        assert generating.status_code == 202, generating.text
        generated = wait_job(api, generating.json()["id"])
        assert generated["status"] == "succeeded", generated
        download = api.get(f"/v1/synthetic-datasets/{generated['target_id']}/download")
        assert download.status_code == 200, download.text
        synthetic = pd.read_csv(io.BytesIO(download.content))
        assert len(synthetic) == 100
        assert_drawn_from(synthetic, training)
        assert synthetic["city"].nunique() > 1  # sampled, not one value repeated


def test_without_the_entry_point_the_name_is_unknown(tmp_path: Path) -> None:
    assert PLUGIN_NAME not in list_synthesizers()
    database_url = f"sqlite:///{tmp_path / 'test.db'}"
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "data",
        database=DatabaseSettings(url=database_url),
    )
    database = migrated(database_url)
    try:
        with TestClient(create_app(settings)) as client:
            owner = signed_in(client, database, "owner@example.com")
            content = training_table().to_csv(index=False).encode()
            body = {
                "dataset_id": upload_dataset(client, owner, content),
                "synthesizer": PLUGIN_NAME,
            }

            created = client.post("/v1/generators", json=body, headers=owner.headers)

            assert created.status_code == 422, created.text
            assert PLUGIN_NAME in created.json()["detail"]
    finally:
        database.dispose()
