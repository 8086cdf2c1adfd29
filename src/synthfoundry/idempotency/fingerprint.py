from __future__ import annotations

import hashlib

_BOUNDARY_MASK = b"--<boundary>"


class RequestFingerprint:
    """SHA-256 of a request's query string and body, fed in chunks.

    A multipart body has its boundary masked: clients draw a new one for each attempt, and a
    boundary never occurs in the content, so masking it changes nothing else.
    """

    def __init__(self, query: bytes, boundary: bytes | None = None) -> None:
        self._hash = hashlib.sha256(query + b"\n")
        self._delimiter = b"--" + boundary if boundary else b""
        self._pending = b""

    def update(self, chunk: bytes) -> None:
        if not self._delimiter:
            self._hash.update(chunk)
            return
        *whole, rest = (self._pending + chunk).split(self._delimiter)
        for part in whole:
            self._hash.update(part + _BOUNDARY_MASK)
        # The tail may hold the start of a delimiter that the next chunk completes.
        cut = max(0, len(rest) - len(self._delimiter) + 1)
        self._hash.update(rest[:cut])
        self._pending = rest[cut:]

    def hexdigest(self) -> str:
        self._hash.update(self._pending)
        self._pending = b""
        return self._hash.hexdigest()
