"""Local folders of job attempts: gone at the end, and gone after a kill -9 once anyone sweeps."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest

from synthfoundry.jobs import workdirs

HOLD = """
import sys, time, uuid
from synthfoundry.jobs import workdirs
with workdirs.attempt_folder(uuid.UUID(sys.argv[1]), 1) as folder:
    (folder / "partial.bin").write_bytes(b"x")
    print(folder, flush=True)
    time.sleep(60)
"""


@pytest.fixture(autouse=True)
def _own_temporary_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))


def holding(job_id: uuid.UUID) -> tuple[subprocess.Popen[str], Path]:
    """A process that runs attempt 1 of ``job_id`` until it is killed."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(job_id)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    return process, Path(process.stdout.readline().strip())


def test_an_attempt_folder_is_removed_when_it_ends() -> None:
    job_id = uuid.uuid4()
    with workdirs.attempt_folder(job_id, 1) as folder:
        (folder / "model").mkdir()
        assert folder == workdirs.job_root(job_id) / "attempt-1"

    assert not workdirs.job_root(job_id).exists()


def test_a_killed_attempt_is_swept_and_a_live_one_kept() -> None:
    killed_job, live_job = uuid.uuid4(), uuid.uuid4()
    killed, killed_folder = holding(killed_job)
    live, live_folder = holding(live_job)
    try:
        os.kill(killed.pid, signal.SIGKILL)
        killed.wait(10)
        assert killed_folder.is_dir()  # a kill runs no cleanup

        with workdirs.attempt_folder(killed_job, 2) as folder:
            assert sorted(path.name for path in workdirs.job_root(killed_job).iterdir()) == [
                "attempt-2",
                "attempt-2.lock",
            ]
            assert folder.is_dir() and live_folder.is_dir()
        assert workdirs.sweep(live_job) == 0
    finally:
        live.kill()
        live.wait(10)

    assert not workdirs.job_root(killed_job).exists()
    assert workdirs.sweep(live_job) == 1
    assert list(workdirs.root().iterdir()) == []
