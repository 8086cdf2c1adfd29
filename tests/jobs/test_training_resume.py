"""A training killed with SIGKILL resumes from its last checkpoint and leaves nothing behind: the
local backend (the Celery backend's twin is in test_celery.py)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from synthfoundry.api import create_app
from synthfoundry.config import DatabaseSettings, JobsSettings, Settings
from synthfoundry.db import Database
from synthfoundry.storage import BlobStore
from tests.support.accounts import signed_in
from tests.support.training import (
    assert_resumed_from_last_checkpoint,
    attempt_folder_exists,
    start_training,
    wait_for_epochs,
    wait_until_over,
)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "data",
        database=DatabaseSettings(url=database_url),
        jobs=JobsSettings(
            heartbeat_seconds=0.2,
            lease_seconds=15.0,  # a training child takes seconds to import its libraries
            concurrency=1,
            reaper_interval_seconds=0.5,
            progress_interval_seconds=0,
        ),
    )


def test_a_killed_local_training_resumes_from_its_last_checkpoint(
    settings: Settings, migrated_database: Database
) -> None:
    with TestClient(create_app(settings)) as client:
        owner = signed_in(client, migrated_database, "owner@example.com")
        job_id = start_training(client, owner)
        running = wait_for_epochs(client, owner, job_id, 3)
        child = int(running["worker_id"].rsplit(":", 1)[1])
        assert child != os.getpid()
        assert attempt_folder_exists(job_id, 1)

        os.kill(child, signal.SIGKILL)
        done = wait_until_over(client, owner, job_id)

        storage = BlobStore.from_settings(settings.storage_url, settings.storage)
        epoch = assert_resumed_from_last_checkpoint(
            migrated_database, storage, done, running["progress"]["completed"]
        )
    assert epoch >= 2
