"""A job's checkpoint in storage: committed whole, changed files only, never half-replaced."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import IO

import pytest

from synthfoundry import layout
from synthfoundry.jobs import checkpoints
from synthfoundry.storage import BlobStore


@pytest.fixture
def storage(tmp_path: Path) -> BlobStore:
    return BlobStore(f"file://{tmp_path / 'store'}")


def folder_with(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


def restored(storage: BlobStore, job_id: uuid.UUID, into: Path) -> dict[str, bytes] | None:
    into.mkdir()
    if checkpoints.restore(storage, job_id, into) is None:
        assert list(into.iterdir()) == []
        return None
    return {name: path.read_bytes() for name, path in checkpoints.folder_files(into).items()}


def commit(storage: BlobStore, job_id: uuid.UUID, folder: Path, note: str | None) -> None:
    files = checkpoints.folder_files(folder)
    checkpoints.commit(storage, job_id, files, note=note, before_publish=lambda: None)


def blob_count(storage: BlobStore, job_id: uuid.UUID) -> int:
    return len(storage.list(layout.job_checkpoint_blobs(job_id)))


def test_a_committed_folder_is_restored_whole(storage: BlobStore, tmp_path: Path) -> None:
    job_id = uuid.uuid4()
    files = {"checkpoint/synthesizer.json": b"{}", "checkpoint/arrays.npz": b"\x00\x01"}
    folder = folder_with(tmp_path / "work", files)

    commit(storage, job_id, folder, "3 epochs")

    assert restored(storage, job_id, tmp_path / "next") == files
    manifest = checkpoints.read_manifest(storage, job_id)
    assert manifest is not None and manifest.note == "3 epochs"
    assert checkpoints.read_file(storage, job_id, "checkpoint/synthesizer.json") == b"{}"
    assert checkpoints.read_file(storage, job_id, "missing") is None
    assert restored(storage, uuid.uuid4(), tmp_path / "none") is None


def test_only_changed_files_are_uploaded_and_stale_ones_deleted(
    storage: BlobStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id = uuid.uuid4()
    folder = folder_with(tmp_path / "work", {"same": b"kept", "changing": b"one"})
    commit(storage, job_id, folder, None)
    written: list[str] = []
    put = storage.put

    def counted_put(key: str, data: bytes | IO[bytes]) -> int:
        written.append(key)
        return put(key, data)

    monkeypatch.setattr(storage, "put", counted_put)

    (folder / "changing").write_bytes(b"two")
    commit(storage, job_id, folder, None)

    assert len(written) == 2  # the changed file, then the manifest
    assert written[-1] == layout.job_checkpoint_manifest(job_id)
    assert blob_count(storage, job_id) == 2  # the old "one" is gone
    assert restored(storage, job_id, tmp_path / "next") == {"same": b"kept", "changing": b"two"}


def test_a_commit_cut_short_leaves_the_previous_checkpoint(
    storage: BlobStore, tmp_path: Path
) -> None:
    job_id = uuid.uuid4()
    folder = folder_with(tmp_path / "work", {"arrays": b"epoch 1"})
    commit(storage, job_id, folder, "1 epochs")

    def killed() -> None:
        raise KeyboardInterrupt  # the runner dies once the new files are stored

    folder_with(folder, {"arrays": b"epoch 2", "extra": b"new"})
    with pytest.raises(KeyboardInterrupt):
        checkpoints.commit(
            storage,
            job_id,
            checkpoints.folder_files(folder),
            note="2 epochs",
            before_publish=killed,
        )

    assert restored(storage, job_id, tmp_path / "after-kill") == {"arrays": b"epoch 1"}
    assert blob_count(storage, job_id) == 3
    folder_with(folder, {"arrays": b"epoch 3"})
    commit(storage, job_id, folder, "3 epochs")
    assert blob_count(storage, job_id) == 2  # what the cut-short commit left is gone too


def test_a_damaged_checkpoint_is_not_used(storage: BlobStore, tmp_path: Path) -> None:
    job_id = uuid.uuid4()
    folder = folder_with(tmp_path / "work", {"a": b"first", "b": b"second"})
    commit(storage, job_id, folder, None)
    blob = storage.list(layout.job_checkpoint_blobs(job_id))[1].key
    storage.put(blob, b"changed")

    assert restored(storage, job_id, tmp_path / "next") is None
