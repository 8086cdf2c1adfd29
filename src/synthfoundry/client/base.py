"""What every resource shares: the calls it makes, and get, list, delete and download."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import IO, Any, ClassVar, Generic, Protocol

import httpx

from synthfoundry.client.schemas import ItemT, Page


class Requester(Protocol):
    """The client as resources see it."""

    http: httpx.Client

    def request(self, method: str, path: str, **kwargs: Any) -> Any: ...

    def stream(self, path: str, **kwargs: Any) -> AbstractContextManager[httpx.Response]: ...


class Resource(Generic[ItemT]):
    path: ClassVar[str]

    def __init__(self, client: Requester) -> None:
        self.client = client

    def get(self, object_id: str) -> ItemT:
        found: ItemT = self.client.request("GET", f"{self.path}/{object_id}")
        return found

    def list(self, limit: int = 50, **filters: Any) -> list[ItemT]:
        """Every object, newest first, following the cursor pages of ``limit`` items;
        ``filters`` are the list's query parameters (``status="failed"`` for jobs)."""
        return list(self.iterate(limit, **filters))

    def iterate(self, page_size: int = 50, **filters: Any) -> Iterator[ItemT]:
        """Objects newest first, a page fetched only when the one before is used up."""
        cursor: str | None = None
        query = {name: value for name, value in filters.items() if value is not None}
        while True:
            params: dict[str, Any] = query | {"limit": page_size}
            if cursor:
                params["cursor"] = cursor
            page: Page[ItemT] = self.client.request("GET", self.path, params=params)
            yield from page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                return

    def delete(self, object_id: str) -> None:
        self.client.request("DELETE", f"{self.path}/{object_id}")

    def _download(self, url: str, output: str | Path | IO[bytes] | None, **params: Any) -> bytes:
        with self.client.stream(url, params=params) as response:
            if output is None:
                return response.read()
            if isinstance(output, str | Path):
                with open(output, "wb") as sink:
                    for chunk in response.iter_bytes():
                        sink.write(chunk)
            else:
                for chunk in response.iter_bytes():
                    output.write(chunk)
        return b""
