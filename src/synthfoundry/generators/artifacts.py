"""Fitted models in storage: the files a synthesizer's ``save`` writes, under one prefix."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from synthfoundry.storage import BlobStore
from synthfoundry.synthesizers import Synthesizer, load_synthesizer
from synthfoundry.synthesizers.artifacts import MANIFEST


def upload_folder(storage: BlobStore, folder: Path, prefix: str) -> None:
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            with open(path, "rb") as source:
                storage.put(f"{prefix}{path.relative_to(folder).as_posix()}", source)


def download_folder(storage: BlobStore, prefix: str, folder: Path) -> bool:
    found = storage.list(prefix)
    for blob in found:
        target = folder / blob.key.removeprefix(prefix)
        target.parent.mkdir(parents=True, exist_ok=True)
        with storage.open_read(blob.key) as source, open(target, "wb") as sink:
            while chunk := source.read(1024 * 1024):
                sink.write(chunk)
    return bool(found)


@contextmanager
def loaded(storage: BlobStore, prefix: str) -> Iterator[Synthesizer]:
    with tempfile.TemporaryDirectory(prefix="synthfoundry-model-") as directory:
        download_folder(storage, prefix, Path(directory))
        yield load_synthesizer(directory)


def trained_columns(storage: BlobStore, prefix: str) -> list[str] | None:
    """The column names a stored table model makes, read from its manifest alone; ``None`` for
    a model without them (not a table model, or no manifest)."""
    key = prefix + MANIFEST
    if not storage.exists(key):
        return None
    try:
        metadata = json.loads(storage.get(key))["content"]["metadata"]
        return [str(column["name"]) for column in metadata["columns"]]
    except (ValueError, KeyError, TypeError):
        return None
