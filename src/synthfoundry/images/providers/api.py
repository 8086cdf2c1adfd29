"""The shared machinery of providers behind a JSON web API: pacing, retries, parsing."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from synthfoundry.images.fetch import FetchRefused, SafeFetcher
from synthfoundry.images.providers.base import Provider, ProviderError
from synthfoundry.images.providers.pacing import RateLimiter, RetryPolicy

API_MAX_BYTES = 8 * 1024 * 1024  # a page of search results; far more is not a search answer
RETRIED_STATUSES = frozenset({408, 425, 429})


class ApiProvider(Provider):
    """A provider whose every request goes through the fetcher, paced and retried."""

    def __init__(
        self,
        *,
        requests_per_second: float,
        retry: RetryPolicy | None = None,
        rate_limiter: RateLimiter | None = None,
    ) -> None:
        self.rate_limiter = rate_limiter or RateLimiter(requests_per_second)
        self.retry = retry or RetryPolicy()

    def _get_json(
        self,
        fetcher: SafeFetcher,
        url: str,
        params: Mapping[str, str],
        headers: Mapping[str, str] | None = None,
    ) -> Mapping[str, Any]:
        """The JSON object at ``url``, after up to ``retry.attempts`` paced attempts."""
        attempts = max(self.retry.attempts, 1)
        for attempt in range(1, attempts + 1):
            self.rate_limiter.wait()
            try:
                fetched = fetcher.get(url, params=dict(params), headers=dict(headers or {}))
            except FetchRefused as refused:
                retryable, problem = _describe(refused)
                if not retryable:
                    raise ProviderError(self.name, problem) from refused
                if attempt == attempts:
                    raise ProviderError(
                        self.name, f"{problem} after {attempts - 1} retries"
                    ) from refused
                delay = self.retry.delay(attempt, refused.retry_after)
                if delay is None:
                    raise ProviderError(
                        self.name, f"{problem}; asked to wait {refused.retry_after:.0f} s"
                    ) from refused
                self.rate_limiter.hold_off(delay)
                continue
            return self._parse(fetched.data)
        raise AssertionError("unreachable: the loop returns or raises")

    def _parse(self, data: bytes) -> Mapping[str, Any]:
        try:
            body = json.loads(data)
        except ValueError as error:
            raise ProviderError(self.name, "answered with something other than JSON") from error
        if not isinstance(body, dict):
            raise ProviderError(self.name, "answered with JSON that is not an object")
        return body


def _describe(refused: FetchRefused) -> tuple[bool, str]:
    """Whether a refusal is worth retrying, and how to say what happened."""
    status = refused.status
    if refused.reason == "http_status" and status is not None:
        if status == 429:
            return True, "throttled (429)"
        if status >= 500 or status in RETRIED_STATUSES:
            return True, f"server error ({status})"
        if status in (401, 403):
            return False, f"refused the credentials or the quota is spent ({status})"
        return False, f"answered HTTP {status}"
    if refused.reason == "timeout":
        return True, "timed out"
    if refused.reason == "connection":
        return True, "unreachable"
    return False, f"request refused ({refused.reason})"


def text(record: Mapping[str, Any], key: str) -> str | None:
    """``record[key]`` when it is a non-empty string: API fields are often null or missing."""
    value = record.get(key)
    if not isinstance(value, str):
        return None
    return value.strip() or None


def records(value: object) -> list[Mapping[str, Any]]:
    """The JSON objects in ``value`` when it is a list; anything else in it is skipped."""
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]
