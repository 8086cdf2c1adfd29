"""A job's checkpoint in storage: a folder of files kept whole under ``jobs/{id}/checkpoint/``.

Each file is stored by its content (``blobs/{sha256}``) and ``manifest.json`` names the files of
the current checkpoint. A commit uploads the files that changed, then replaces the manifest (one
write, all-or-nothing), then deletes the blobs it no longer names; a runner killed at any point
leaves the previous checkpoint, or the new one, complete.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from synthfoundry import layout
from synthfoundry.errors import NotFound
from synthfoundry.logging import get_logger
from synthfoundry.storage import BlobStore

CHUNK_BYTES = 1024 * 1024

logger = get_logger("synthfoundry.jobs.checkpoints")


@dataclass(frozen=True)
class Manifest:
    """The files of one checkpoint (relative path to SHA-256), and what the job said of it."""

    files: dict[str, str] = field(default_factory=dict)
    note: str | None = None


def read_manifest(storage: BlobStore, job_id: uuid.UUID) -> Manifest | None:
    try:
        raw = json.loads(storage.get(layout.job_checkpoint_manifest(job_id)))
    except NotFound:
        return None
    return Manifest(files=dict(raw["files"]), note=raw.get("note"))


def read_file(storage: BlobStore, job_id: uuid.UUID, name: str) -> bytes | None:
    """One file of the current checkpoint, or ``None`` if there is none or it lacks ``name``."""
    manifest = read_manifest(storage, job_id)
    if manifest is None or name not in manifest.files:
        return None
    digest = manifest.files[name]
    data = storage.get(layout.job_checkpoint_blob(job_id, digest))
    if hashlib.sha256(data).hexdigest() != digest:
        raise ValueError(f"checkpoint file {name} of job {job_id} does not match its digest")
    return data


def restore(storage: BlobStore, job_id: uuid.UUID, folder: Path) -> Manifest | None:
    """Fill the empty ``folder`` with the current checkpoint; ``None`` (and ``folder`` left
    empty) if there is none or it cannot be read whole."""
    manifest = read_manifest(storage, job_id)
    if manifest is None:
        return None
    try:
        for name, digest in manifest.files.items():
            target = folder.joinpath(*_parts(name))
            target.parent.mkdir(parents=True, exist_ok=True)
            _download(storage, layout.job_checkpoint_blob(job_id, digest), target, digest)
    except (NotFound, ValueError) as exc:
        logger.warning("checkpoint unusable; starting afresh", job_id=str(job_id), error=str(exc))
        shutil.rmtree(folder)
        folder.mkdir()
        return None
    return manifest


def commit(
    storage: BlobStore,
    job_id: uuid.UUID,
    files: Mapping[str, bytes | Path],
    *,
    note: str | None,
    before_publish: Callable[[], None],
) -> None:
    """Make ``files`` the job's checkpoint. ``before_publish`` runs once the files are stored,
    before the manifest names them (the runner checks there that it still owns the job)."""
    previous = read_manifest(storage, job_id)
    stored = set(previous.files.values()) if previous is not None else set()
    digests: dict[str, str] = {}
    for name, content in sorted(files.items()):
        _parts(name)
        digest = digests[name] = _digest(content)
        if digest not in stored:
            key = layout.job_checkpoint_blob(job_id, digest)
            if isinstance(content, bytes):
                storage.put(key, content)
            else:
                with open(content, "rb") as source:
                    storage.put(key, source)
            stored.add(digest)
    before_publish()
    manifest = {"files": digests, "note": note}
    storage.put(layout.job_checkpoint_manifest(job_id), json.dumps(manifest, indent=1).encode())
    named = {layout.job_checkpoint_blob(job_id, digest) for digest in digests.values()}
    for blob in storage.list(layout.job_checkpoint_blobs(job_id)):
        if blob.key not in named:
            storage.delete(blob.key)


def folder_files(folder: Path) -> dict[str, Path]:
    """Every file under ``folder``, by its relative ``/``-separated path."""
    return {
        path.relative_to(folder).as_posix(): path
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _parts(name: str) -> tuple[str, ...]:
    path = PurePosixPath(name)
    if path.is_absolute() or not path.parts or any(part in ("", ".", "..") for part in path.parts):
        raise ValueError(f"checkpoint file name {name!r} is not a plain relative path")
    return path.parts


def _digest(content: bytes | Path) -> str:
    if isinstance(content, bytes):
        return hashlib.sha256(content).hexdigest()
    digest = hashlib.sha256()
    with open(content, "rb") as source:
        while chunk := source.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def _download(storage: BlobStore, key: str, target: Path, digest: str) -> None:
    hasher = hashlib.sha256()
    with storage.open_read(key) as source, open(target, "wb") as sink:
        while chunk := source.read(CHUNK_BYTES):
            hasher.update(chunk)
            sink.write(chunk)
    if hasher.hexdigest() != digest:
        raise ValueError(f"{key} does not match its digest")
