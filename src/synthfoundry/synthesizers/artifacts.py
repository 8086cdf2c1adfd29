"""Model files: ``synthesizer.json`` (name, parameters, metadata, fitted state) and
``arrays.npz`` (numbers), with SHA-256 checksums and a format version. Nothing is ever
unpickled: arrays load with ``allow_pickle=False`` and everything else is JSON."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from synthfoundry import __version__
from synthfoundry.errors import InvalidInput

FORMAT_VERSION = 1
MANIFEST = "synthesizer.json"
ARRAYS = "arrays.npz"


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def write(
    directory: str | Path, name: str, content: dict[str, Any], arrays: dict[str, np.ndarray]
) -> None:
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    array_path = folder / ARRAYS
    np.savez(array_path, allow_pickle=False, **arrays)
    manifest = {
        "format_version": FORMAT_VERSION,
        "synthfoundry_version": __version__,
        "synthesizer": name,
        "content": content,
        "checksums": {
            "content": _digest(_canonical(content)),
            ARRAYS: _digest(array_path.read_bytes()),
        },
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1))


def read_manifest(directory: str | Path) -> dict[str, Any]:
    path = Path(directory) / MANIFEST
    if not path.exists():
        raise InvalidInput(
            f"{directory} holds no {MANIFEST}; is it a saved synthesizer?", field="path"
        )
    try:
        manifest: dict[str, Any] = json.loads(path.read_text())
    except ValueError:
        raise InvalidInput(f"{MANIFEST} is not valid JSON", field="path") from None
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise InvalidInput(
            f"the model file format is version {version}; this Synthfoundry reads version "
            f"{FORMAT_VERSION} (saved by Synthfoundry {manifest.get('synthfoundry_version')})",
            field="path",
        )
    return manifest


def read(directory: str | Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    manifest = read_manifest(directory)
    content, checksums = manifest.get("content"), manifest.get("checksums", {})
    if not isinstance(content, dict) or _digest(_canonical(content)) != checksums.get("content"):
        raise InvalidInput(
            "the model file was changed after it was saved (checksum mismatch)", field="path"
        )
    array_path = Path(directory) / ARRAYS
    if not array_path.exists() or _digest(array_path.read_bytes()) != checksums.get(ARRAYS):
        raise InvalidInput(f"{ARRAYS} is missing or was changed after it was saved", field="path")
    with np.load(array_path, allow_pickle=False) as loaded:
        arrays = {key: loaded[key] for key in loaded.files}
    return content, arrays
