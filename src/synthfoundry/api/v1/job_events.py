"""Live job events over WebSocket and over an HTTP event stream; ``jobs.stream`` orders them.

A workflow run's job also sends ``{"type": "workflow_update", "workflow_id", "status",
"progress", "current_stage", "message"}`` messages.

WebSocket protocol: the client's first message is ``{"type": "auth", "token": "...",
"after_seq": N?}`` (credentials never go in the URL). For one job the server answers with a
snapshot of the job (or, given ``after_seq``, replays the events after it), then sends each event
as ``{"type": "event", "job_id", "seq", "event", "at", "data"}`` in ``seq`` order. Either side may
send ``{"type": "ping"}``; the other answers ``{"type": "pong"}``. Bad credentials, an unknown
job, a foreign Origin, floods and oversized messages close the socket with 1008 (1009).

``GET /v1/jobs/{id}/events/stream`` sends the same messages as Server-Sent Events to a client
with the usual ``Authorization`` header (the Python client's ``wait()``), and ends when the job
is over, or after ``STREAM_SECONDS``: the client then resumes with ``after_seq``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Header, Query, WebSocket, WebSocketDisconnect
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from synthfoundry.accounts import auth
from synthfoundry.accounts.actor import Actor
from synthfoundry.accounts.principal import Principal
from synthfoundry.api.deps import AppStateDep, SessionDep
from synthfoundry.api.problems import AUTH_PROBLEMS, problem_response
from synthfoundry.api.security import require_scope
from synthfoundry.api.state import AppState, LiveConnections
from synthfoundry.errors import SynthfoundryError
from synthfoundry.jobs import service
from synthfoundry.jobs.events import Delivered
from synthfoundry.jobs.stream import (
    Feed,
    Idle,
    JobEventStream,
    Snapshot,
    StreamItem,
    SubscriberTooSlow,
)

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])

JobsRead = Annotated[Actor, require_scope("jobs:read")]
POLICY_VIOLATION = 1008
MESSAGE_TOO_BIG = 1009
AUTH_TIMEOUT_SECONDS = 5.0
PING_INTERVAL_SECONDS = 20.0
MAX_CLIENT_MESSAGE_BYTES = 4096
MAX_CLIENT_MESSAGES_PER_SECOND = 20
# A server that stops waits for open responses; a stream that ends now and then never holds it
# up for long (and a proxy's idle timeout never cuts it), and the client resumes where it was.
STREAM_SECONDS = 30.0
STREAM_KEEPALIVE_SECONDS = 10.0
SERVER_SENT_EVENTS = "text/event-stream"

OpenFeed = Callable[[JobEventStream, Actor, int | None], AbstractAsyncContextManager[Feed]]


class _Closed(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


def _message(item: Snapshot | Delivered) -> dict[str, Any]:
    if isinstance(item, Snapshot):
        return {"type": "snapshot", "seq": item.seq, "job": item.job}
    if item.type == "workflow_update":  # a workflow run's own view of its progress
        return {
            "type": "workflow_update",
            "job_id": str(item.job_id),
            "seq": item.seq,
            "event": item.type,
            "at": item.at,
            "data": item.data,
            **item.data,
        }
    return {
        "type": "event",
        "job_id": str(item.job_id),
        "seq": item.seq,
        "event": item.type,
        "at": item.at,
        "data": item.data,
        **_update(item),
    }


def _update(event: Delivered) -> dict[str, Any]:
    """The same event flattened for dashboards: stage, overall progress (0-1 on progress
    events), status (the job's, or the stage's on stage events), message and timestamp."""
    data = event.data
    return {
        "stage": data.get("stage"),
        "progress": data.get("fraction") if event.type == "progress" else None,
        "status": data.get("status", "running" if event.type == "progress" else None),
        "message": data.get("message") or (data.get("error") or {}).get("message", ""),
        "timestamp": event.at,
    }


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


async def _authenticate(websocket: WebSocket, state: AppState) -> tuple[Actor, int | None]:
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
    client_ip = websocket.client.host if websocket.client else None
    return Actor.for_request(principal, client_ip, None), after_seq


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


async def _forward(websocket: WebSocket, feed: Feed) -> None:
    try:
        async with contextlib.aclosing(feed.items()) as items:
            async for item in items:
                await websocket.send_json(
                    {"type": "ping"} if isinstance(item, Idle) else _message(item)
                )
    except SubscriberTooSlow:
        raise _Closed(POLICY_VIOLATION, "client too slow; events dropped") from None


async def _serve(
    websocket: WebSocket, open_feed: OpenFeed, greeting: dict[str, Any] | None
) -> None:
    state: AppState = websocket.app.state.synthfoundry
    if not _origin_allowed(websocket, state):
        await websocket.close(POLICY_VIOLATION, "origin not allowed")
        return
    await websocket.accept()
    stream = JobEventStream(state.database, state.events, idle_seconds=PING_INTERVAL_SECONDS)
    state.live.websockets += 1
    try:
        actor, after_seq = await _authenticate(websocket, state)
        async with contextlib.AsyncExitStack() as stack:
            try:
                feed = await stack.enter_async_context(open_feed(stream, actor, after_seq))
            except SynthfoundryError:
                raise _Closed(POLICY_VIOLATION, "unknown job") from None
            if greeting is not None:
                await websocket.send_json(greeting)
            reader = asyncio.create_task(_read_client(websocket))
            writer = asyncio.create_task(_forward(websocket, feed))
            try:
                done, _pending = await asyncio.wait(
                    {reader, writer}, return_when=asyncio.FIRST_COMPLETED
                )
                for task in done:
                    task.result()
            finally:
                # Cancelled, not awaited: each ends at its next await. Awaiting them here while
                # the session itself is being torn down ended it with a stray CancelledError.
                for task in (reader, writer):
                    task.cancel()
    except _Closed as closed:
        with contextlib.suppress(Exception):
            await websocket.close(closed.code, closed.reason)
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        state.live.websockets -= 1


@router.websocket("/{job_id}/events")
async def job_events_socket(websocket: WebSocket, job_id: uuid.UUID) -> None:
    """Events of one job: a snapshot (or a replay after `after_seq`), then every change."""
    await _serve(
        websocket,
        lambda stream, actor, after_seq: stream.follow_job(actor, job_id, after_seq),
        greeting=None,
    )


@router.websocket("/events")
async def all_job_events_socket(websocket: WebSocket) -> None:
    """Events of all the caller's jobs, from now on."""
    await _serve(
        websocket,
        lambda stream, actor, _after_seq: stream.follow_owner(actor),
        greeting={"type": "subscribed"},
    )


def _server_sent(item: StreamItem) -> bytes:
    if isinstance(item, Idle):
        return b": keep-alive\n\n"
    message = _message(item)
    data = json.dumps(message, separators=(",", ":"))  # one line: JSON escapes newlines
    return f"event: {message['type']}\nid: {item.seq}\ndata: {data}\n\n".encode()


async def _event_stream(
    stream: JobEventStream,
    live: LiveConnections,
    actor: Actor,
    job_id: uuid.UUID,
    after_seq: int | None,
) -> AsyncIterator[bytes]:
    deadline = time.monotonic() + STREAM_SECONDS
    live.event_streams += 1
    try:
        async with (
            stream.follow_job(actor, job_id, after_seq, until_finished=True) as feed,
            contextlib.aclosing(feed.items()) as items,
        ):
            async for item in items:
                yield _server_sent(item)
                if time.monotonic() > deadline:
                    return
    except (SynthfoundryError, SubscriberTooSlow):
        return  # the job went away, or the reader fell behind: it resumes from its last seq
    finally:
        live.event_streams -= 1


@router.get(
    "/{job_id}/events/stream",
    response_class=StreamingResponse,
    responses={
        **AUTH_PROBLEMS,
        200: {
            "description": "Server-Sent Events: `snapshot` and `event` messages; `id` is the seq",
            "content": {SERVER_SENT_EVENTS: {"schema": {"type": "string"}}},
        },
        404: problem_response("No such job of yours"),
    },
)
def stream_job_events(
    job_id: uuid.UUID,
    actor: JobsRead,
    session: SessionDep,
    state: AppStateDep,
    after_seq: Annotated[
        int | None,
        Query(ge=0, le=2**62, description="replay the events after this seq, not a snapshot"),
    ] = None,
    last_event_id: Annotated[
        str | None,
        Header(pattern=r"^\d{1,18}$", description="as `after_seq` (how SSE clients resume)"),
    ] = None,
) -> StreamingResponse:
    """Follow one job as Server-Sent Events: its snapshot (or the events after `after_seq`),
    then each event in `seq` order, with the messages of `WS /v1/jobs/{job_id}/events`. The
    stream ends when the job is over, or after a while: resume with `after_seq`."""
    service.get_owned(session, actor, job_id)  # a 404 now, before the stream starts
    if after_seq is None and last_event_id is not None:
        after_seq = int(last_event_id)
    stream = JobEventStream(state.database, state.events, idle_seconds=STREAM_KEEPALIVE_SECONDS)
    return StreamingResponse(
        _event_stream(stream, state.live, actor, job_id, after_seq),
        media_type=SERVER_SENT_EVENTS,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
