"""A job's bar and ETA as the runner writes them on the row, on SQLite and PostgreSQL: milestones,
a pause and resume, and what a finished, paused or re-queued job says about its end."""

from __future__ import annotations

import threading
import uuid

from synthfoundry.accounts.principal import Principal
from synthfoundry.config import Settings
from synthfoundry.db import Database
from synthfoundry.jobs import records, service
from synthfoundry.jobs.context import JobContext
from synthfoundry.jobs.diagnostics import StepsParams
from synthfoundry.jobs.pace import MIN_STEPS
from synthfoundry.jobs.runner import claim
from synthfoundry.jobs.states import Action, Status
from synthfoundry.storage import BlobStore
from tests.jobs.conftest import load, new_job
from tests.jobs.test_pace import FakeClock


def attempt(
    database: Database, storage: BlobStore, settings: Settings, job_id: uuid.UUID, clock: FakeClock
) -> JobContext:
    number = claim(database, job_id, "test-worker", 60.0)
    assert number is not None
    job = load(database, job_id)
    return JobContext(
        database=database,
        storage=storage,
        settings=settings.jobs,
        job_id=job_id,
        attempt=number,
        params=StepsParams.model_validate(job.params),
        stage_names=tuple(stage["name"] for stage in job.stages),
        shutdown=threading.Event(),
        clock=clock,
    )


def fractions(database: Database, job_id: uuid.UUID) -> list[float]:
    with database.unit_of_work() as session:
        return [
            float(event.data["fraction"])
            for event in service.events_after(session, job_id, 0)
            if event.type == "progress"
        ]


def apply(database: Database, job_id: uuid.UUID, *changes: Action | Status) -> None:
    with database.unit_of_work(write=True) as session:
        job = records.locked(session, job_id)
        assert job is not None
        for change in changes:
            if isinstance(change, Action):
                records.act(session, job, change)
            else:
                records.set_status(session, job, change)


def test_a_model_milestone_leaves_the_bar_where_it_was(
    migrated_database: Database, storage: BlobStore, job_settings: Settings, owner: Principal
) -> None:
    job_id = new_job(migrated_database, owner, job_settings.jobs, steps=50)
    clock = FakeClock()
    context = attempt(migrated_database, storage, job_settings, job_id, clock)
    with context.stage("prepare"), context.stage("steps"):
        context.progress(1, 1, step="encode")
        after_milestone = load(migrated_database, job_id).progress
        clock.advance(2.0)
        context.progress(1, 50, unit="epochs", step="train")
        first_epoch = load(migrated_database, job_id).progress

    assert after_milestone["fraction"] == 0.0
    assert after_milestone["step"] == "encode"
    assert first_epoch["fraction"] == 0.02


def test_the_bar_holds_through_a_pause_and_the_resumed_attempt_starts_from_it(
    migrated_database: Database, storage: BlobStore, job_settings: Settings, owner: Principal
) -> None:
    job_id = new_job(migrated_database, owner, job_settings.jobs, steps=50)
    clock = FakeClock()
    first = attempt(migrated_database, storage, job_settings, job_id, clock)
    with first.stage("prepare"), first.stage("steps"):
        for step in range(0, 31):
            clock.advance(2.0)
            first.progress(step, 50)
    before_pause = load(migrated_database, job_id).progress
    apply(migrated_database, job_id, Action.PAUSE, Status.PAUSED)
    paused = load(migrated_database, job_id).progress
    apply(migrated_database, job_id, Action.RESUME)

    second = attempt(migrated_database, storage, job_settings, job_id, clock)
    with second.stage("prepare"):
        clock.advance(5.0)  # reloading: the bar stays where the pause left it
        reloading = load(migrated_database, job_id).progress
    with second.stage("steps"):
        second.progress(30, 50)
        resumed = load(migrated_database, job_id).progress
        for step in range(31, 31 + MIN_STEPS + 1):
            clock.advance(2.0)
            second.progress(step, 50)
        going = load(migrated_database, job_id).progress

    assert before_pause["fraction"] == 0.6
    assert before_pause["eta_seconds"] == 40.0
    assert paused["fraction"] == 0.6
    assert paused["eta_seconds"] is None  # off its worker, a job has no pace
    assert reloading["fraction"] == resumed["fraction"] == 0.6
    assert resumed["eta_seconds"] is None  # not a single step timed in this attempt yet
    assert going["eta_seconds"] == (50 - 31 - MIN_STEPS) * 2.0
    seen = fractions(migrated_database, job_id)
    assert seen == sorted(seen)


def test_a_finished_stage_keeps_its_measured_seconds_and_a_finished_job_ends_its_eta(
    migrated_database: Database, storage: BlobStore, job_settings: Settings, owner: Principal
) -> None:
    job_id = new_job(migrated_database, owner, job_settings.jobs, steps=5)
    context = attempt(migrated_database, storage, job_settings, job_id, FakeClock())
    with context.stage("prepare"):
        pass
    apply(migrated_database, job_id, Status.SUCCEEDED)
    job = load(migrated_database, job_id)

    prepare = job.stages[0]
    assert isinstance(prepare["seconds"], float) and 0 <= prepare["seconds"] < 5
    assert job.progress["fraction"] == 1.0
    assert job.progress["eta_seconds"] == job.progress["eta_high_seconds"] == 0.0
