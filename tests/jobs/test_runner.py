"""The runner in this process, on SQLite and PostgreSQL: claims, stages, stops, fencing, reaping."""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid

import pytest
from sqlalchemy.engine import make_url

from synthfoundry.accounts.actor import system_actor
from synthfoundry.accounts.principal import Principal
from synthfoundry.config import DatabaseSettings, Settings
from synthfoundry.db import Database
from synthfoundry.errors import InvalidState, QuotaExceeded
from synthfoundry.jobs import service
from synthfoundry.jobs.reaper import reap_expired
from synthfoundry.jobs.runner import claim, execute, run_job
from synthfoundry.jobs.states import Action, Status
from synthfoundry.storage import BlobStore
from tests.jobs.conftest import load, new_job


def wait_for(condition: object, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def events(database: Database, job_id: uuid.UUID) -> list[tuple[str, dict[str, object]]]:
    with database.unit_of_work() as session:
        return [(event.type, event.data) for event in service.events_after(session, job_id, 0)]


def test_a_job_runs_through_its_stages(
    migrated_database: Database, storage: BlobStore, job_settings: Settings, owner: Principal
) -> None:
    job_id = new_job(migrated_database, owner, job_settings.jobs, steps=3, step_seconds=0)

    assert run_job(migrated_database, storage, job_settings, job_id, "test-worker")

    job = load(migrated_database, job_id)
    assert job.status == Status.SUCCEEDED
    assert job.result == {"steps": 3, "resumed_from": 0, "executed": [0, 1, 2]}
    assert [stage["status"] for stage in job.stages] == ["succeeded"] * 3
    assert job.progress["fraction"] == 1.0
    recorded = events(migrated_database, job_id)
    assert [data["status"] for kind, data in recorded if kind == "status"] == [
        "queued",
        "running",
        "succeeded",
    ]
    assert [kind for kind, _ in recorded].count("progress") == 3


def test_claim_is_atomic_and_a_second_delivery_is_a_no_op(
    migrated_database: Database, storage: BlobStore, job_settings: Settings, owner: Principal
) -> None:
    job_id = new_job(migrated_database, owner, job_settings.jobs, steps=1, step_seconds=0)
    results: list[int | None] = []

    def take() -> None:
        results.append(claim(migrated_database, job_id, "racer", 5.0))

    racers = [threading.Thread(target=take) for _ in range(8)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()

    assert sorted(results, key=lambda value: value is None) == [1] + [None] * 7
    assert run_job(migrated_database, storage, job_settings, job_id, "late") is False


def test_an_error_fails_the_job_with_its_reason(
    migrated_database: Database, storage: BlobStore, job_settings: Settings, owner: Principal
) -> None:
    job_id = new_job(
        migrated_database, owner, job_settings.jobs, steps=5, step_seconds=0, fail_at_step=2
    )

    run_job(migrated_database, storage, job_settings, job_id, "w")

    job = load(migrated_database, job_id)
    assert job.status == Status.FAILED
    assert job.error_code == "job_error"
    assert "failing at step 2" in (job.error_message or "")
    assert storage.list(f"jobs/{job_id}") == []  # the partial checkpoint is cleaned up


def _run_in_thread(
    database: Database, storage: BlobStore, settings: Settings, job_id: uuid.UUID
) -> threading.Thread:
    thread = threading.Thread(target=run_job, args=(database, storage, settings, job_id, "w"))
    thread.start()
    wait_for(lambda: load(database, job_id).progress.get("completed", 0) >= 2)
    return thread


def _act(database: Database, owner: Principal, job_id: uuid.UUID, action: Action) -> Status:
    with database.unit_of_work(write=True) as session:
        return Status(
            service.act(session, system_actor(owner.user_id, owner.scopes), job_id, action).status
        )


def test_cancel_while_queued_and_while_running(
    migrated_database: Database, storage: BlobStore, job_settings: Settings, owner: Principal
) -> None:
    queued = new_job(migrated_database, owner, job_settings.jobs, steps=3)
    running = new_job(migrated_database, owner, job_settings.jobs, steps=200, step_seconds=0.02)

    assert _act(migrated_database, owner, queued, Action.CANCEL) == Status.CANCELLED
    assert run_job(migrated_database, storage, job_settings, queued, "w") is False
    thread = _run_in_thread(migrated_database, storage, job_settings, running)
    started = time.monotonic()
    assert _act(migrated_database, owner, running, Action.CANCEL) == Status.CANCELLING
    thread.join(10)

    assert time.monotonic() - started < 5
    job = load(migrated_database, running)
    assert job.status == Status.CANCELLED
    assert [stage["status"] for stage in job.stages] == ["succeeded", "cancelled", "cancelled"]
    assert storage.list(f"jobs/{running}") == []
    with pytest.raises(InvalidState):
        _act(migrated_database, owner, running, Action.RESUME)


def test_pause_then_resume_continues_from_the_checkpoint(
    migrated_database: Database, storage: BlobStore, job_settings: Settings, owner: Principal
) -> None:
    job_id = new_job(migrated_database, owner, job_settings.jobs, steps=40, step_seconds=0.02)
    thread = _run_in_thread(migrated_database, storage, job_settings, job_id)

    assert _act(migrated_database, owner, job_id, Action.PAUSE) == Status.PAUSING
    thread.join(10)
    paused = load(migrated_database, job_id)
    assert paused.status == Status.PAUSED
    assert _act(migrated_database, owner, job_id, Action.RESUME) == Status.QUEUED
    run_job(migrated_database, storage, job_settings, job_id, "w2")

    job = load(migrated_database, job_id)
    assert job.status == Status.SUCCEEDED
    assert job.attempt == 2
    assert 2 <= job.result["resumed_from"] < 40  # type: ignore[index]
    assert job.result["executed"] == list(range(40))  # type: ignore[index]  # each step once


def test_a_runner_that_lost_its_lease_cannot_write(
    migrated_database: Database, storage: BlobStore, job_settings: Settings, owner: Principal
) -> None:
    job_id = new_job(migrated_database, owner, job_settings.jobs, steps=3)
    attempt = claim(migrated_database, job_id, "stale", lease_seconds=0.01)
    assert attempt == 1
    time.sleep(0.05)

    assert reap_expired(migrated_database, storage) == [job_id]
    requeued = load(migrated_database, job_id)
    assert (requeued.status, requeued.retries) == (Status.QUEUED, 1)

    fresh = claim(migrated_database, job_id, "fresh", lease_seconds=30)
    assert fresh == 2
    execute(migrated_database, storage, job_settings, job_id, attempt)  # the stale runner wakes up
    assert load(migrated_database, job_id).status == Status.RUNNING  # ...and changed nothing
    execute(migrated_database, storage, job_settings, job_id, fresh)
    assert load(migrated_database, job_id).status == Status.SUCCEEDED


def test_a_job_whose_workers_keep_dying_fails_as_worker_lost(
    migrated_database: Database, storage: BlobStore, job_settings: Settings, owner: Principal
) -> None:
    job_id = new_job(migrated_database, owner, job_settings.jobs, steps=3)

    for expected_attempt in (1, 2, 3):
        assert claim(migrated_database, job_id, "doomed", lease_seconds=0.01) == expected_attempt
        time.sleep(0.05)
        reap_expired(migrated_database, storage)

    job = load(migrated_database, job_id)
    assert job.status == Status.FAILED
    assert job.error_code == "worker_lost"
    assert job.attempt == 3


def test_a_graceful_shutdown_gives_the_job_back(
    migrated_database: Database, storage: BlobStore, job_settings: Settings, owner: Principal
) -> None:
    job_id = new_job(migrated_database, owner, job_settings.jobs, steps=100, step_seconds=0.02)
    shutdown = threading.Event()
    thread = threading.Thread(
        target=run_job, args=(migrated_database, storage, job_settings, job_id, "w", shutdown)
    )
    thread.start()
    wait_for(lambda: load(migrated_database, job_id).progress.get("completed", 0) >= 2)

    shutdown.set()
    thread.join(10)

    job = load(migrated_database, job_id)
    assert (job.status, job.retries, job.worker_id) == (Status.QUEUED, 0, None)
    assert job.checkpoint_key is not None


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_database_outage_is_no_verdict_on_the_job(
    migrated_database: Database,
    storage: BlobStore,
    job_settings: Settings,
    owner: Principal,
    database_url: str,
) -> None:
    """The database locked past its busy timeout mid-job (SQLite's outage): the job keeps its
    checkpoint, goes back to the queue once the database answers, and resumes from there."""
    job_id = new_job(migrated_database, owner, job_settings.jobs, steps=60, step_seconds=0.02)
    impatient = Database.connect(
        database_url, DatabaseSettings(url=database_url, sqlite_busy_timeout_ms=500)
    )
    thread = threading.Thread(target=run_job, args=(impatient, storage, job_settings, job_id, "w"))
    thread.start()
    # The first job of a process imports every job kind before its claim: seconds on a busy box.
    wait_for(lambda: load(migrated_database, job_id).progress.get("completed", 0) >= 2, 120)
    blocker = sqlite3.connect(make_url(database_url).database or "", isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    time.sleep(3)  # every write of the job's meanwhile fails: an outage, not its own error
    blocker.execute("ROLLBACK")
    blocker.close()
    thread.join(30)
    impatient.dispose()

    given_back = load(migrated_database, job_id)
    assert (given_back.status, given_back.retries, given_back.error_code) == (
        Status.QUEUED,
        0,
        None,
    )
    assert given_back.checkpoint_key is not None
    assert storage.list(f"jobs/{job_id}") != []  # no failure clean-up ran

    assert run_job(migrated_database, storage, job_settings, job_id, "w2")
    done = load(migrated_database, job_id)
    assert done.status == Status.SUCCEEDED
    assert done.result["resumed_from"] >= 2
    assert done.result["executed"] == list(range(60))


def test_quota_of_unfinished_jobs(
    migrated_database: Database, job_settings: Settings, owner: Principal
) -> None:
    limited = job_settings.jobs.model_copy(update={"max_active_per_user": 2})
    new_job(migrated_database, owner, limited)
    new_job(migrated_database, owner, limited)

    with pytest.raises(QuotaExceeded):
        new_job(migrated_database, owner, limited)


def test_redis_event_bus_falls_back_to_polling_when_redis_is_gone() -> None:
    import asyncio

    from synthfoundry.jobs.events import RedisBus
    from tests.support.postgres import free_port

    bus = RedisBus(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there

    async def two_waits() -> float:
        started = time.monotonic()
        await bus.wait(0.2)
        await bus.wait(0.2)
        return time.monotonic() - started

    elapsed = asyncio.run(two_waits())
    bus.notify()  # logs and carries on

    assert elapsed >= 0.35  # it waited the poll interval each time instead of spinning
