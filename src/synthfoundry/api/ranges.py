"""Stored files served with HTTP range requests (RFC 9110), so a browser's video player seeks
without downloading the whole file. One range per request; a multi-range request gets the
whole file, as the RFC allows."""

from __future__ import annotations

import re

from fastapi.responses import JSONResponse, StreamingResponse

from synthfoundry.storage import BlobStore

SINGLE_RANGE = re.compile(r"bytes=(\d*)-(\d*)", re.ASCII)


class RangeNotSatisfiable(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(f"the range lies outside the file's {size} bytes")
        self.size = size


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(start, end inclusive) of a satisfiable single range; ``None`` for the whole file."""
    if header is None:
        return None
    match = SINGLE_RANGE.fullmatch(header.strip())
    if match is None:
        return None  # not a single byte range: ignored, as the RFC allows
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        suffix = int(last)
        if suffix == 0:
            raise RangeNotSatisfiable(size)
        return max(0, size - suffix), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        raise RangeNotSatisfiable(size)
    return start, end


def stored_file(
    storage: BlobStore,
    key: str,
    *,
    media_type: str,
    range_header: str | None,
    filename: str | None = None,
) -> StreamingResponse | JSONResponse:
    size = storage.size(key)
    headers = {"Accept-Ranges": "bytes"}
    if filename is not None:
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    try:
        wanted = parse_range(range_header, size)
    except RangeNotSatisfiable as exc:
        headers["Content-Range"] = f"bytes */{size}"
        return JSONResponse(
            {
                "type": "about:blank",
                "title": "Range not satisfiable",
                "status": 416,
                "detail": str(exc),
                "code": "range_not_satisfiable",
            },
            status_code=416,
            headers=headers,
            media_type="application/problem+json",
        )
    if wanted is None:
        headers["Content-Length"] = str(size)
        return StreamingResponse(storage.iter_chunks(key), media_type=media_type, headers=headers)
    start, end = wanted
    headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    headers["Content-Length"] = str(end - start + 1)
    return StreamingResponse(
        storage.iter_range(key, start, end - start + 1),
        status_code=206,
        media_type=media_type,
        headers=headers,
    )
