"""Workflows over HTTP on SQLite and PostgreSQL: a train -> generate -> evaluate -> test ->
export run end to end, pause during training and resume where it was, abort mid-generate, a
failing test step, validation of bad configurations at their paths, versions, ownership, the
per-workflow audit and the live workflow_update messages."""

from __future__ import annotations

import io
import time
from typing import Any

import numpy as np
import pandas as pd
from fastapi.testclient import TestClient

from synthfoundry.db import Database
from tests.support.accounts import Account, signed_in
from tests.support.flows import upload_dataset

CONFIGS = "/v1/workflow-configs"
RUNS = "/v1/workflows"


def people(rows: int, seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 80, rows)
    frame = pd.DataFrame(
        {
            "age": age,
            "sex": rng.choice(["Female", "Male"], rows),
            "income": (age * 800 + rng.normal(0, 3000, rows)).round(0),
            "city": rng.choice(["Oslo", "Lima", "Pune"], rows),
        }
    )
    return frame.to_csv(index=False).encode()


def four_steps(train: str, holdout: str, epochs: int = 3, fidelity: float = 0.5) -> dict[str, Any]:
    return {
        "name": "people pipeline",
        "steps": [
            {"name": "data", "type": "ingest", "params": {"dataset_id": train}},
            {
                "name": "train",
                "type": "train",
                "params": {
                    "dataset": "$data.dataset_id",
                    "synthesizer": "tvae",
                    "params": {"epochs": epochs, "batch_size": 100, "checkpoint_every": 1},
                },
            },
            {
                "name": "generate",
                "type": "generate",
                "params": {"generator": "$train.generator_id", "size": 300, "seed": 1},
            },
            {
                "name": "evaluate",
                "type": "evaluate",
                "params": {
                    "real": "$data.dataset_id",
                    "synthetic": "$generate.synthetic_dataset_id",
                    "holdout": holdout,
                    "target": "sex",
                },
            },
            {
                "name": "test",
                "type": "test",
                "params": {
                    "report": "$evaluate.report_id",
                    "checks": [
                        {"metric": "fidelity", "min": fidelity},
                        {"metric": "exact_copy_rate", "max": 0.5},
                        {"metric": "closer_to_train_share", "max": 0.95},
                    ],
                },
            },
            {
                "name": "export",
                "type": "export",
                "params": {"synthetic": "$generate.synthetic_dataset_id", "format": "parquet"},
            },
        ],
    }


def wait_run(
    client: TestClient, account: Account, run_id: str, until: set[str], seconds: float = 180
) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        run: dict[str, Any] = client.get(f"{RUNS}/{run_id}", headers=account.headers).json()
        if run["status"] in until:
            return run
        assert time.monotonic() < deadline, run
        time.sleep(0.1)


def datasets(client: TestClient, account: Account) -> tuple[str, str]:
    return (
        upload_dataset(client, account, people(400, 0)),
        upload_dataset(client, account, people(200, 1)),
    )


def test_a_saved_configuration_runs_end_to_end_with_results_and_audit(
    client: TestClient, migrated_database: Database
) -> None:
    owner = signed_in(client, migrated_database, "owner@example.com")
    train, holdout = datasets(client, owner)
    saved = client.post(CONFIGS, json=four_steps(train, holdout), headers=owner.headers)
    assert saved.status_code == 201, saved.text
    config = saved.json()
    assert config["version"] == 1 and config["runs"] == 0

    started = client.post(RUNS, json={"config_id": config["id"]}, headers=owner.headers)
    assert started.status_code == 202, started.text
    run = wait_run(client, owner, started.json()["id"], {"succeeded", "failed"})

    assert run["status"] == "succeeded", run
    assert [step["name"] for step in run["steps"]] == [
        "data", "train", "generate", "evaluate", "test", "export",
    ]  # fmt: skip
    assert all(step["status"] == "succeeded" and step["progress"] == 1.0 for step in run["steps"])
    jobs = {step["name"]: step["job_id"] for step in run["steps"]}
    assert jobs["train"] and jobs["generate"] and jobs["evaluate"] and not jobs["test"]
    assert run["compute_seconds"] > 0 and run["config_version"] == 1
    quality = client.get(f"{RUNS}/{run['id']}/results/quality", headers=owner.headers).json()
    assert 0 < quality["fidelity"]["score"] <= 1
    checks = client.get(f"{RUNS}/{run['id']}/results/test-results", headers=owner.headers).json()
    assert [c["metric"] for c in checks] == ["fidelity", "exact_copy_rate", "closer_to_train_share"]
    assert all(c["passed"] and c["measured"] is not None for c in checks)
    samples = client.get(
        f"{RUNS}/{run['id']}/results/samples", params={"limit": 5}, headers=owner.headers
    ).json()
    assert samples["columns"] == ["age", "sex", "income", "city"] and len(samples["rows"]) == 5
    exported = client.post(
        f"{RUNS}/{run['id']}/results/export", json={"format": "csv"}, headers=owner.headers
    )
    assert exported.status_code == 201, exported.text
    download = client.get(exported.json()["download_url"], headers=owner.headers)
    assert len(pd.read_csv(io.BytesIO(download.content))) == 300
    agents = client.get(f"/v1/monitoring/agents/{run['id']}", headers=owner.headers).json()
    assert [agent["name"] for agent in agents] == [step["name"] for step in run["steps"]]

    audit = client.get(f"{RUNS}/{run['id']}/audit", headers=owner.headers).json()
    actions = [event["action"] for event in audit]
    assert actions[:2] == ["workflow_config.create", "workflow.start"]
    assert actions[-1] == "workflow.export"
    again = client.get(f"{CONFIGS}/{config['id']}", headers=owner.headers).json()
    assert again["runs"] == 1 and again["average_cost_usd"] == 0.0

    stranger = signed_in(client, migrated_database, "stranger@example.com")
    assert client.get(f"{RUNS}/{run['id']}", headers=stranger.headers).status_code == 404
    assert client.get(f"{CONFIGS}/{config['id']}", headers=stranger.headers).status_code == 404
    assert client.post(f"{RUNS}/{run['id']}/abort", headers=stranger.headers).status_code == 404
    foreign = client.post(RUNS, json={"config_id": config["id"]}, headers=stranger.headers)
    assert foreign.status_code == 404


def test_updates_are_versions_and_a_run_can_use_an_older_one_with_overrides(
    client: TestClient, migrated_database: Database
) -> None:
    owner = signed_in(client, migrated_database, "owner@example.com")
    train, holdout = datasets(client, owner)
    config = client.post(CONFIGS, json=four_steps(train, holdout), headers=owner.headers).json()
    changed = four_steps(train, holdout, epochs=5)
    changed["name"] = "renamed"
    updated = client.put(f"{CONFIGS}/{config['id']}", json=changed, headers=owner.headers).json()
    assert updated["version"] == 2 and updated["name"] == "renamed"
    bad = {**changed, "steps": [{"name": "x", "type": "teleport"}]}
    refused = client.put(f"{CONFIGS}/{config['id']}", json=bad, headers=owner.headers)
    assert refused.status_code == 422
    assert client.get(f"{CONFIGS}/{config['id']}", headers=owner.headers).json()["version"] == 2

    started = client.post(
        RUNS,
        json={
            "config_id": config["id"],
            "version": 1,
            "overrides": {"test": {"checks": [{"metric": "fidelity", "min": 0.99}]}},
        },
        headers=owner.headers,
    )
    assert started.status_code == 202, started.text
    run = wait_run(client, owner, started.json()["id"], {"succeeded", "failed"})

    assert run["name"] == "people pipeline" and run["config_version"] == 1
    assert run["status"] == "failed"
    assert "check(s) failed" in run["error_message"] and "fidelity" in run["error_message"]
    steps = {step["name"]: step["status"] for step in run["steps"]}
    assert steps["test"] == "failed" and steps["export"] == "skipped"
    checks = client.get(f"{RUNS}/{run['id']}/results/test-results", headers=owner.headers).json()
    assert checks[0]["passed"] is False and checks[0]["threshold"] == ">= 0.99"
    # A failed run keeps what it made: its report can be read.
    assert (
        client.get(f"{RUNS}/{run['id']}/results/quality", headers=owner.headers).status_code == 200
    )
    listed = client.get(RUNS, params={"status": "failed"}, headers=owner.headers).json()
    assert [item["id"] for item in listed["items"]] == [run["id"]]
    missing = client.post(
        RUNS, json={"config_id": config["id"], "overrides": {"nope": {}}}, headers=owner.headers
    )
    assert missing.status_code == 422 and "nope" in missing.text
    malformed = client.post(
        RUNS,
        json={"config": {"name": "x", "steps": ["oops"]}, "overrides": {"oops": {}}},
        headers=owner.headers,
    )
    assert malformed.status_code == 422 and "/steps/0" in malformed.text


def test_pause_during_training_resumes_at_its_epoch(
    client: TestClient, migrated_database: Database
) -> None:
    owner = signed_in(client, migrated_database, "owner@example.com")
    train, holdout = datasets(client, owner)
    config = four_steps(train, holdout, epochs=100)
    started = client.post(RUNS, json={"config": config}, headers=owner.headers).json()
    deadline = time.monotonic() + 120
    while True:
        status = client.get(f"{RUNS}/{started['id']}/status", headers=owner.headers).json()
        train_step = next(step for step in status["steps"] if step["name"] == "train")
        job_id = train_step["job_id"]
        job = client.get(f"/v1/jobs/{job_id}", headers=owner.headers).json() if job_id else {}
        epochs = job["progress"].get("completed", 0) if job else 0
        if job and job["progress"].get("step") == "train" and epochs >= 3 and status["message"]:
            break
        assert time.monotonic() < deadline, status
        time.sleep(0.05)
    assert status["current_stage"] == "train" and "train" in status["message"]

    paused = client.post(f"{RUNS}/{started['id']}/pause", headers=owner.headers)
    assert paused.status_code == 200, paused.text
    stopped = wait_run(client, owner, started["id"], {"paused"}, seconds=60)
    child = client.get(f"/v1/jobs/{job_id}", headers=owner.headers).json()
    assert child["status"] == "paused"
    epochs_at_pause = child["progress"]["completed"]

    resumed = client.post(f"{RUNS}/{started['id']}/resume", headers=owner.headers)
    assert resumed.status_code == 200, resumed.text
    run = wait_run(client, owner, started["id"], {"succeeded", "failed"})
    assert run["status"] == "succeeded", run
    assert stopped["steps"][0]["status"] == "succeeded"
    lines = client.get(f"/v1/jobs/{job_id}/logs", headers=owner.headers).json()
    logs = [line["data"].get("message", "") for line in lines]
    resumed_from = [m for m in logs if "resuming from the checkpoint" in m]
    assert resumed_from, logs
    assert int(resumed_from[0].split("after ")[1].split()[0]) >= min(epochs_at_pause, 3) - 1
    audit = [
        e["action"] for e in client.get(f"{RUNS}/{run['id']}/audit", headers=owner.headers).json()
    ]
    assert audit[:3] == ["workflow.start", "workflow.pause", "workflow.resume"]


def test_abort_mid_generate_cancels_the_step_and_removes_what_the_run_made(
    client: TestClient, migrated_database: Database
) -> None:
    owner = signed_in(client, migrated_database, "owner@example.com")
    train, holdout = datasets(client, owner)
    config = four_steps(train, holdout)
    config["steps"][2]["params"]["size"] = 3_000_000
    started = client.post(RUNS, json={"config": config}, headers=owner.headers).json()
    deadline = time.monotonic() + 120
    while True:
        status = client.get(f"{RUNS}/{started['id']}/status", headers=owner.headers).json()
        generate = next(step for step in status["steps"] if step["name"] == "generate")
        if generate["status"] == "running" and generate["job_id"]:
            break
        assert status["status"] in ("queued", "running"), status
        assert time.monotonic() < deadline, status
        time.sleep(0.05)

    aborted = client.post(f"{RUNS}/{started['id']}/abort", headers=owner.headers)
    assert aborted.status_code == 200, aborted.text
    run = wait_run(client, owner, started["id"], {"aborted"}, seconds=60)
    child = client.get(f"/v1/jobs/{generate['job_id']}", headers=owner.headers).json()
    assert child["status"] == "cancelled"
    generator_id = next(s for s in status["steps"] if s["name"] == "train")["outputs"][
        "generator_id"
    ]
    assert client.get(f"/v1/generators/{generator_id}", headers=owner.headers).status_code == 404
    assert client.get("/v1/synthetic-datasets", headers=owner.headers).json()["items"] == []
    assert run["steps"][2]["status"] == "cancelled"


def ingest(name: str, dataset_id: str) -> dict[str, Any]:
    return {"name": name, "type": "ingest", "params": {"dataset_id": dataset_id}}


def step(name: str, kind: str, **params: Any) -> dict[str, Any]:
    return {"name": name, "type": kind, "params": params}


NOBODY = "00000000-0000-0000-0000-000000000000"
BAD_CONFIGS: list[tuple[Any, str]] = [
    (lambda d: {"steps": []}, "/name"),
    (lambda d: {"name": "x", "steps": []}, "/steps"),
    (lambda d: {"name": "x", "steps": [step("a", "teleport")]}, "/steps/0/type"),
    (lambda d: {"name": "x", "steps": [ingest("A b", d)]}, "/steps/0/name"),
    (lambda d: {"name": "x", "steps": [step("t", "train", datset=d)]}, "/steps/0/params/datset"),
    (
        lambda d: {
            "name": "x",
            "steps": [step("t", "train", dataset="$later.dataset_id"), ingest("later", d)],
        },
        "/steps/0/params/dataset",
    ),
    (
        lambda d: {
            "name": "x",
            "steps": [ingest("d", d), step("g", "generate", generator="$d.dataset_id")],
        },
        "/steps/1/params/generator",
    ),
    (lambda d: {"name": "x", "steps": [ingest("d", NOBODY)]}, "/steps/0/params/dataset_id"),
    (
        lambda d: {
            "name": "x",
            "steps": [
                ingest("d", d),
                step(
                    "t", "train", dataset="$d.dataset_id", synthesizer="ctgan", params={"epoch": 5}
                ),
            ],
        },
        "/steps/1/params/params/epoch",
    ),
    (lambda d: {"name": "x", "steps": [ingest("d", d), ingest("d", d)]}, "/steps/1/name"),
    (
        lambda d: {
            "name": "x",
            "steps": [step("t", "test", report="$e.report_id", checks=[{"metric": "fidelity"}])],
        },
        "/steps/0/params/report",
    ),
]


def test_bad_configurations_are_reported_at_their_paths(
    client: TestClient, migrated_database: Database
) -> None:
    owner = signed_in(client, migrated_database, "owner@example.com")
    dataset_id = upload_dataset(client, owner, people(50, 0))
    for make, path in BAD_CONFIGS:
        document = make(dataset_id)
        checked = client.post(f"{CONFIGS}/validate", json=document, headers=owner.headers).json()
        assert checked["valid"] is False
        assert path in [problem["path"] for problem in checked["problems"]], (path, checked)
        saved = client.post(CONFIGS, json=document, headers=owner.headers)
        assert saved.status_code == 422 and path in saved.text, (path, saved.text)
    assert client.get(CONFIGS, headers=owner.headers).json()["items"] == []


def test_everything_wrong_is_reported_at_once(
    client: TestClient, migrated_database: Database
) -> None:
    owner = signed_in(client, migrated_database, "owner@example.com")
    other = signed_in(client, migrated_database, "other@example.com")
    theirs = upload_dataset(client, other, people(50, 0))
    document = {
        "name": "x",
        "steps": [
            {"name": "d", "type": "ingest", "params": {"dataset_id": theirs}},
            {"name": "t", "type": "trian", "params": {}},
            {"name": "g", "type": "generate", "params": {"generator": "$t.generator_id"}},
        ],
    }
    checked = client.post(f"{CONFIGS}/validate", json=document, headers=owner.headers).json()
    problems = {problem["path"]: problem["message"] for problem in checked["problems"]}
    assert "of yours" in problems["/steps/0/params/dataset_id"]
    assert 'did you mean "train"' in problems["/steps/1/type"]
    assert "/steps/2/params/generator" in problems


def test_workflow_updates_come_in_order_on_the_owner_socket(
    client: TestClient, migrated_database: Database
) -> None:
    owner = signed_in(client, migrated_database, "owner@example.com")
    dataset_id = upload_dataset(client, owner, people(200, 0))
    config = {
        "name": "short",
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
                "params": {"generator": "$train.generator_id", "size": 100},
            },
        ],
    }
    with client.websocket_connect("/v1/jobs/events") as socket:
        socket.send_json({"type": "auth", "token": owner.access_token})
        assert socket.receive_json()["type"] == "subscribed"
        started = client.post(RUNS, json={"config": config}, headers=owner.headers).json()
        updates = []
        while True:
            message = socket.receive_json()
            if message["type"] != "workflow_update":
                continue
            updates.append(message)
            if message["status"] in ("succeeded", "failed"):
                break

    assert updates[-1]["status"] == "succeeded"
    assert all(update["workflow_id"] == started["id"] for update in updates)
    assert {"workflow_id", "status", "progress", "current_stage", "message"} <= set(updates[0])
    seqs = [update["seq"] for update in updates]
    assert seqs == sorted(seqs)
    stages = [u["current_stage"] for u in updates if u["message"].endswith("started")]
    assert stages == ["data", "train", "rows"]
