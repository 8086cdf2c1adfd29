"""Where jobs run: ``local`` (child processes of this server) or ``celery`` (worker machines)."""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod

from synthfoundry import runtime
from synthfoundry.config import Settings
from synthfoundry.db import Database
from synthfoundry.jobs import workers
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

    def worker(self) -> workers.WorkerInfo | None:
        """This dispatcher in the worker registry, or ``None`` if it runs no jobs itself (the
        Celery outbox: Celery workers register themselves)."""
        return None

    def idle(self, seconds: float) -> None:
        """Wait until woken or ``seconds`` have passed."""
        self._wake.wait(seconds)
        self._wake.clear()

    def _loop(self) -> None:
        last_reap = 0.0
        last_beat: float | None = None
        worker = self.worker()
        while not self._stopping.is_set():
            if worker is not None and (
                last_beat is None
                or time.monotonic() - last_beat >= self.settings.jobs.heartbeat_seconds
            ):
                last_beat = time.monotonic()
                self._beat(worker)
            try:
                if time.monotonic() - last_reap >= self.settings.jobs.reaper_interval_seconds:
                    last_reap = time.monotonic()
                    reap_expired(self.database, self.storage)
                self.dispatch()
            except Exception as exc:
                logger.warning("dispatching failed; retrying", error=repr(exc))
            self.idle(POLL_SECONDS)
        if worker is not None:
            self._forget(worker)

    def _beat(self, worker: workers.WorkerInfo) -> None:
        try:
            workers.beat(self.database, worker)
        except Exception as exc:  # the registry is for monitoring: never stop dispatching
            logger.warning("worker heartbeat failed; retrying", worker=worker.id, error=repr(exc))

    def _forget(self, worker: workers.WorkerInfo) -> None:
        try:
            workers.forget(self.database, worker.id)
        except Exception as exc:  # its row goes stale, then away, on its own
            logger.warning("could not remove the worker", worker=worker.id, error=repr(exc))


def create_dispatcher(settings: Settings, database: Database, storage: BlobStore) -> Dispatcher:
    if settings.jobs.backend == "celery":
        from synthfoundry.jobs.backends.celery import CeleryDispatcher

        return CeleryDispatcher(settings, database, storage)
    from synthfoundry.jobs.backends.local import LocalDispatcher

    return LocalDispatcher(settings, database, storage)
