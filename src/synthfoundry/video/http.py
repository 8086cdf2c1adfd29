"""A small retrying HTTP client for the video providers: JSON in, JSON or bytes out, and streamed
downloads. Every failure becomes a ``ProviderError`` whose reason is safe to show: it names the
status, the timeout or the parse problem, never the key, the headers or a payload."""

from __future__ import annotations

import functools
import json
import random
import re
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

import httpx

from synthfoundry.video.spec import ProviderError, Reporter

T = TypeVar("T")
SLEEP_SLICE = 0.1  # seconds between stop checks while waiting
RETRIED_STATUSES = frozenset({408, 425, 429})
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
CHUNK_BYTES = 64 * 1024
# Things in an API's own error text that look like credentials: OpenAI-style keys, bearer
# tokens, key=... pairs and long opaque tokens.
_SECRET_PATTERNS = (
    re.compile(r"\b(?:sk|pk|rk)[-_][A-Za-z0-9_\-]{6,}"),
    re.compile(r"\bBearer\s+\S+", re.IGNORECASE),
    re.compile(
        r"\b((?:api[_-]?)?key|token|secret|password|authorization)(\s*[=:]\s*)\S+", re.IGNORECASE
    ),
    re.compile(r"\b[A-Za-z0-9+/_\-]{32,}={0,2}"),
)


def safe_text(text: str, secrets: tuple[str, ...] = (), limit: int = 200) -> str:
    """``text`` on one line, without ``secrets`` or anything that looks like a key, at most
    ``limit`` characters."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(_redaction, text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _redaction(match: re.Match[str]) -> str:
    if match.re.groups >= 2:  # keep the "key=" part of a pair so the message still reads
        return f"{match.group(1)}{match.group(2)}[redacted]"
    return "[redacted]"


def sleep_checked(seconds: float, reporter: Reporter) -> None:
    """Sleep ``seconds`` in short slices, asking the reporter between them whether to stop."""
    deadline = time.monotonic() + seconds
    while True:
        reporter.check()
        left = deadline - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(SLEEP_SLICE, left))


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter for connect errors, timeouts, 429 and 5xx."""

    retries: int = 3
    backoff_seconds: float = 0.5
    max_backoff_seconds: float = 8.0
    max_retry_after_seconds: float = 30.0
    """A server's Retry-After is honoured up to this many seconds."""
    jitter: float = 0.25
    """Up to this fraction of each backoff is added at random, so clients spread out."""

    def delay(self, retry: int, retry_after: float | None) -> float:
        """Seconds before retry number ``retry`` (from 1)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_retry_after_seconds)
        backoff = min(self.max_backoff_seconds, self.backoff_seconds * 2.0 ** (retry - 1))
        return backoff * (1 + self.jitter * random.random())  # noqa: S311 (not for security)


class _Retry(Exception):
    """One attempt failed in a way worth another try."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class HttpClient:
    """Requests to one API, with bearer auth, timeouts and retries. Use as a context manager
    (or call ``close``)."""

    def __init__(
        self,
        provider: str,
        base_url: str,
        api_key: str = "",
        *,
        timeout_seconds: float = 60.0,
        connect_timeout_seconds: float = 10.0,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.provider = provider
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.retry = retry or RetryPolicy()
        self.timeout_seconds = timeout_seconds
        self.connect_timeout_seconds = connect_timeout_seconds
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout_seconds, connect=connect_timeout_seconds),
            transport=transport,
            verify=_ssl_context(),
            # httpx drops Authorization on a redirect to another origin.
            follow_redirects=True,
        )

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    # Requests

    def url(self, path_or_url: str) -> str:
        """An absolute URL: ``path_or_url`` itself, or joined to the base URL."""
        if urlsplit(path_or_url).scheme:
            return path_or_url
        if path_or_url.startswith("/"):
            return self.base_url + path_or_url
        return urljoin(self.base_url + "/", path_or_url)

    def post_json(
        self, path: str, body: Mapping[str, Any], reporter: Reporter, *, what: str = "request"
    ) -> dict[str, Any]:
        """POST a JSON body; the JSON object answered."""
        response = self._request("POST", path, reporter, what=what, json_body=body)
        return self._json(response, what)

    def get_json(self, path: str, reporter: Reporter, *, what: str = "request") -> dict[str, Any]:
        response = self._request("GET", path, reporter, what=what)
        return self._json(response, what)

    def post_bytes(
        self,
        path: str,
        body: Mapping[str, Any],
        reporter: Reporter,
        *,
        what: str = "request",
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> bytes:
        """POST a JSON body; the raw bytes answered (at most ``max_bytes``)."""
        chunks: list[bytes] = []

        def keep(chunk: bytes) -> None:
            chunks.append(chunk)

        def restart() -> None:
            chunks.clear()

        self._stream("POST", path, reporter, what, max_bytes, keep, restart, json_body=body)
        return b"".join(chunks)

    def download(
        self,
        url: str,
        target: Path,
        reporter: Reporter,
        *,
        what: str = "download",
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> int:
        """Stream ``url`` into ``target``; the bytes written. The bearer key goes only to the
        API's own origin, never to a storage host the API points at."""
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as file:

            def keep(chunk: bytes) -> None:
                file.write(chunk)

            def restart() -> None:
                file.seek(0)
                file.truncate()

            return self._stream("GET", url, reporter, what, max_bytes, keep, restart)

    # Machinery

    def _headers(self, url: str) -> dict[str, str]:
        headers = {"Accept": "*/*"}
        if self.api_key and _origin(url) == _origin(self.base_url):
            headers["Authorization"] = f"Bearer {self.api_key}"
        return headers

    def _request(
        self,
        method: str,
        path: str,
        reporter: Reporter,
        *,
        what: str,
        json_body: Mapping[str, Any] | None = None,
    ) -> httpx.Response:
        def attempt() -> httpx.Response:
            url = self.url(path)
            response = self._client.request(method, url, json=json_body, headers=self._headers(url))
            self._raise_for_status(response, what)
            return response

        return self._retrying(attempt, reporter, what)

    def _stream(
        self,
        method: str,
        path: str,
        reporter: Reporter,
        what: str,
        max_bytes: int,
        keep: Callable[[bytes], None],
        restart: Callable[[], None],
        *,
        json_body: Mapping[str, Any] | None = None,
    ) -> int:
        def attempt() -> int:
            restart()
            url = self.url(path)
            request = self._client.build_request(
                method, url, json=json_body, headers=self._headers(url)
            )
            response = self._client.send(request, stream=True)
            try:
                self._raise_for_status(response, what)
                declared = response.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    raise self._error(f"the {what} is larger than the {_mb(max_bytes)} cap")
                total = 0
                for chunk in response.iter_bytes(CHUNK_BYTES):
                    total += len(chunk)
                    if total > max_bytes:
                        raise self._error(f"the {what} is larger than the {_mb(max_bytes)} cap")
                    keep(chunk)
                    reporter.check()
                return total
            finally:
                response.close()

        return self._retrying(attempt, reporter, what)

    def _retrying(self, attempt: Callable[[], T], reporter: Reporter, what: str) -> T:
        retries = max(self.retry.retries, 0)
        for number in range(retries + 1):
            reporter.check()
            try:
                try:
                    return attempt()
                except httpx.TimeoutException as error:
                    raise _Retry(self._timeout_reason(error)) from error
                except (httpx.NetworkError, httpx.RemoteProtocolError) as error:
                    raise _Retry(_network_reason(error)) from error
                except httpx.HTTPError as error:
                    raise self._error(f"the {what} failed ({type(error).__name__})") from error
                except httpx.InvalidURL:
                    raise self._error(f"the {what} had an invalid URL") from None
            except _Retry as failure:
                if number == retries:
                    tries = "" if retries == 0 else f" after {retries + 1} attempts"
                    raise self._error(f"the {what} {failure.reason}{tries}") from None
                sleep_checked(self.retry.delay(number + 1, failure.retry_after), reporter)
        raise AssertionError("unreachable: the loop returns or raises")

    def _raise_for_status(self, response: httpx.Response, what: str) -> None:
        status = response.status_code
        if status < 400:
            return
        phrase = f"HTTP {status} {response.reason_phrase}".strip()
        if status >= 500 or status in RETRIED_STATUSES:
            raise _Retry(f"got {phrase}", _retry_after(response.headers.get("Retry-After")))
        if status in (401, 403):
            raise self._error(f"the {what} was refused ({phrase}): check the API key or quota")
        raise self._error(f"the {what} was rejected ({phrase})")

    def _json(self, response: httpx.Response, what: str) -> dict[str, Any]:
        try:
            body = json.loads(response.content)
        except ValueError:
            raise self._error(f"the {what} answered with invalid JSON") from None
        if not isinstance(body, dict):
            raise self._error(f"the {what} answered with JSON that is not an object")
        return body

    def _timeout_reason(self, error: httpx.TimeoutException) -> str:
        if isinstance(error, httpx.ConnectTimeout | httpx.PoolTimeout):
            return f"timed out connecting (after {self.connect_timeout_seconds:g} s)"
        return f"timed out (no answer within {self.timeout_seconds:g} s)"

    def _error(self, reason: str) -> ProviderError:
        return ProviderError(self.provider, safe_text(reason, (self.api_key,), limit=300))


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One verifying context for every client: loading the CA bundle costs ~0.1 s a time."""
    return httpx.create_ssl_context()


def _network_reason(error: httpx.HTTPError) -> str:
    if isinstance(error, httpx.ConnectError):
        return "could not connect"
    return "lost the connection"


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header: a number or an HTTP date; None when absent or odd."""
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"
