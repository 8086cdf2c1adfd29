"""Live job events over WebSocket.

Protocol: the client's first message is ``{"type": "auth", "token": "...", "after_seq": N?}``
(credentials never go in the URL). For one job the server answers with a snapshot of the job
(or, given ``after_seq``, replays the events after it), then sends each event as
``{"type": "event", "job_id", "seq", "event", "at", "data"}`` in ``seq`` order. Either side may
send ``{"type": "ping"}``; the other answers ``{"type": "pong"}``. Bad credentials, an unknown
job, a foreign Origin, floods and oversized messages close the socket with 1008 (1009).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from synthfoundry.accounts import auth
from synthfoundry.accounts.principal import Principal
from synthfoundry.api.state import AppState
from synthfoundry.errors import SynthfoundryError
from synthfoundry.jobs import service
from synthfoundry.jobs.events import Delivered, Subscription
from synthfoundry.jobs.schemas import JobRead

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])

POLICY_VIOLATION = 1008
MESSAGE_TOO_BIG = 1009
AUTH_TIMEOUT_SECONDS = 5.0
PING_INTERVAL_SECONDS = 20.0
MAX_CLIENT_MESSAGE_BYTES = 4096
MAX_CLIENT_MESSAGES_PER_SECOND = 20


class _Closed(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


def _origin_allowed(websocket: WebSocket, state: AppState) -> bool:
    origin = websocket.headers.get("origin")
    if origin is None:  # not a browser
        return True
    if origin in state.settings.server.cors_origins:
        return True
    return urlsplit(origin).netloc == websocket.headers.get("host")


async def _receive_json(websocket: WebSocket, seconds: float | None = None) -> dict[str, Any]:
    async with asyncio.timeout(seconds):  # not wait_for: it can lose a cancel on Python 3.11
        text = await websocket.receive_text()
    if len(text) > MAX_CLIENT_MESSAGE_BYTES:
        raise _Closed(MESSAGE_TOO_BIG, "message too big")
    try:
        message = json.loads(text)
    except ValueError:
        raise _Closed(POLICY_VIOLATION, "messages must be JSON objects") from None
    if not isinstance(message, dict):
        raise _Closed(POLICY_VIOLATION, "messages must be JSON objects")
    return message


async def _authenticate(websocket: WebSocket, state: AppState) -> tuple[Principal, int | None]:
    try:
        message = await _receive_json(websocket, AUTH_TIMEOUT_SECONDS)
    except TimeoutError:
        raise _Closed(POLICY_VIOLATION, "send an auth message first") from None
    token, after_seq = message.get("token"), message.get("after_seq")
    if message.get("type") != "auth" or not isinstance(token, str) or not token:
        raise _Closed(POLICY_VIOLATION, "the first message must be {type: auth, token}")
    if after_seq is not None and (not isinstance(after_seq, int) or after_seq < 0):
        raise _Closed(POLICY_VIOLATION, "after_seq must be a non-negative integer")

    def resolve() -> Principal:
        with state.database.unit_of_work() as session:
            return auth.resolve_bearer(session, token, state.auth_config)

    try:
        principal = await run_in_threadpool(resolve)
    except SynthfoundryError:
        raise _Closed(POLICY_VIOLATION, "authentication failed") from None
    if not principal.allows("jobs:read"):
        raise _Closed(POLICY_VIOLATION, "the credential lacks the scope jobs:read")
    return principal, after_seq


def _event_message(event: Delivered) -> dict[str, Any]:
    return {
        "type": "event",
        "job_id": str(event.job_id),
        "seq": event.seq,
        "event": event.type,
        "at": event.at,
        "data": event.data,
    }


async def _read_client(websocket: WebSocket) -> None:
    window_start, count = time.monotonic(), 0
    while True:
        message = await _receive_json(websocket)
        now = time.monotonic()
        if now - window_start >= 1:
            window_start, count = now, 0
        count += 1
        if count > MAX_CLIENT_MESSAGES_PER_SECOND:
            raise _Closed(POLICY_VIOLATION, "too many messages")
        if message.get("type") == "ping":
            await websocket.send_json({"type": "pong"})


async def _stream(
    websocket: WebSocket,
    state: AppState,
    subscription: Subscription,
    last_seq: dict[uuid.UUID, int],
) -> None:
    while True:
        try:
            async with asyncio.timeout(PING_INTERVAL_SECONDS):
                event = await subscription.queue.get()
        except TimeoutError:
            await websocket.send_json({"type": "ping"})
            continue
        if event is None:
            raise _Closed(POLICY_VIOLATION, "client too slow; events dropped")
        seen = last_seq.get(event.job_id, 0)
        if event.seq <= seen:
            continue
        if seen and event.seq > seen + 1:  # committed out of id order: fill in from the table
            for missing in await run_in_threadpool(
                _events_between, state, event.job_id, seen, event.seq
            ):
                await websocket.send_json(_event_message(missing))
        await websocket.send_json(_event_message(event))
        last_seq[event.job_id] = event.seq


def _events_between(state: AppState, job_id: uuid.UUID, after: int, before: int) -> list[Delivered]:
    with state.database.unit_of_work() as session:
        rows = service.events_after(session, job_id, after, limit=before - after - 1)
        return [
            Delivered(row.job_id, row.owner_id, row.seq, row.type, row.at.isoformat(), row.data)
            for row in rows
            if row.seq < before
        ]


async def _serve(websocket: WebSocket, subscribe_and_start: Any) -> None:
    state: AppState = websocket.app.state.synthfoundry
    if not _origin_allowed(websocket, state):
        await websocket.close(POLICY_VIOLATION, "origin not allowed")
        return
    await websocket.accept()
    subscription: Subscription | None = None
    reader: asyncio.Task[None] | None = None
    try:
        principal, after_seq = await _authenticate(websocket, state)
        subscription, last_seq = await subscribe_and_start(websocket, state, principal, after_seq)
        reader = asyncio.create_task(_read_client(websocket))
        writer = asyncio.create_task(_stream(websocket, state, subscription, last_seq))
        done, _pending = await asyncio.wait({reader, writer}, return_when=asyncio.FIRST_COMPLETED)
        writer.cancel()
        for task in done:
            task.result()
    except _Closed as closed:
        with contextlib.suppress(Exception):
            await websocket.close(closed.code, closed.reason)
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        if reader is not None:
            reader.cancel()
        if subscription is not None:
            state.events.unsubscribe(subscription)


@router.websocket("/{job_id}/events")
async def job_events_socket(websocket: WebSocket, job_id: uuid.UUID) -> None:
    """Events of one job: a snapshot (or a replay after `after_seq`), then every change."""

    async def start(
        websocket: WebSocket, state: AppState, principal: Principal, after_seq: int | None
    ) -> tuple[Subscription, dict[uuid.UUID, int]]:
        subscription = state.events.subscribe(job_id=job_id)  # before the snapshot: no gap

        def load() -> tuple[dict[str, Any], list[Delivered]]:
            with state.database.unit_of_work() as session:
                job = service.get_owned(session, principal, job_id)
                snapshot = JobRead.of(job).model_dump(mode="json")
                replay = (
                    [] if after_seq is None else service.events_after(session, job_id, after_seq)
                )
                return snapshot, [
                    Delivered(r.job_id, r.owner_id, r.seq, r.type, r.at.isoformat(), r.data)
                    for r in replay
                ]

        try:
            snapshot, replay = await run_in_threadpool(load)
        except SynthfoundryError:
            state.events.unsubscribe(subscription)
            raise _Closed(POLICY_VIOLATION, "unknown job") from None
        if after_seq is None:
            await websocket.send_json(
                {"type": "snapshot", "seq": snapshot["last_event_seq"], "job": snapshot}
            )
            return subscription, {job_id: snapshot["last_event_seq"]}
        last = after_seq
        for event in replay:
            await websocket.send_json(_event_message(event))
            last = event.seq
        return subscription, {job_id: last}

    await _serve(websocket, start)


@router.websocket("/events")
async def all_job_events_socket(websocket: WebSocket) -> None:
    """Events of all the caller's jobs, from now on."""

    async def start(
        websocket: WebSocket, state: AppState, principal: Principal, _after_seq: int | None
    ) -> tuple[Subscription, dict[uuid.UUID, int]]:
        subscription = state.events.subscribe(owner_id=principal.user_id)
        await websocket.send_json({"type": "subscribed"})
        return subscription, {}

    await _serve(websocket, start)
