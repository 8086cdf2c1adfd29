from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from synthfoundry import runtime
from synthfoundry.accounts.principal import Principal
from synthfoundry.accounts.scopes import scopes_for_role
from synthfoundry.config import DatabaseSettings, JobsSettings, Settings
from synthfoundry.db import Database
from synthfoundry.jobs.models import Job
from synthfoundry.storage import BlobStore
from tests.support.accounts import create_user
from tests.support.jobs import submit_steps


@pytest.fixture
def job_settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "data",
        database=DatabaseSettings(url=database_url),
        jobs=JobsSettings(heartbeat_seconds=0.2, lease_seconds=1.0, progress_interval_seconds=0),
    )


@pytest.fixture
def storage(job_settings: Settings) -> BlobStore:
    storage = BlobStore.from_settings(job_settings.storage_url, job_settings.storage)
    runtime.configure(job_settings, storage)
    return storage


@pytest.fixture
def owner(migrated_database: Database, storage: BlobStore) -> Principal:
    user_id = create_user(migrated_database, f"owner-{uuid.uuid4().hex[:6]}@example.com")
    return Principal(user_id=user_id, is_admin=False, scopes=scopes_for_role(False), kind="user")


def new_job(
    database: Database, owner: Principal, settings: JobsSettings, **params: Any
) -> uuid.UUID:
    """A ``system.steps`` job, submitted under ``settings`` (its quota, its retries)."""
    current = runtime.current()
    runtime.configure(current.settings.model_copy(update={"jobs": settings}), current.storage)
    return submit_steps(database, owner.user_id, **params)


def load(database: Database, job_id: uuid.UUID) -> Job:
    with database.unit_of_work() as session:
        job = session.get(Job, job_id)
        assert job is not None
        session.expunge(job)
        return job
