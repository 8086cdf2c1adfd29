"""What a running job sees: its parameters, local folder, checkpoint, stages, progress, logs, and
stop checks."""

from __future__ import annotations

import json
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from synthfoundry import layout
from synthfoundry.config import JobsSettings, Settings
from synthfoundry.db import Database
from synthfoundry.jobs import checkpoints, records, workdirs
from synthfoundry.jobs.pace import StagePace
from synthfoundry.storage import BlobStore

CHECK_INTERVAL_SECONDS = 0.25
STATE_FILE = "state.json"


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
        clock: Callable[[], float] = time.monotonic,
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
        self._clock = clock
        self._pace = StagePace(clock)
        self._last_progress_at = 0.0
        self._last_check_at = 0.0
        self._fenced = threading.Event()
        self._work_dir: Path | None = None
        self._checkpoint_dir: Path | None = None
        # What the last checkpoint said of itself ("12 epochs"), restored or committed.
        self.checkpoint_note: str | None = None

    # -- local files and checkpoints ----------------------------------------------------------
    @contextmanager
    def work_dir(self) -> Iterator[Path]:
        """This attempt's own local folder, removed when the outermost block ends; a killed
        attempt's folder is removed by whoever runs next on this machine (``jobs.workdirs``)."""
        if self._work_dir is not None:
            yield self._work_dir
            return
        with workdirs.attempt_folder(self.job_id, self.attempt) as folder:
            self._work_dir = folder
            try:
                yield folder
            finally:
                self._work_dir = None

    @contextmanager
    def checkpoint_folder(self) -> Iterator[Path]:
        """A local folder holding the job's checkpoint, filled from storage if an earlier attempt
        committed one; ``commit_checkpoint`` writes it through to storage."""
        with self.work_dir() as work:
            folder = work / "checkpoint"
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            restored = checkpoints.restore(self.storage, self.job_id, folder)
            if restored is not None:
                self.checkpoint_note = restored.note
                self.log(f"resuming from the checkpoint after {restored.note or 'a stop'}")
            self._checkpoint_dir = folder
            try:
                yield folder
            finally:
                self._checkpoint_dir = None

    def commit_checkpoint(self, note: str | None = None) -> None:
        """Make what the checkpoint folder holds now the job's checkpoint: changed files are
        uploaded, the previous checkpoint stays whole until the new one is. ``note`` says where
        the work stands ("12 epochs"); without one the last note stays."""
        if self._checkpoint_dir is None:
            raise RuntimeError("commit_checkpoint needs an open checkpoint_folder()")
        self._commit(checkpoints.folder_files(self._checkpoint_dir), note)

    def discard_checkpoint(self) -> None:
        self.storage.delete_prefix(layout.job_checkpoint_folder(self.job_id))

    def load_checkpoint(self) -> dict[str, Any] | None:
        """The state a kind saved with ``save_checkpoint``: ``state.json`` in the checkpoint."""
        if self._checkpoint_dir is not None:
            path = self._checkpoint_dir / STATE_FILE
            data = path.read_bytes() if path.exists() else None
        else:
            data = checkpoints.read_file(self.storage, self.job_id, STATE_FILE)
        if data is None:
            return None
        loaded: dict[str, Any] = json.loads(data)
        return loaded

    def save_checkpoint(self, state: dict[str, Any]) -> None:
        """Commit ``state`` as the checkpoint's ``state.json`` (with the folder's other files
        when a checkpoint folder is open)."""
        data = json.dumps(state).encode()
        if self._checkpoint_dir is not None:
            (self._checkpoint_dir / STATE_FILE).write_bytes(data)
            self.commit_checkpoint()
        else:
            self._commit({STATE_FILE: data}, None)

    def _commit(self, files: Mapping[str, bytes | Path], note: str | None) -> None:
        key = layout.job_checkpoint_folder(self.job_id)
        if note is not None:
            self.checkpoint_note = note
        checkpoints.commit(
            self.storage,
            self.job_id,
            files,
            note=self.checkpoint_note,
            # A runner that lost the job must not replace the checkpoint of the one that has it.
            before_publish=lambda: self._write(
                lambda session, job: records.set_checkpoint(job, key)
            ),
        )

    # -- stages, progress, logs ---------------------------------------------------------------
    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        if name not in self._stage_names:
            raise ValueError(f"stage {name!r} is not one of {self._stage_names}")
        self._current_stage = name
        self._pace = StagePace(self._clock)
        self._write(lambda session, job: records.start_stage(session, job, name))
        yield
        self._write(lambda session, job: records.finish_stage(session, job, name))

    def progress(
        self,
        completed: float,
        total: float | None = None,
        unit: str = "steps",
        message: str = "",
        step: str | None = None,
    ) -> None:
        """Progress within the current stage; ``step`` keeps the name a model gave its own
        stage (``epochs``, ``trees``) on its way to the job's events. Every report times the
        stage's pace, even those not written (reports come faster than the write interval)."""
        reading = self._pace.observe(completed, total, step)
        now = self._clock()
        finished = total is not None and completed >= total
        if not finished and now - self._last_progress_at < self.settings.progress_interval_seconds:
            return
        self._last_progress_at = now
        stage = self._current_stage
        self._write(
            lambda session, job: records.set_progress(
                session, job, stage, completed, total, unit, message, step, reading
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

    @property
    def fenced(self) -> bool:
        """Another attempt has the job: this one must leave shared files and rows alone."""
        return self._fenced.is_set()

    def _write(self, change: records.JobChange) -> None:
        if not records.apply(self.database, self.job_id, self.attempt, change):
            self._fenced.set()
            raise StopRequested("fenced")
