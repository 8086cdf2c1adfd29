"""A neural generator trained as a job, killed outright mid-training and checked for a resume
from its last checkpoint (shared by the local and the Celery backend's tests)."""

from __future__ import annotations

import io
import re
import time
import uuid
from typing import Any

import pandas as pd
from fastapi.testclient import TestClient
from sqlalchemy import select

from synthfoundry import layout
from synthfoundry.db import Database
from synthfoundry.jobs import workdirs
from synthfoundry.jobs.models import JobEvent
from synthfoundry.storage import BlobStore
from tests.support.accounts import Account
from tests.support.flows import people_csv, upload_dataset

EPOCHS = 40
RESUMED = re.compile(r"resuming from the checkpoint after (\d+) epochs")


def start_training(client: TestClient, account: Account) -> str:
    """Train a small TVAE that checkpoints every epoch; return the job's id."""
    people = pd.read_csv(io.BytesIO(people_csv()))
    # No income column: fitting its Gaussian mixture takes seconds, and the test is about epochs.
    content = people[["age", "sex", "city"]].to_csv(index=False).encode()
    body = {
        "dataset_id": upload_dataset(client, account, content),
        "synthesizer": "tvae",
        "params": {"epochs": EPOCHS, "batch_size": 100, "checkpoint_every": 1},
    }
    created = client.post("/v1/generators", json=body, headers=account.headers)
    assert created.status_code == 201, created.text
    accepted = client.post(f"/v1/generators/{created.json()['id']}/train", headers=account.headers)
    assert accepted.status_code == 202, accepted.text
    return str(accepted.json()["id"])


def wait_for_epochs(
    client: TestClient, account: Account, job_id: str, epochs: int, seconds: float = 60
) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        job: dict[str, Any] = client.get(f"/v1/jobs/{job_id}", headers=account.headers).json()
        progress = job["progress"]
        if progress.get("step") == "train" and progress.get("completed", 0) >= epochs:
            return job
        assert job["status"] in ("queued", "running"), job
        assert time.monotonic() < deadline, f"timed out at {progress}"
        time.sleep(0.05)


def wait_until_over(
    client: TestClient, account: Account, job_id: str, seconds: float = 90
) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        job: dict[str, Any] = client.get(f"/v1/jobs/{job_id}", headers=account.headers).json()
        if job["status"] in ("succeeded", "failed", "cancelled"):
            return job
        assert time.monotonic() < deadline, f"timed out; job is {job['status']}"
        time.sleep(0.1)


def attempt_folder_exists(job_id: str, attempt: int) -> bool:
    return (workdirs.job_root(uuid.UUID(job_id)) / f"attempt-{attempt}").is_dir()


def assert_resumed_from_last_checkpoint(
    database: Database, storage: BlobStore, job: dict[str, Any], epochs_seen: int
) -> int:
    """The second attempt went on from the first one's last checkpoint (at least the epoch
    before the last one reported), left no local folder and no checkpoint behind; return the
    epoch it resumed after."""
    assert job["status"] == "succeeded", job
    assert (job["attempt"], job["retries"]) == (2, 1)
    events = _events(database, uuid.UUID(job["id"]))
    second = next(
        index
        for index, event in enumerate(events)
        if event.type == "status" and event.data == {"status": "running", "attempt": 2}
    )
    logs = [event.data["message"] for event in events[second:] if event.type == "log"]
    resumed = [int(match[1]) for line in logs if (match := RESUMED.fullmatch(line))]
    assert len(resumed) == 1, logs
    epoch = resumed[0]
    assert epochs_seen - 1 <= epoch < EPOCHS
    trained = [
        event.data["completed"]
        for event in events[second:]
        if event.type == "progress" and event.data["step"] == "train"
    ]
    assert trained and min(trained) > epoch and trained[-1] == EPOCHS  # no epoch done twice
    assert not workdirs.job_root(uuid.UUID(job["id"])).exists()
    assert storage.list(layout.job_checkpoint_folder(uuid.UUID(job["id"]))) == []
    return epoch


def _events(database: Database, job_id: uuid.UUID) -> list[JobEvent]:
    with database.unit_of_work() as session:
        events = list(
            session.scalars(
                select(JobEvent).where(JobEvent.job_id == job_id).order_by(JobEvent.seq)
            )
        )
        session.expunge_all()
    return events
