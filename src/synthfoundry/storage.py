"""Blob storage over fsspec: ``file://`` by default, ``s3://`` (s3fs) when configured.

Keys are relative, ``/``-separated names chosen by the server (``datasets/<id>/data.parquet``);
they are checked so that nothing can escape the store's root. Writes are all-or-nothing: a
failed or interrupted write leaves no object behind.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any, cast
from urllib.parse import urlsplit

import fsspec

from synthfoundry.config import StorageSettings
from synthfoundry.errors import ConfigurationError, InvalidInput, NotFound

CHUNK_BYTES = 1024 * 1024
_FORBIDDEN_KEY_CHARS = re.compile(r"[\x00-\x1f\x7f\\]")
_MAX_KEY_LENGTH = 1024


def validate_key(key: str) -> str:
    """Return ``key`` if it is a safe relative key, else raise ``InvalidInput``."""
    if not key or len(key) > _MAX_KEY_LENGTH:
        raise InvalidInput("storage key must be 1 to 1024 characters", field="key")
    if _FORBIDDEN_KEY_CHARS.search(key):
        raise InvalidInput("storage key contains control characters or a backslash", field="key")
    if key.startswith("/") or ":" in key.split("/", 1)[0]:
        raise InvalidInput("storage key must be relative", field="key")
    if any(part in ("", ".", "..") for part in key.split("/")):
        raise InvalidInput("storage key has an empty, '.' or '..' segment", field="key")
    return key


@dataclass(frozen=True)
class BlobInfo:
    key: str
    size: int


class BlobStore:
    """A flat namespace of byte blobs under one root URL."""

    def __init__(self, url: str, storage_options: dict[str, Any] | None = None) -> None:
        parts = urlsplit(url)
        protocol = parts.scheme or "file"
        if protocol not in ("file", "s3", "memory"):
            raise ConfigurationError(f"storage URL scheme {protocol!r} is not supported")
        self.url = url
        self.protocol = protocol
        self._fs: Any = fsspec.filesystem(
            protocol, skip_instance_cache=True, **(storage_options or {})
        )
        if protocol == "file":
            root = parts.path
            self._fs.makedirs(root, exist_ok=True)
        else:
            root = f"{parts.netloc}{parts.path}"
        self._root = root.rstrip("/")

    @classmethod
    def from_settings(cls, url: str, settings: StorageSettings) -> BlobStore:
        options: dict[str, Any] = {}
        if url.startswith("s3://"):
            # Several processes write the same bucket; a cached listing would hide their objects.
            options["use_listings_cache"] = False
            client_kwargs: dict[str, Any] = {}
            if settings.s3_endpoint_url:
                client_kwargs["endpoint_url"] = settings.s3_endpoint_url
            if settings.s3_region:
                client_kwargs["region_name"] = settings.s3_region
            options["client_kwargs"] = client_kwargs
            if settings.s3_access_key_id:
                options["key"] = settings.s3_access_key_id
            if settings.s3_secret_access_key:
                options["secret"] = settings.s3_secret_access_key.get_secret_value()
        return cls(url, options)

    def _path(self, key: str) -> str:
        return f"{self._root}/{validate_key(key)}"

    @contextmanager
    def open_write(self, key: str) -> Iterator[IO[bytes]]:
        """A binary file to stream into; the object appears only if the block succeeds."""
        path = self._path(key)
        if self.protocol == "file":
            self._fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
            temporary = f"{path}.partial-{uuid.uuid4().hex}"
            try:
                with self._fs.open(temporary, "wb") as handle:
                    yield cast(IO[bytes], handle)
                self._fs.mv(temporary, path)
            finally:
                if self._fs.exists(temporary):
                    self._fs.rm_file(temporary)
            return
        handle = self._fs.open(path, "wb")
        try:
            yield cast(IO[bytes], handle)
        except BaseException:
            # Abort the upload (an S3 multipart upload is never completed) instead of closing,
            # which would publish the bytes written so far.
            handle.discard()
            handle.closed = True  # else the finaliser closes the file and publishes it anyway
            raise
        handle.close()

    def put(self, key: str, data: bytes | Iterable[bytes] | IO[bytes]) -> int:
        """Store ``data`` (bytes, an iterable of chunks or a binary file); return its size."""
        written = 0
        with self.open_write(key) as handle:
            for chunk in _chunks(data):
                handle.write(chunk)
                written += len(chunk)
        return written

    @contextmanager
    def open_read(self, key: str) -> Iterator[IO[bytes]]:
        path = self._path(key)
        try:
            handle = self._fs.open(path, "rb")
        except FileNotFoundError:
            raise NotFound(f"no stored object {key!r}") from None
        with handle:
            yield cast(IO[bytes], handle)

    def get(self, key: str) -> bytes:
        with self.open_read(key) as handle:
            return handle.read()

    def iter_chunks(self, key: str, chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
        with self.open_read(key) as handle:
            while chunk := handle.read(chunk_bytes):
                yield chunk

    def iter_range(
        self, key: str, start: int, length: int, chunk_bytes: int = CHUNK_BYTES
    ) -> Iterator[bytes]:
        """``length`` bytes from offset ``start`` (an HTTP range request's body)."""
        with self.open_read(key) as handle:
            handle.seek(start)
            left = length
            while left > 0 and (chunk := handle.read(min(chunk_bytes, left))):
                left -= len(chunk)
                yield chunk

    def exists(self, key: str) -> bool:
        return bool(self._fs.exists(self._path(key)))

    def size(self, key: str) -> int:
        try:
            return int(self._fs.size(self._path(key)))
        except FileNotFoundError:
            raise NotFound(f"no stored object {key!r}") from None

    def delete(self, key: str) -> bool:
        """Remove one object; return whether it existed."""
        path = self._path(key)
        # S3 deletes are idempotent and never say whether the object was there.
        if not self._fs.exists(path):
            return False
        try:
            self._fs.rm_file(path)
        except FileNotFoundError:
            return False
        return True

    def delete_prefix(self, prefix: str) -> int:
        """Remove every object under ``prefix/``; return how many were removed."""
        doomed = self.list(prefix)
        for info in doomed:
            self.delete(info.key)
        return len(doomed)

    def list(self, prefix: str = "") -> list[BlobInfo]:
        """Every object under ``prefix`` (a key folder), sorted by key."""
        base = self._path(prefix.rstrip("/")) if prefix else self._root
        try:
            found: dict[str, dict[str, Any]] = self._fs.find(base, detail=True)
        except FileNotFoundError:
            return []
        blobs = []
        for path, info in found.items():
            key = path[len(self._root) + 1 :] if path.startswith(self._root + "/") else path
            if info.get("type") == "file" and ".partial-" not in key:
                blobs.append(BlobInfo(key=key, size=int(info.get("size") or 0)))
        return sorted(blobs, key=lambda blob: blob.key)

    def presigned_url(self, key: str, expires_seconds: int) -> str | None:
        """A time-limited download URL where the backend has one (S3), else ``None``."""
        if self.protocol != "s3":
            return None
        return str(self._fs.sign(self._path(key), expiration=expires_seconds))

    def ping(self) -> None:
        """Raise if the store cannot be reached (readiness check)."""
        if self.protocol == "file":
            if not self._fs.isdir(self._root):
                raise FileNotFoundError("storage root is missing")
            return
        bucket = self._root.split("/", 1)[0]
        self._fs.ls(bucket, refresh=True)


def _chunks(data: bytes | Iterable[bytes] | IO[bytes]) -> Iterator[bytes]:
    if isinstance(data, bytes | bytearray | memoryview):
        yield bytes(data)
        return
    if hasattr(data, "read"):
        stream = cast(IO[bytes], data)
        while chunk := stream.read(CHUNK_BYTES):
            yield chunk
        return
    yield from data
