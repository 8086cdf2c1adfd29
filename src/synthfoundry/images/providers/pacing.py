"""Pacing of a provider's API calls: a minimum interval between requests, and backoff."""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


class RateLimiter:
    """At most ``per_second`` calls a second, evenly spaced, across all threads sharing it.

    Each caller reserves the next free slot under a lock and sleeps outside it, so waiting
    threads neither busy-loop nor block one another's reservations.
    """

    def __init__(
        self,
        per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_second <= 0:
            raise ValueError("per_second must be positive")
        self.interval = 1.0 / per_second
        self._clock = clock
        self._sleep = sleep
        self._next = -math.inf
        self._lock = threading.Lock()

    def wait(self) -> float:
        """Block until this caller's slot; returns the seconds waited."""
        with self._lock:
            now = self._clock()
            start = max(now, self._next)
            self._next = start + self.interval
        delay = start - now
        if delay > 0:
            self._sleep(delay)
        return delay

    def hold_off(self, seconds: float) -> None:
        """Let no call start for ``seconds`` from now (a server asked us to back off)."""
        with self._lock:
            self._next = max(self._next, self._clock() + seconds)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter for throttling, server errors and timeouts."""

    attempts: int = 4
    base_delay: float = 1.0
    max_delay: float = 15.0
    """The longest single wait; a server asking for longer is given up on at once."""
    jitter: float = 0.25
    """Up to this fraction of the delay is added at random, so clients spread out."""

    def delay(self, retry: int, retry_after: float | None) -> float | None:
        """Seconds before retry number ``retry`` (from 1); None when the wait is too long."""
        if retry_after is not None:
            return retry_after if retry_after <= self.max_delay else None
        backoff = min(self.max_delay, self.base_delay * 2.0 ** (retry - 1))
        return backoff * (1 + self.jitter * random.random())  # noqa: S311 (not for security)
