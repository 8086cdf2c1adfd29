"""``Idempotency-Key`` on every POST: a retried request answers as the first one did, once.

A POST with the header from an authenticated caller is fingerprinted (SHA-256 of its query
string and body; a multipart body with its boundary masked, as clients draw a new one for each
attempt), and its key is reserved for (user, method, path, key) in a short transaction of its
own before the route runs. The user is the one behind the bearer credential (one extra read; a
login and an API key of one user share their keys); without a valid credential the request
passes through untouched, and the route answers 401.

The first 2xx answer (status, ``Content-Type``, ``Location``, body) is stored and sent again,
with ``Idempotent-Replayed: true``, to every request with that key and fingerprint for
``KEY_TTL`` (24 hours); another fingerprint answers 422 ``idempotency_key_reused``. Other
answers are not stored: the reservation is dropped, and the client may retry with the same key.

Two concurrent requests with one key never both run: the second waits up to
``IN_PROGRESS_WAIT_SECONDS`` for the first to finish and replays its answer, or answers 409
``idempotency_in_progress`` if the first is still running by then. The auth routes (token,
refresh, logout) are left out: they create no object, and their answers are fresh secrets.
"""

from __future__ import annotations

import re
import tempfile
import time
from typing import Any

import anyio
from fastapi.security.utils import get_authorization_scheme_param
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from synthfoundry.accounts import auth
from synthfoundry.accounts.principal import Principal
from synthfoundry.api.problems import problem, status_for
from synthfoundry.api.state import AppState
from synthfoundry.db import Database
from synthfoundry.errors import (
    IdempotencyInProgress,
    InvalidInput,
    NotAuthenticated,
    RateLimited,
    SynthfoundryError,
)
from synthfoundry.idempotency import service
from synthfoundry.idempotency.fingerprint import RequestFingerprint
from synthfoundry.idempotency.service import IdempotentRequest, Reservation, StoredResponse
from synthfoundry.logging import get_logger

HEADER = b"idempotency-key"
REPLAYED_HEADER = b"idempotent-replayed"
EXEMPT_PATH_PREFIXES = ("/v1/auth/",)
IN_PROGRESS_WAIT_SECONDS = 5.0
PURGE_INTERVAL_SECONDS = 600.0
STORED_HEADERS = frozenset({"content-type", "location"})
SPOOL_MEMORY_BYTES = 1024 * 1024
CHUNK_BYTES = 64 * 1024
_VALID_KEY = re.compile(r"[\x20-\x7e]{1,255}")

logger = get_logger("synthfoundry.api")


def _header_values(scope: Scope, name: bytes) -> list[str]:
    return [bytes(value).decode("latin-1") for key, value in scope["headers"] if key == name]


def _route_path(scope: Scope) -> str:
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    if root_path and path.startswith(root_path + "/"):
        return path[len(root_path) :]
    return path


def _valid_key(values: list[str]) -> str:
    key = values[0].strip() if len(values) == 1 else ""
    if not _VALID_KEY.fullmatch(key):
        raise InvalidInput(
            "the Idempotency-Key header must appear once, with 1 to 255 printable ASCII chars",
            field="header.Idempotency-Key",
        )
    return key


def _multipart_boundary(scope: Scope) -> bytes | None:
    media_type, *parameters = (_header_values(scope, b"content-type") or [""])[0].split(";")
    if not media_type.strip().lower().startswith("multipart/"):
        return None
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "boundary" and value.strip().strip('"'):
            return value.strip().strip('"').encode("latin-1")
    return None


def _caller(state: AppState, scope: Scope) -> Principal | None:
    """The principal of the request's bearer credential; None if there is no valid one."""
    authorization = (_header_values(scope, b"authorization") or [""])[0]
    scheme, token = get_authorization_scheme_param(authorization)
    if scheme.lower() != "bearer" or not token:
        return None
    try:
        with state.database.unit_of_work() as session:
            return auth.resolve_bearer(session, token, state.auth_config)
    except NotAuthenticated:
        return None


class _SpooledBody:
    """The request body, read in full (in memory, or in a temporary file when large) and
    fingerprinted, then handed to the app again."""

    def __init__(self, scope: Scope) -> None:
        self._file = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES)  # noqa: SIM115
        self._size = 0
        self._handed_over = False
        self._fingerprint = RequestFingerprint(
            scope.get("query_string", b""), _multipart_boundary(scope)
        )
        self.fingerprint = ""

    async def read_all(self, receive: Receive) -> bool:
        """Read the body; False if the client went away first."""
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return False
            chunk: bytes = message.get("body", b"")
            self._fingerprint.update(chunk)
            self._size += len(chunk)
            if self._size > SPOOL_MEMORY_BYTES:
                await run_in_threadpool(self._file.write, chunk)
            else:
                self._file.write(chunk)
            if not message.get("more_body", False):
                self.fingerprint = self._fingerprint.hexdigest()
                self._file.seek(0)
                return True

    def receiver(self, receive: Receive) -> Receive:
        """A ``receive`` that gives the spooled body, then whatever the client sends next."""

        async def receive_spooled() -> Message:
            if self._handed_over:
                return await receive()
            if self._size > SPOOL_MEMORY_BYTES:
                chunk = await run_in_threadpool(self._file.read, CHUNK_BYTES)
            else:
                chunk = self._file.read(CHUNK_BYTES)
            self._handed_over = self._file.tell() >= self._size
            return {"type": "http.request", "body": chunk, "more_body": not self._handed_over}

        return receive_spooled

    def close(self) -> None:
        self._file.close()


async def _answer_error(
    error: SynthfoundryError, scope: Scope, receive: Receive, send: Send
) -> None:
    extensions: dict[str, Any] = {}
    headers: dict[str, str] = {}
    if isinstance(error, InvalidInput) and error.field is not None:
        extensions["errors"] = [{"field": error.field, "message": error.detail}]
    if isinstance(error, RateLimited):
        headers["Retry-After"] = str(error.retry_after_seconds)
    if isinstance(error, IdempotencyInProgress):
        headers["Retry-After"] = "1"
    response = problem(
        status_for(error),
        detail=error.detail,
        code=error.code,
        title=error.title,
        request_id=scope.get("state", {}).get("request_id"),
        instance=scope["path"],
        headers=headers or None,
        **extensions,
    )
    await response(scope, receive, send)


async def _replay(stored: StoredResponse, send: Send) -> None:
    headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in stored.headers]
    headers.append((b"content-length", str(len(stored.body)).encode()))
    headers.append((REPLAYED_HEADER, b"true"))
    await send({"type": "http.response.start", "status": stored.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": stored.body})


def _release_quietly(database: Database, reservation: Reservation) -> None:
    try:
        service.release(database, reservation)
    except Exception as exc:  # the reservation lapses after service.IN_PROGRESS_LEASE
        logger.warning("could not release an idempotency key", error=repr(exc))


class IdempotencyMiddleware:
    """Honours ``Idempotency-Key`` on every POST outside ``/v1/auth/``; see the module text."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._next_purge = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        keys = _header_values(scope, HEADER) if scope["type"] == "http" else []
        path = _route_path(scope) if keys else ""
        state = getattr(getattr(scope.get("app"), "state", None), "synthfoundry", None)
        if (
            not keys
            or scope["method"] != "POST"
            or path.startswith(EXEMPT_PATH_PREFIXES)
            or not isinstance(state, AppState)
        ):
            await self.app(scope, receive, send)
            return
        try:
            key = _valid_key(keys)
            principal = await run_in_threadpool(_caller, state, scope)
        except SynthfoundryError as error:
            await _answer_error(error, scope, receive, send)
            return
        if principal is None:  # the route answers 401 (or serves an anonymous caller)
            await self.app(scope, receive, send)
            return
        body = _SpooledBody(scope)
        try:
            if not await body.read_all(receive):
                return
            request = IdempotentRequest(principal.user_id, "POST", path, key, body.fingerprint)
            try:
                outcome = await self._reserve(state.database, request)
                if isinstance(outcome, StoredResponse):
                    rate_key = str(principal.api_key_id or principal.user_id)
                    await run_in_threadpool(state.rate_limiter.hit, "general", rate_key)
            except SynthfoundryError as error:
                await _answer_error(error, scope, receive, send)
                return
            if isinstance(outcome, StoredResponse):
                await _replay(outcome, send)
            else:
                await self._run_once(scope, body.receiver(receive), send, state.database, outcome)
        finally:
            body.close()
        await self._purge_now_and_then(state.database)

    async def _reserve(
        self, database: Database, request: IdempotentRequest
    ) -> Reservation | StoredResponse:
        deadline = time.monotonic() + IN_PROGRESS_WAIT_SECONDS
        pause = 0.05
        while True:
            try:
                stored = await run_in_threadpool(service.find, database, request)
                if stored is not None:
                    return stored
                return await run_in_threadpool(service.reserve, database, request)
            except IdempotencyInProgress:
                if time.monotonic() + pause > deadline:
                    raise
            await anyio.sleep(pause)
            pause = min(pause * 2, 0.5)

    async def _run_once(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        database: Database,
        reservation: Reservation,
    ) -> None:
        status = 0
        headers: list[tuple[str, str]] = []
        parts: list[bytes] = []
        settled = False

        async def send_capturing(message: Message) -> None:
            nonlocal status, headers, settled
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [
                    (name.decode("latin-1"), value.decode("latin-1"))
                    for name, value in message.get("headers", [])
                    if name.decode("latin-1").lower() in STORED_HEADERS
                ]
            elif message["type"] == "http.response.body" and 200 <= status < 300 and not settled:
                parts.append(message.get("body", b""))
                if not message.get("more_body", False):
                    # Stored before the last byte goes out: a client that has the whole answer
                    # and retries gets it replayed, never "in progress".
                    stored = StoredResponse(status, headers, b"".join(parts))
                    try:
                        await run_in_threadpool(service.complete, database, reservation, stored)
                    except Exception as exc:  # the answer still goes out; the key lapses
                        logger.warning("could not store an idempotent answer", error=repr(exc))
                    settled = True
            await send(message)

        try:
            await self.app(scope, receive, send_capturing)
        finally:
            if not settled:
                with anyio.CancelScope(shield=True):
                    await run_in_threadpool(_release_quietly, database, reservation)

    async def _purge_now_and_then(self, database: Database) -> None:
        now = time.monotonic()
        if now < self._next_purge:
            return
        self._next_purge = now + PURGE_INTERVAL_SECONDS
        try:
            removed = await run_in_threadpool(service.purge_expired, database)
        except Exception as exc:  # a later request tries again
            logger.warning("could not purge expired idempotency keys", error=repr(exc))
            return
        if removed:
            logger.info("purged expired idempotency keys", removed=removed)
