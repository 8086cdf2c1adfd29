"""Rate limits per principal (or client address) and route class, with the ``limits`` library
(moving windows; in memory, or in Redis so that every API process shares the budget)."""

from __future__ import annotations

import math
import time
from typing import Literal

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from synthfoundry.config import RateLimitSettings
from synthfoundry.errors import RateLimited

RouteClass = Literal["general", "jobs", "login"]


class RateLimiter:
    def __init__(self, settings: RateLimitSettings) -> None:
        self.enabled = settings.enabled
        self._limiter = MovingWindowRateLimiter(storage_from_string(settings.storage_url))
        self._items: dict[RouteClass, RateLimitItem] = {
            "general": parse(settings.general),
            "jobs": parse(settings.jobs),
            "login": parse(settings.login),
        }

    def hit(self, route_class: RouteClass, key: str) -> None:
        """Spend one unit of ``key``'s budget for ``route_class``, or raise ``RateLimited``."""
        if not self.enabled:
            return
        item = self._items[route_class]
        if self._limiter.hit(item, route_class, key):
            return
        reset_at = self._limiter.get_window_stats(item, route_class, key).reset_time
        retry_after = max(1, math.ceil(reset_at - time.time()))
        raise RateLimited(
            f"too many {route_class} requests; limit is {item}; retry in {retry_after} s",
            retry_after_seconds=retry_after,
        )
