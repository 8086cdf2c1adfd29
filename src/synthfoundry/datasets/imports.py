"""Datasets from a file on the server's disk, read only inside the configured import directory
(``SYNTHFOUNDRY_DATASETS__IMPORT_DIR``): no ``..``, no absolute path elsewhere, no symbolic link
that leads out, nothing but regular files. The file then takes the way of an upload (parsed now
when small, by a ``datasets.ingest`` job when large)."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.orm import Session

from synthfoundry import audit, runtime
from synthfoundry.accounts.actor import Actor
from synthfoundry.datasets import service
from synthfoundry.datasets.models import Dataset
from synthfoundry.datasets.schemas import DatasetImport
from synthfoundry.errors import InvalidInput, NotFound, PermissionDenied, ServiceUnavailable

SETTING = "SYNTHFOUNDRY_DATASETS__IMPORT_DIR"
OUTSIDE = "path leads out of the import directory"


def create_from_import(session: Session, actor: Actor, request: DatasetImport) -> Dataset:
    """Create a dataset from a file in the import directory, as an upload of it would."""
    configured = runtime.settings().datasets.import_dir
    root = _import_root(configured)
    path = _contained(root, request.path, also_inside=configured)
    with _open_regular_file(path, request.path) as source:
        dataset = service.create(
            session, actor, source, path.name, name=request.name, description=request.description
        )
    audit.record(
        session,
        actor.audit,
        "dataset.import",
        target_type="dataset",
        target_id=dataset.id,
        details={"path": path.relative_to(root).as_posix()},
    )
    return dataset


def _import_root(import_dir: Path | None) -> Path:
    if import_dir is None:
        raise NotFound(f"imports from the server's disk are off here ({SETTING} is unset)")
    try:
        root = import_dir.resolve(strict=True)
    except OSError:
        raise ServiceUnavailable("the import directory of this server is missing") from None
    if not root.is_dir():
        raise ServiceUnavailable("the import directory of this server is not a folder")
    return root


def _contained(root: Path, requested: str, also_inside: Path | None = None) -> Path:
    """The real path of ``requested`` inside ``root``; refused, before any look at the disk
    outside, when it leaves ``root`` by ``..``, by an absolute path or through a link. An
    absolute path may name the root as configured (``also_inside``) before its links."""
    if "\x00" in requested:
        raise InvalidInput("path holds a NUL character", field="path")
    candidate = Path(requested)
    if ".." in candidate.parts:
        raise PermissionDenied(f"{OUTSIDE} ('..' is not allowed)")
    roots = [root] if also_inside is None else [root, also_inside.absolute()]
    if candidate.is_absolute() and not any(candidate.is_relative_to(base) for base in roots):
        raise PermissionDenied(OUTSIDE)
    # Links are followed as far as they exist; whatever they name must lie inside the root.
    resolved = (root / candidate).resolve(strict=False)
    if not resolved.is_relative_to(root):
        raise PermissionDenied(f"{OUTSIDE} (through a symbolic link)")
    if resolved == root:
        raise InvalidInput("path must name a file in the import directory", field="path")
    return resolved


def _open_regular_file(path: Path, requested: str) -> BinaryIO:
    # O_NOFOLLOW: a link put in place of the checked file after the check is not followed;
    # O_NONBLOCK: opening a FIFO must not hang the request (refused below as not a file).
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        descriptor = os.open(path, flags)
    except FileNotFoundError:
        raise NotFound(f"no file {requested!r} in the import directory") from None
    except OSError as exc:
        raise InvalidInput(
            f"{requested!r} cannot be read by the server ({exc.strerror})", field="path"
        ) from None
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise InvalidInput(f"{requested!r} is not a regular file", field="path")
        os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise
