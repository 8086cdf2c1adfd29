"""Job events in order, for live readers: the WebSocket and the HTTP event stream.

A reader follows one job (from a snapshot of it, or from the sequence number it saw last) or
every job of its owner (from now on). The pump only says what is new; a feed hands each job's
events out in ``seq`` order, skipping what was already sent and reading from the ``job_events``
table what the pump has not brought: the events before the reader's sequence number caught up,
and those another transaction committed after a later one (PostgreSQL assigns ids at insert).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from synthfoundry.accounts.actor import Actor
from synthfoundry.db import Database
from synthfoundry.jobs import service
from synthfoundry.jobs.events import Delivered, EventPump, Subscription
from synthfoundry.jobs.schemas import JobRead
from synthfoundry.jobs.states import TERMINAL

IDLE_SECONDS = 20.0
PAGE = service.MAX_EVENTS_PER_READ


@dataclass(frozen=True)
class Snapshot:
    """The whole job (``JobRead`` as JSON) as it stood after the reader subscribed; its events
    follow from ``seq + 1``."""

    seq: int
    job: dict[str, Any]

    @property
    def finished(self) -> bool:
        return self.job["status"] in TERMINAL


@dataclass(frozen=True)
class Idle:
    """Nothing happened for ``idle_seconds``: the transport's cue to keep its connection alive."""


IDLE = Idle()
StreamItem = Snapshot | Delivered | Idle


class SubscriberTooSlow(Exception):
    """The reader fell so far behind that the pump dropped its subscription; a reader of one job
    resumes from the last ``seq`` it received."""


def ends_job(event: Delivered) -> bool:
    return event.type == "status" and event.data.get("status") in TERMINAL


class Feed:
    """One reader's events in order; iterate ``items()`` once. A feed of one job starts from
    its snapshot's ``seq``, or from ``after_seq`` (then it reads the missed events first)."""

    def __init__(
        self,
        database: Database,
        subscription: Subscription,
        *,
        idle_seconds: float,
        snapshot: Snapshot | None = None,
        after_seq: int | None = None,
        until_finished: bool = False,
    ) -> None:
        self._database = database
        self._subscription = subscription
        self._idle_seconds = idle_seconds
        self._until_finished = until_finished
        self._snapshot = snapshot
        # The last seq handed out per job; a job not in here starts at its first event seen.
        self._positions: dict[uuid.UUID, int] = {}
        self._catch_up = after_seq is not None
        start = after_seq if after_seq is not None else snapshot.seq if snapshot else None
        if subscription.job_id is not None and start is not None:
            self._positions[subscription.job_id] = start

    async def items(self) -> AsyncGenerator[StreamItem, None]:
        """The snapshot (when asked for), missed events (after ``after_seq``), then each event
        as it comes, with ``IDLE`` whenever there is nothing for a while. With
        ``until_finished`` the items end once the job is over."""
        job_id, snapshot = self._subscription.job_id, self._snapshot
        if snapshot is not None and not self._catch_up:
            yield snapshot
            if self._until_finished and snapshot.finished:
                return
        if job_id is not None and self._catch_up:
            async for event in self._from_table(job_id, before=None):
                yield event
                if self._over(event):
                    return
            if self._until_finished and snapshot is not None and snapshot.finished:
                return  # the job was over when the reader came, and it has everything now
        while True:
            try:
                async with asyncio.timeout(self._idle_seconds):
                    arrived = await self._subscription.queue.get()
            except TimeoutError:
                yield IDLE
                continue
            if arrived is None:
                raise SubscriberTooSlow("the reader fell behind; events were dropped")
            seen = self._positions.get(arrived.job_id)
            if seen is not None:
                if arrived.seq <= seen:
                    continue
                async for missing in self._from_table(arrived.job_id, before=arrived.seq):
                    yield missing
                    if self._over(missing):
                        return
            self._positions[arrived.job_id] = arrived.seq
            yield arrived
            if self._over(arrived):
                return

    def _over(self, event: Delivered) -> bool:
        return self._until_finished and ends_job(event)

    async def _from_table(
        self, job_id: uuid.UUID, *, before: int | None
    ) -> AsyncIterator[Delivered]:
        """Events of ``job_id`` after the reader's position (and before ``before``), by pages."""
        while before is None or self._positions[job_id] + 1 < before:
            page = await asyncio.to_thread(self._read, job_id, self._positions[job_id], before)
            for event in page:
                self._positions[job_id] = event.seq
                yield event
            if len(page) < PAGE:
                return

    def _read(self, job_id: uuid.UUID, after: int, before: int | None) -> list[Delivered]:
        with self._database.unit_of_work() as session:
            rows = service.events_after(session, job_id, after, limit=PAGE)
            return [Delivered.of(row) for row in rows if before is None or row.seq < before]


class JobEventStream:
    """Feeds of job events for one reader each; every feed unsubscribes when its block ends."""

    def __init__(
        self, database: Database, pump: EventPump, *, idle_seconds: float = IDLE_SECONDS
    ) -> None:
        self.database = database
        self.pump = pump
        self.idle_seconds = idle_seconds

    @asynccontextmanager
    async def follow_job(
        self,
        actor: Actor,
        job_id: uuid.UUID,
        after_seq: int | None = None,
        *,
        until_finished: bool = False,
    ) -> AsyncIterator[Feed]:
        """One job of the actor's: its snapshot then its events, or the events after
        ``after_seq``. Raises ``NotFound`` for a job the actor may not see."""
        subscription = self.pump.subscribe(job_id=job_id)  # before the snapshot: no gap
        try:
            snapshot = await asyncio.to_thread(self._snapshot, actor, job_id)
            yield Feed(
                self.database,
                subscription,
                idle_seconds=self.idle_seconds,
                snapshot=snapshot,
                after_seq=after_seq,
                until_finished=until_finished,
            )
        finally:
            self.pump.unsubscribe(subscription)

    @asynccontextmanager
    async def follow_owner(self, actor: Actor) -> AsyncIterator[Feed]:
        """Every job of the actor's own, from now on."""
        subscription = self.pump.subscribe(owner_id=actor.user_id)
        try:
            yield Feed(self.database, subscription, idle_seconds=self.idle_seconds)
        finally:
            self.pump.unsubscribe(subscription)

    def _snapshot(self, actor: Actor, job_id: uuid.UUID) -> Snapshot:
        with self.database.unit_of_work() as session:
            job = service.get_owned(session, actor, job_id)
            return Snapshot(job.last_event_seq, JobRead.of(job).model_dump(mode="json"))
