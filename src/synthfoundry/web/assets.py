"""The UI's files, read once from the package and kept compressed in memory: a handful of small
files, so every response is a dictionary lookup with an ETag, and nothing needs Node.js."""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from importlib import resources
from pathlib import PurePosixPath

STATIC_PACKAGE = "synthfoundry.web"
STATIC_FOLDER = "static"
_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".svg": "image/svg+xml",
    ".json": "application/json",
}
_COMPRESSIBLE = frozenset({".js", ".css", ".html", ".svg", ".json"})


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes | None
    media_type: str
    etag: str


def _load(name: str, data: bytes) -> Asset:
    suffix = PurePosixPath(name).suffix
    media_type = _TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
    gzipped = gzip.compress(data, compresslevel=9, mtime=0) if suffix in _COMPRESSIBLE else None
    return Asset(data, gzipped, media_type, f'"{hashlib.sha256(data).hexdigest()[:20]}"')


def load_assets() -> dict[str, Asset]:
    """Every file under ``static/`` by its relative path (``pages/datasets.js``)."""
    root = resources.files(STATIC_PACKAGE).joinpath(STATIC_FOLDER)
    found: dict[str, Asset] = {}
    pending = [(root, "")]
    while pending:
        folder, prefix = pending.pop()
        for entry in folder.iterdir():
            name = f"{prefix}{entry.name}"
            if entry.is_dir():
                pending.append((entry, f"{name}/"))
            elif not entry.name.startswith("."):
                found[name] = _load(name, entry.read_bytes())
    return found


def shipped_bytes(assets: dict[str, Asset]) -> tuple[int, int]:
    """The UI's total size as stored and as sent compressed (the budget in the README)."""
    raw = sum(len(asset.body) for asset in assets.values())
    sent = sum(len(asset.gzipped or asset.body) for asset in assets.values())
    return raw, sent
