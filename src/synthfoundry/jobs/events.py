"""Job events to live subscribers.

Every change is a ``job_events`` row committed with the change itself, so the database holds
the full ordered history and clients can resume from any sequence number. In each API process
one pump reads new rows (one query for all subscribers) and hands them to subscriber queues.
The bus only says "there is something new": ``memory://`` within one process (the pump also
polls, which covers job processes and other servers), ``redis://`` across processes, so that
events written by workers on other machines arrive without waiting for the next poll.
The pump wakes readers and nothing more: ``jobs.stream`` puts each reader's events in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import func, select

from synthfoundry.config import EventsSettings
from synthfoundry.db import Database
from synthfoundry.jobs.models import JobEvent
from synthfoundry.logging import get_logger

logger = get_logger("synthfoundry.jobs.events")
CHANNEL = "synthfoundry:job-events"
BATCH = 1000
# PostgreSQL hands out ids at insert, not at commit: an event may become visible after others
# with higher ids. Each poll looks back this many ids and drops what it has already delivered.
LOOKBACK_IDS = 500
REMEMBERED_JOBS = 10_000
STOP_SECONDS = 5.0


class Bus(Protocol):
    def notify(self) -> None:
        """Say that new events were committed (callable from any thread or process)."""

    async def wait(self, seconds: float) -> None:
        """Return when notified, or after ``seconds``."""

    async def close(self) -> None: ...


class MemoryBus:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None

    def notify(self) -> None:
        loop, event = self._loop, self._event
        if loop is not None and event is not None and not loop.is_closed():
            loop.call_soon_threadsafe(event.set)

    async def wait(self, seconds: float) -> None:
        if self._event is None:
            self._loop, self._event = asyncio.get_running_loop(), asyncio.Event()
        # asyncio.timeout, not wait_for: on Python 3.11, wait_for loses a cancellation that
        # arrives as the event is set, and the pump would then never stop.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._event.wait()
        self._event.clear()

    async def close(self) -> None:
        return None


class RedisBus:
    def __init__(self, url: str) -> None:
        import redis
        import redis.asyncio

        self._publisher = redis.Redis.from_url(url)
        self._subscriber_client = redis.asyncio.Redis.from_url(url)
        self._pubsub: Any = None
        self._local = MemoryBus()

    def notify(self) -> None:
        try:
            self._publisher.publish(CHANNEL, b"1")
        except Exception as exc:  # subscribers still poll; a lost wake-up only adds latency
            logger.warning("event notification failed", error=repr(exc))
        self._local.notify()

    async def wait(self, seconds: float) -> None:
        try:
            if self._pubsub is None:
                self._pubsub = self._subscriber_client.pubsub()
                await self._pubsub.subscribe(CHANNEL)
        except Exception as exc:
            await self._fall_back(exc, seconds)
            return
        local = asyncio.ensure_future(self._local.wait(seconds))
        remote = asyncio.ensure_future(
            self._pubsub.get_message(ignore_subscribe_messages=True, timeout=seconds)
        )
        done, _pending = await asyncio.wait({local, remote}, return_when=asyncio.FIRST_COMPLETED)
        for task in (local, remote):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if remote in done and not remote.cancelled() and remote.exception() is not None:
            await self._fall_back(remote.exception(), seconds)

    async def _fall_back(self, error: BaseException | None, seconds: float) -> None:
        """Redis is unreachable: wait the poll interval (the pump polls the table) and
        subscribe afresh next time, rather than spinning on a broken connection."""
        logger.warning("event bus unreachable; polling only", error=repr(error))
        self._pubsub = None
        await self._local.wait(seconds)

    async def close(self) -> None:
        if self._pubsub is not None:
            await self._pubsub.aclose()
        await self._subscriber_client.aclose()
        self._publisher.close()


def create_bus(url: str) -> Bus:
    if url.startswith("memory://"):
        return MemoryBus()
    if url.startswith(("redis://", "rediss://")):
        return RedisBus(url)
    raise ValueError(f"events URL {url!r}: use memory:// or redis://")


@dataclass(frozen=True)
class Delivered:
    """An event as subscribers receive it."""

    job_id: uuid.UUID
    owner_id: uuid.UUID
    seq: int
    type: str
    at: str
    data: dict[str, Any]

    @classmethod
    def of(cls, row: JobEvent) -> Delivered:
        return cls(row.job_id, row.owner_id, row.seq, row.type, row.at.isoformat(), row.data)


@dataclass(frozen=True)
class PumpStats:
    watched_jobs: int
    job_readers: int
    owner_readers: int
    last_event_id: int


@dataclass(eq=False)
class Subscription:
    job_id: uuid.UUID | None
    owner_id: uuid.UUID | None
    queue: asyncio.Queue[Delivered | None] = field(default_factory=lambda: asyncio.Queue(0))
    overflowed: bool = False


class EventPump:
    def __init__(self, database: Database, bus: Bus, settings: EventsSettings) -> None:
        self.database = database
        self.bus = bus
        self.settings = settings
        # Readers of one job are found by its id: an event reaches its job's readers without a
        # look at every other connection (the many-watchers-of-one-job case).
        self._by_job: dict[uuid.UUID, set[Subscription]] = {}
        self._wide: set[Subscription] = set()
        self._last_id = 0
        self._delivered: OrderedDict[uuid.UUID, int] = OrderedDict()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    async def start(self) -> None:
        self._stopping = False
        self._last_id = await asyncio.to_thread(self._newest_id)
        self._delivered.clear()
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            # The flag ends the loop even if a cancellation is lost; never wait without end.
            await asyncio.wait({self._task}, timeout=STOP_SECONDS)
        await self.bus.close()

    def subscribe(
        self, *, job_id: uuid.UUID | None = None, owner_id: uuid.UUID | None = None
    ) -> Subscription:
        subscription = Subscription(
            job_id, owner_id, asyncio.Queue(self.settings.subscriber_queue_size)
        )
        if job_id is None:
            self._wide.add(subscription)
        else:
            self._by_job.setdefault(job_id, set()).add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        if subscription.job_id is None:
            self._wide.discard(subscription)
            return
        readers = self._by_job.get(subscription.job_id)
        if readers is not None:
            readers.discard(subscription)
            if not readers:
                del self._by_job[subscription.job_id]

    def stats(self) -> PumpStats:
        """What the pump serves now: jobs watched, readers of single jobs, owner-wide readers."""
        return PumpStats(
            watched_jobs=len(self._by_job),
            job_readers=sum(len(readers) for readers in self._by_job.values()),
            owner_readers=len(self._wide),
            last_event_id=self._last_id,
        )

    def _newest_id(self) -> int:
        with self.database.unit_of_work() as session:
            return int(session.scalar(select(func.max(JobEvent.id))) or 0)

    def _read_new(self) -> list[Delivered]:
        with self.database.unit_of_work() as session:
            rows = list(
                session.scalars(
                    select(JobEvent)
                    .where(JobEvent.id > self._last_id - LOOKBACK_IDS)
                    .order_by(JobEvent.id)
                    .limit(BATCH + LOOKBACK_IDS)
                )
            )
        fresh = []
        for row in rows:
            self._last_id = max(self._last_id, row.id)
            if row.seq <= self._delivered.get(row.job_id, 0):
                continue
            self._delivered[row.job_id] = row.seq
            self._delivered.move_to_end(row.job_id)
            fresh.append(Delivered.of(row))
        while len(self._delivered) > REMEMBERED_JOBS:
            self._delivered.popitem(last=False)
        return fresh

    async def _run(self) -> None:
        while not self._stopping:
            try:
                while events := await asyncio.to_thread(self._read_new):
                    self._dispatch(events)
                    if len(events) < BATCH:
                        break
            except RuntimeError as exc:
                if "shutdown" in str(exc):  # the event loop is closing: nothing left to serve
                    return
                logger.warning("reading job events failed; retrying", error=repr(exc))
            except Exception as exc:
                logger.warning("reading job events failed; retrying", error=repr(exc))
            await self.bus.wait(self.settings.poll_interval_seconds)

    def _dispatch(self, events: list[Delivered]) -> None:
        for event in events:
            readers = list(self._by_job.get(event.job_id, ()))
            readers += [wide for wide in self._wide if wide.owner_id in (None, event.owner_id)]
            for subscription in readers:
                if not subscription.overflowed:
                    self._offer(subscription, event)

    def _offer(self, subscription: Subscription, event: Delivered) -> None:
        try:
            subscription.queue.put_nowait(event)
        except asyncio.QueueFull:
            # A client that does not read is dropped rather than buffered without end.
            subscription.overflowed = True
            self.unsubscribe(subscription)
            with contextlib.suppress(asyncio.QueueFull):
                subscription.queue.get_nowait()
                subscription.queue.put_nowait(None)
