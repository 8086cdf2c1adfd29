"""One pure-ASGI middleware for what every request needs: an id, a log line, metrics, a body
size limit, and a problem+json 500 for anything unhandled (without a stack trace)."""

from __future__ import annotations

import contextlib
import re
import time
import uuid
from collections.abc import Callable

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from synthfoundry.api.metrics import HttpMetrics
from synthfoundry.api.problems import problem
from synthfoundry.logging import get_logger

REQUEST_ID_HEADER = "x-request-id"
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
_UNMATCHED_ROUTE = "<unmatched>"

logger = get_logger("synthfoundry.api")

BodyLimit = Callable[[Scope], int]

_API_CSP = "default-src 'none'; frame-ancestors 'none'"
# Swagger UI's page runs one inline script and inline styles; it loads nothing from elsewhere.
_DOCS_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline'; frame-ancestors 'none'"
)


# The web UI runs only its own files: no inline script or style, no other origin.
_UI_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "media-src 'self' blob:; connect-src 'self'; font-src 'self'; manifest-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def _csp(path: str) -> str:
    if path == "/docs" or path.startswith("/docs-assets"):
        return _DOCS_CSP
    if path == "/" or path.startswith("/ui/"):
        return _UI_CSP
    return _API_CSP


def security_headers(path: str, hsts_seconds: int) -> list[tuple[bytes, bytes]]:
    csp = _csp(path)
    headers = [
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"no-referrer"),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"content-security-policy", csp.encode()),
    ]
    if hsts_seconds:
        headers.append((b"strict-transport-security", f"max-age={hsts_seconds}".encode()))
    return headers


class _BodyTooLarge(Exception):
    pass


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def _request_id(scope: Scope) -> str:
    supplied = _header(scope, REQUEST_ID_HEADER.encode())
    if supplied and _SAFE_REQUEST_ID.match(supplied):
        return supplied
    return uuid.uuid4().hex


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else _UNMATCHED_ROUTE


class RequestContextMiddleware:
    def __init__(
        self, app: ASGIApp, *, metrics: HttpMetrics, body_limit: BodyLimit, hsts_seconds: int = 0
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.body_limit = body_limit
        self.hsts_seconds = hsts_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500
        response_started = False
        body_too_large = False
        limit = self.body_limit(scope)

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if body_too_large:
                return  # the app's own answer to a body we cut off is replaced by a 413
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER.encode(), request_id.encode()))
                headers.extend(security_headers(scope.get("path", ""), self.hsts_seconds))
                message = {**message, "headers": headers}
            await send(message)

        received = 0

        async def receive_limited() -> Message:
            nonlocal received, body_too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    body_too_large = True
                    raise _BodyTooLarge
            return message

        async def answer(status_code: int, detail: str) -> None:
            nonlocal body_too_large
            body_too_large = False
            response = problem(
                status_code, detail=detail, request_id=request_id, instance=scope.get("path")
            )
            await response(scope, receive, send_with_id)

        try:
            declared = _header(scope, b"content-length")
            if declared is not None and declared.isdigit() and int(declared) > limit:
                await answer(413, f"The request body exceeds the limit of {limit} bytes")
            else:
                with contextlib.suppress(_BodyTooLarge):
                    await self.app(scope, receive_limited, send_with_id)
                if body_too_large:
                    await answer(413, f"The request body exceeds the limit of {limit} bytes")
        except Exception:
            logger.exception("unhandled error", path=scope.get("path"))
            if response_started:
                raise
            await answer(500, "Internal server error")
        finally:
            elapsed = time.perf_counter() - started
            route = _route_template(scope)
            self.metrics.observe(scope["method"], route, status, elapsed)
            logger.info(
                "request",
                method=scope["method"],
                route=route,
                path=scope.get("path"),
                status=status,
                duration_ms=round(elapsed * 1000, 2),
            )
            structlog.contextvars.unbind_contextvars("request_id", "user_id")
