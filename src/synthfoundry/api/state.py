from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

from synthfoundry.accounts.auth import AuthConfig, touch_api_key
from synthfoundry.api.metrics import HttpMetrics
from synthfoundry.api.ratelimit import RateLimiter
from synthfoundry.config import Settings
from synthfoundry.db import Database
from synthfoundry.jobs.backends import Dispatcher
from synthfoundry.jobs.events import EventPump
from synthfoundry.logging import get_logger
from synthfoundry.storage import BlobStore

logger = get_logger("synthfoundry.api")


class ApiKeyUsage:
    """Writes an API key's ``last_used_at`` at most once a minute per process, best effort."""

    INTERVAL_SECONDS = 60.0

    def __init__(self, database: Database) -> None:
        self.database = database
        self._touched: dict[uuid.UUID, float] = {}

    def touch(self, api_key_id: uuid.UUID) -> None:
        now = time.monotonic()
        if now - self._touched.get(api_key_id, -self.INTERVAL_SECONDS) < self.INTERVAL_SECONDS:
            return
        self._touched[api_key_id] = now
        try:
            touch_api_key(self.database, api_key_id)
        except Exception as exc:  # usage bookkeeping never fails a request
            logger.warning("could not record API key use", error=repr(exc))


@dataclass
class LiveConnections:
    """Open WebSockets and event streams of this process (the monitoring view)."""

    websockets: int = 0
    event_streams: int = 0


@dataclass
class AppState:
    """What the running API holds for its lifetime; reached through ``deps``."""

    settings: Settings
    database: Database
    storage: BlobStore
    metrics: HttpMetrics
    rate_limiter: RateLimiter
    auth_config: AuthConfig
    events: EventPump
    dispatcher: Dispatcher | None
    api_key_usage: ApiKeyUsage = field(init=False)
    live: LiveConnections = field(default_factory=LiveConnections)

    def __post_init__(self) -> None:
        self.api_key_usage = ApiKeyUsage(self.database)
