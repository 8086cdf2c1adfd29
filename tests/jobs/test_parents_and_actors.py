"""Parent jobs and the actor a job acts as, on SQLite and PostgreSQL: cancel and pause of a parent
reach its children through the state machine; a job's actor holds the scopes of the credential
that created it, never its owner's full role."""

from __future__ import annotations

import uuid

import pytest

from synthfoundry.accounts.actor import Actor, system_actor
from synthfoundry.accounts.principal import Principal
from synthfoundry.accounts.scopes import scopes_for_role
from synthfoundry.db import Database
from synthfoundry.errors import PermissionDenied
from synthfoundry.jobs import records, service
from synthfoundry.jobs.diagnostics import StepsParams
from synthfoundry.jobs.models import Job
from synthfoundry.jobs.states import Action, Status
from synthfoundry.storage import BlobStore
from tests.jobs.conftest import load


def _submit(database: Database, actor: Actor, steps: int = 1) -> uuid.UUID:
    with database.unit_of_work(write=True) as session:
        return service.submit(session, actor, StepsParams(steps=steps)).id


def _family(
    database: Database, owner: Principal, children: int
) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """A parent job and children submitted by it, as a batch does."""
    parent_id = _submit(database, system_actor(owner.user_id, owner.scopes))
    with database.unit_of_work() as session:
        parent = session.get(Job, parent_id)
        assert parent is not None
        as_parent = Actor.for_job(parent)
    return parent_id, [_submit(database, as_parent) for _ in range(children)]


def _act(database: Database, owner: Principal, job_id: uuid.UUID, action: Action) -> None:
    with database.unit_of_work(write=True) as session:
        service.act(session, system_actor(owner.user_id, owner.scopes), job_id, action)


def _set_running(database: Database, job_id: uuid.UUID) -> None:
    with database.unit_of_work(write=True) as session:
        job = records.locked(session, job_id)
        assert job is not None
        job.attempt += 1
        records.set_status(session, job, Status.RUNNING)


def test_jobs_a_job_submits_are_its_children(
    migrated_database: Database, storage: BlobStore, owner: Principal
) -> None:
    parent_id, children = _family(migrated_database, owner, 2)

    assert [load(migrated_database, child).parent_job_id for child in children] == [parent_id] * 2
    assert load(migrated_database, parent_id).parent_job_id is None


def test_cancelling_a_parent_cancels_its_children(
    migrated_database: Database, storage: BlobStore, owner: Principal
) -> None:
    parent_id, (queued, running) = _family(migrated_database, owner, 2)
    _set_running(migrated_database, parent_id)
    _set_running(migrated_database, running)

    _act(migrated_database, owner, parent_id, Action.CANCEL)

    assert load(migrated_database, parent_id).status == Status.CANCELLING
    assert load(migrated_database, queued).status == Status.CANCELLED
    assert load(migrated_database, running).status == Status.CANCELLING


def test_pause_and_resume_of_a_parent_reach_its_children(
    migrated_database: Database, storage: BlobStore, owner: Principal
) -> None:
    parent_id, (child,) = _family(migrated_database, owner, 1)

    _act(migrated_database, owner, parent_id, Action.PAUSE)
    assert [load(migrated_database, j).status for j in (parent_id, child)] == [Status.PAUSED] * 2

    _act(migrated_database, owner, parent_id, Action.RESUME)
    assert [load(migrated_database, j).status for j in (parent_id, child)] == [Status.QUEUED] * 2


def test_a_parent_that_ends_cancels_its_unfinished_children(
    migrated_database: Database, storage: BlobStore, owner: Principal
) -> None:
    parent_id, (child,) = _family(migrated_database, owner, 1)
    _set_running(migrated_database, parent_id)

    with migrated_database.unit_of_work(write=True) as session:
        parent = records.locked(session, parent_id)
        assert parent is not None
        records.set_status(session, parent, Status.FAILED, error=("job_error", "boom"))

    assert load(migrated_database, child).status == Status.CANCELLED


def test_a_job_acts_with_the_scopes_of_the_credential_that_created_it(
    migrated_database: Database, storage: BlobStore, owner: Principal
) -> None:
    key_scopes = frozenset({"jobs:write", "generators:read"})
    key = Principal(
        user_id=owner.user_id,
        is_admin=False,
        scopes=key_scopes,
        kind="api_key",
        api_key_id=uuid.uuid4(),
    )
    with migrated_database.unit_of_work(write=True) as session:
        job = service.submit(session, Actor.for_request(key, None, None), StepsParams(steps=1))
        acting = Actor.for_job(job)

    assert acting.scopes == key_scopes != scopes_for_role(False)
    assert acting.principal.api_key_id == key.api_key_id
    assert acting.job_id == job.id
    acting.require("generators:read")
    with pytest.raises(PermissionDenied):
        acting.require("generators:write")
