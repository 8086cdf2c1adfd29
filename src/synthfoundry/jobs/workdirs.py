"""Local folders of job attempts: ``{tmp}/synthfoundry-jobs/{job_id}/attempt-{n}/``.

A running attempt holds an exclusive lock on ``attempt-{n}.lock`` beside its folder. The operating
system drops the lock when the process ends, however it ends, so a folder whose lock nobody holds
is a leftover (``kill -9`` runs no cleanup) and any sweep may remove it: the next attempt's start,
the dispatcher that saw the child die, the reaper.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from synthfoundry.logging import get_logger

ROOT_NAME = "synthfoundry-jobs"
LOCK_SUFFIX = ".lock"

logger = get_logger("synthfoundry.jobs.workdirs")


def root() -> Path:
    return Path(tempfile.gettempdir()) / ROOT_NAME


def job_root(job_id: uuid.UUID) -> Path:
    """Where every attempt of ``job_id`` on this machine keeps its local files."""
    return root() / str(job_id)


@contextmanager
def attempt_folder(job_id: uuid.UUID, attempt: int) -> Iterator[Path]:
    """An empty folder for this attempt, removed when the block ends; leftovers of attempts
    that died are removed first."""
    sweep()
    folder = job_root(job_id) / f"attempt-{attempt}"
    lock = _hold(_lock_path(folder))
    try:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        yield folder
    finally:
        _remove(folder, lock)


def sweep(job_id: uuid.UUID | None = None) -> int:
    """Remove the folders of attempts that no process runs any more (of one job, or of all);
    return how many were removed."""
    base = root() if job_id is None else job_root(job_id)
    pattern = f"attempt-*{LOCK_SUFFIX}" if job_id is not None else f"*/attempt-*{LOCK_SUFFIX}"
    removed = 0
    for lock_path in sorted(base.glob(pattern)):
        lock = _try_hold(lock_path)
        if lock is not None:
            _remove(lock_path.with_suffix(""), lock)
            removed += 1
    for folder in [base] if job_id is not None else sorted(base.glob("*")):
        with contextlib.suppress(OSError):  # not empty: an attempt is running there
            folder.rmdir()
    if removed:
        logger.info("removed the folders of ended attempts", count=removed)
    return removed


def _lock_path(folder: Path) -> Path:
    return folder.with_name(folder.name + LOCK_SUFFIX)


def _hold(lock_path: Path) -> int:
    """Create and lock ``lock_path``; wait while a sweep holds it."""
    while True:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(lock_path, os.O_CREAT | os.O_RDWR, 0o600)
        except FileNotFoundError:  # a sweep removed the job's folder in between
            continue
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        if _still_named(descriptor, lock_path):
            return descriptor
        os.close(descriptor)  # a sweep removed the file we opened: lock the new one


def _try_hold(lock_path: Path) -> int | None:
    """Lock ``lock_path`` if no process holds it (its attempt has ended), else ``None``."""
    try:
        descriptor = os.open(lock_path, os.O_RDWR)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        return None
    if not _still_named(descriptor, lock_path):
        os.close(descriptor)
        return None
    return descriptor


def _still_named(descriptor: int, lock_path: Path) -> bool:
    try:
        return os.stat(lock_path).st_ino == os.fstat(descriptor).st_ino
    except FileNotFoundError:
        return False


def _remove(folder: Path, lock: int) -> None:
    """Remove an attempt's folder, then its lock file, while holding the lock."""
    try:
        shutil.rmtree(folder, ignore_errors=True)
        with contextlib.suppress(FileNotFoundError):
            _lock_path(folder).unlink()
    finally:
        os.close(lock)
    with contextlib.suppress(OSError):  # other attempts of the job are still there
        folder.parent.rmdir()
