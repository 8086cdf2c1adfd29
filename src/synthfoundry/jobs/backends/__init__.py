"""Where jobs run: ``local`` (child processes of this server) or ``celery`` (worker machines)."""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod

from synthfoundry import runtime
from synthfoundry.config import Settings
from synthfoundry.db import Database
from synthfoundry.jobs.reaper import reap_expired
from synthfoundry.logging import get_logger
from synthfoundry.storage import BlobStore

logger = get_logger("synthfoundry.jobs.dispatcher")
POLL_SECONDS = 0.5


class Dispatcher(ABC):
    """A thread that hands queued jobs to workers and recovers jobs whose worker was lost."""

    def __init__(self, settings: Settings, database: Database, storage: BlobStore) -> None:
        self.settings = settings
        self.database = database
        self.storage = storage
        # Outcome hooks of the jobs it recovers run in this process, and may use services.
        runtime.configure(settings, storage)
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=type(self).__name__, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        self._stopping.set()
        self.wake()
        self._thread.join(timeout)

    @abstractmethod
    def dispatch(self) -> None:
        """Hand out what can be handed out now."""

    def idle(self, seconds: float) -> None:
        """Wait until woken or ``seconds`` have passed."""
        self._wake.wait(seconds)
        self._wake.clear()

    def _loop(self) -> None:
        last_reap = 0.0
        while not self._stopping.is_set():
            try:
                if time.monotonic() - last_reap >= self.settings.jobs.reaper_interval_seconds:
                    last_reap = time.monotonic()
                    reap_expired(self.database, self.storage)
                self.dispatch()
            except Exception as exc:
                logger.warning("dispatching failed; retrying", error=repr(exc))
            self.idle(POLL_SECONDS)


def create_dispatcher(settings: Settings, database: Database, storage: BlobStore) -> Dispatcher:
    if settings.jobs.backend == "celery":
        from synthfoundry.jobs.backends.celery import CeleryDispatcher

        return CeleryDispatcher(settings, database, storage)
    from synthfoundry.jobs.backends.local import LocalDispatcher

    return LocalDispatcher(settings, database, storage)
