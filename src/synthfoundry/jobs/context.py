"""What a running job sees: its parameters, checkpoints, stages, progress, logs, and stop checks."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pydantic import BaseModel

from synthfoundry.config import JobsSettings, Settings
from synthfoundry.db import Database
from synthfoundry.jobs import records
from synthfoundry.storage import BlobStore

CHECK_INTERVAL_SECONDS = 0.25


class StopRequested(Exception):
    """Raised by ``JobContext.check`` when the job must stop: ``reason`` is cancel, pause,
    shutdown (the worker is stopping) or fenced (another runner owns the job now)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class JobContext:
    def __init__(
        self,
        *,
        database: Database,
        storage: BlobStore,
        settings: JobsSettings,
        job_id: uuid.UUID,
        attempt: int,
        params: BaseModel,
        stage_names: tuple[str, ...],
        shutdown: threading.Event,
        app_settings: Settings | None = None,
    ) -> None:
        self.database = database
        self.storage = storage
        self.settings = settings
        self.job_id = job_id
        self.attempt = attempt
        self.params = params
        self.shutdown = shutdown
        # Every setting, for kinds that run other jobs themselves (batches).
        self.app_settings = app_settings
        self.files_prefix = f"jobs/{job_id}"
        self._stage_names = stage_names
        self._current_stage: str | None = None
        self._last_progress_at = 0.0
        self._last_check_at = 0.0
        self._fenced = threading.Event()

    # -- checkpoints --------------------------------------------------------------------------
    @property
    def _checkpoint_key(self) -> str:
        return f"{self.files_prefix}/checkpoint.json"

    def load_checkpoint(self) -> dict[str, Any] | None:
        if not self.storage.exists(self._checkpoint_key):
            return None
        loaded: dict[str, Any] = json.loads(self.storage.get(self._checkpoint_key))
        return loaded

    def save_checkpoint(self, state: dict[str, Any]) -> None:
        self.storage.put(self._checkpoint_key, json.dumps(state).encode())
        self._write(lambda session, job: records.set_checkpoint(job, self._checkpoint_key))

    # -- stages, progress, logs ---------------------------------------------------------------
    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        if name not in self._stage_names:
            raise ValueError(f"stage {name!r} is not one of {self._stage_names}")
        self._current_stage = name
        self._write(lambda session, job: records.start_stage(session, job, name))
        yield
        self._write(lambda session, job: records.finish_stage(session, job, name))

    def progress(
        self, completed: float, total: float | None = None, unit: str = "steps", message: str = ""
    ) -> None:
        now = time.monotonic()
        finished = total is not None and completed >= total
        if not finished and now - self._last_progress_at < self.settings.progress_interval_seconds:
            return
        self._last_progress_at = now
        stage = self._current_stage
        self._write(
            lambda session, job: records.set_progress(
                session, job, stage, completed, total, unit, message
            )
        )

    def log(self, message: str, level: str = "info") -> None:
        limit = self.settings.max_log_lines
        self._write(lambda session, job: records.add_log(session, job, message, level, limit))

    # -- stopping -----------------------------------------------------------------------------
    def check(self) -> None:
        """Raise ``StopRequested`` if the job must stop; cheap enough to call every step."""
        if self._fenced.is_set():
            raise StopRequested("fenced")
        if self.shutdown.is_set():
            raise StopRequested("shutdown")
        now = time.monotonic()
        if now - self._last_check_at < CHECK_INTERVAL_SECONDS:
            return
        self._last_check_at = now
        with self.database.unit_of_work() as session:
            request = records.stop_request(session, self.job_id, self.attempt)
        if request is not None:
            if request == "fenced":
                self._fenced.set()
            raise StopRequested(request)

    def mark_fenced(self) -> None:
        self._fenced.set()

    def _write(self, change: records.JobChange) -> None:
        if not records.apply(self.database, self.job_id, self.attempt, change):
            self._fenced.set()
            raise StopRequested("fenced")
