"""The events service: each reader gets every event of a job once, in seq order, whatever the pump
brings (duplicates, skips, events from before it subscribed)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from typing import Any

import pytest

from synthfoundry.accounts.actor import Actor, system_actor
from synthfoundry.accounts.scopes import scopes_for_role
from synthfoundry.config import EventsSettings
from synthfoundry.db import Database
from synthfoundry.errors import NotFound
from synthfoundry.jobs.events import Delivered, EventPump, MemoryBus, Subscription
from synthfoundry.jobs.models import Job, JobEvent
from synthfoundry.jobs.states import Status
from synthfoundry.jobs.stream import (
    IDLE,
    Feed,
    JobEventStream,
    Snapshot,
    StreamItem,
    SubscriberTooSlow,
)
from tests.support.accounts import create_user


class RecordingPump(EventPump):
    """A pump that never runs: the test hands each subscription what the pump would."""

    def __init__(self, database: Database) -> None:
        super().__init__(database, MemoryBus(), EventsSettings(subscriber_queue_size=10))
        self.subscriptions: list[Subscription] = []
        self.unsubscribed: list[Subscription] = []

    def subscribe(
        self, *, job_id: uuid.UUID | None = None, owner_id: uuid.UUID | None = None
    ) -> Subscription:
        subscription = super().subscribe(job_id=job_id, owner_id=owner_id)
        self.subscriptions.append(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        super().unsubscribe(subscription)
        self.unsubscribed.append(subscription)

    def bring(self, *events: Delivered | None) -> None:
        for event in events:
            self.subscriptions[-1].queue.put_nowait(event)


def actor_of(user_id: uuid.UUID) -> Actor:
    return system_actor(user_id, scopes_for_role(False))


def add_job(
    database: Database, owner_id: uuid.UUID, events: int, status: Status = Status.RUNNING
) -> uuid.UUID:
    """A job with ``events`` progress events (the last a status event when it is over)."""
    with database.unit_of_work(write=True) as session:
        job = Job(owner_id=owner_id, kind="system.steps", status=status, last_event_seq=events)
        session.add(job)
        session.flush()
        for seq in range(1, events + 1):
            final = seq == events and status in (Status.SUCCEEDED, Status.FAILED)
            kind, data = ("status", {"status": str(status)}) if final else ("progress", {"n": seq})
            session.add(JobEvent(job_id=job.id, owner_id=owner_id, seq=seq, type=kind, data=data))
        return job.id


def delivered(
    job_id: uuid.UUID, owner_id: uuid.UUID, seq: int, kind: str = "progress", **data: Any
) -> Delivered:
    return Delivered(job_id, owner_id, seq, kind, "2026-01-01T00:00:00+00:00", data or {"n": seq})


async def take(feed: Feed, count: int) -> list[StreamItem]:
    async with asyncio.timeout(10), contextlib.aclosing(feed.items()) as items:
        return [await anext(items) for _ in range(count)]


async def drain(feed: Feed) -> list[StreamItem]:
    async with asyncio.timeout(10):
        return [item async for item in feed.items()]


def seqs(items: list[StreamItem]) -> list[int]:
    return [item.seq for item in items if isinstance(item, Delivered)]


@pytest.fixture
def owner_id(migrated_database: Database) -> uuid.UUID:
    return create_user(migrated_database, "owner@example.com")


def test_a_snapshot_then_events_in_order_with_duplicates_dropped_and_gaps_read_back(
    migrated_database: Database, owner_id: uuid.UUID
) -> None:
    job_id = add_job(migrated_database, owner_id, 6)
    pump = RecordingPump(migrated_database)
    stream = JobEventStream(migrated_database, pump)

    async def follow() -> list[StreamItem]:
        async with stream.follow_job(actor_of(owner_id), job_id) as feed:
            # 5 and 6 were committed before the snapshot; 7 is new; 8 and 9 the pump skipped.
            with migrated_database.unit_of_work(write=True) as session:
                for seq in (7, 8, 9):
                    session.add(JobEvent(job_id=job_id, owner_id=owner_id, seq=seq, type="log"))
            pump.bring(*(delivered(job_id, owner_id, seq) for seq in (5, 6, 7, 7, 10)))
            return await take(feed, 5)

    items = asyncio.run(follow())

    assert isinstance(items[0], Snapshot)
    assert items[0].seq == 6 and items[0].job["id"] == str(job_id)
    assert seqs(items) == [7, 8, 9, 10]
    assert [item.type for item in items[1:] if isinstance(item, Delivered)] == [
        "progress",
        "log",
        "log",
        "progress",
    ]
    assert pump.unsubscribed == pump.subscriptions


def test_after_seq_replays_from_the_table_by_pages_then_follows_live(
    migrated_database: Database, owner_id: uuid.UUID, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("synthfoundry.jobs.stream.PAGE", 3)
    job_id = add_job(migrated_database, owner_id, 8)
    pump = RecordingPump(migrated_database)
    stream = JobEventStream(migrated_database, pump)

    async def follow() -> list[StreamItem]:
        async with stream.follow_job(actor_of(owner_id), job_id, after_seq=1) as feed:
            pump.bring(delivered(job_id, owner_id, 8), delivered(job_id, owner_id, 9))
            return await take(feed, 8)

    items = asyncio.run(follow())

    assert not any(isinstance(item, Snapshot) for item in items)
    assert seqs(items) == [2, 3, 4, 5, 6, 7, 8, 9]


def test_until_finished_ends_with_the_job(migrated_database: Database, owner_id: uuid.UUID) -> None:
    running = add_job(migrated_database, owner_id, 2)
    finished = add_job(migrated_database, owner_id, 4, Status.SUCCEEDED)
    pump = RecordingPump(migrated_database)
    stream = JobEventStream(migrated_database, pump)
    actor = actor_of(owner_id)

    async def follow(job_id: uuid.UUID, after_seq: int | None, *live: Delivered) -> list[Any]:
        async with stream.follow_job(actor, job_id, after_seq, until_finished=True) as feed:
            pump.bring(*live)
            return await drain(feed)

    done = delivered(running, owner_id, 3, "status", status="cancelled")
    after_live = asyncio.run(follow(running, None, done, delivered(running, owner_id, 4)))
    assert isinstance(after_live[0], Snapshot) and seqs(after_live) == [3]
    snapshot_only = asyncio.run(follow(finished, None))
    assert len(snapshot_only) == 1 and isinstance(snapshot_only[0], Snapshot)
    assert snapshot_only[0].finished
    assert seqs(asyncio.run(follow(finished, 1))) == [2, 3, 4]
    assert asyncio.run(follow(finished, 4)) == []  # nothing more will ever come


def test_a_quiet_feed_says_idle_and_a_dropped_one_raises(
    migrated_database: Database, owner_id: uuid.UUID
) -> None:
    job_id = add_job(migrated_database, owner_id, 1)
    pump = RecordingPump(migrated_database)
    stream = JobEventStream(migrated_database, pump, idle_seconds=0.05)

    async def follow() -> list[StreamItem]:
        async with stream.follow_job(actor_of(owner_id), job_id, after_seq=1) as feed:
            items = feed.items()
            quiet = [await anext(items), await anext(items)]
            pump.bring(None)  # what the pump leaves for a reader it dropped
            with pytest.raises(SubscriberTooSlow):
                await anext(items)
            return quiet

    assert asyncio.run(follow()) == [IDLE, IDLE]


def test_another_users_job_is_not_found_and_leaves_no_subscription(
    migrated_database: Database, owner_id: uuid.UUID
) -> None:
    job_id = add_job(migrated_database, owner_id, 1)
    intruder = create_user(migrated_database, "intruder@example.com")
    pump = RecordingPump(migrated_database)
    stream = JobEventStream(migrated_database, pump)

    async def follow() -> None:
        async with stream.follow_job(actor_of(intruder), job_id):
            pytest.fail("the feed opened")

    with pytest.raises(NotFound):
        asyncio.run(follow())
    assert pump.unsubscribed == pump.subscriptions and len(pump.subscriptions) == 1


def test_an_owner_feed_starts_each_job_at_its_first_event_and_fills_later_gaps(
    migrated_database: Database, owner_id: uuid.UUID
) -> None:
    first = add_job(migrated_database, owner_id, 5)
    second = add_job(migrated_database, owner_id, 2)
    pump = RecordingPump(migrated_database)
    stream = JobEventStream(migrated_database, pump)

    async def follow() -> list[StreamItem]:
        async with stream.follow_owner(actor_of(owner_id)) as feed:
            assert pump.subscriptions[-1].owner_id == owner_id
            pump.bring(
                delivered(first, owner_id, 3),
                delivered(second, owner_id, 1),
                delivered(first, owner_id, 5),
                delivered(second, owner_id, 2),
            )
            return await take(feed, 5)

    items = asyncio.run(follow())

    assert [(item.job_id, item.seq) for item in items if isinstance(item, Delivered)] == [
        (first, 3),
        (second, 1),
        (first, 4),
        (first, 5),
        (second, 2),
    ]
