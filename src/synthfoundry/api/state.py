from __future__ import annotations

from dataclasses import dataclass

from synthfoundry.accounts.auth import AuthConfig
from synthfoundry.api.metrics import HttpMetrics
from synthfoundry.api.ratelimit import RateLimiter
from synthfoundry.config import Settings
from synthfoundry.db import Database
from synthfoundry.jobs.backends import Dispatcher
from synthfoundry.jobs.events import EventPump
from synthfoundry.storage import BlobStore


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
