"""Openverse (api.openverse.org): openly licensed images gathered from many collections."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from synthfoundry.images.fetch import SafeFetcher
from synthfoundry.images.providers.api import ApiProvider, records, text
from synthfoundry.images.providers.base import Found, attribution_line, take
from synthfoundry.images.providers.licenses import UNKNOWN, license_label, normalise_license
from synthfoundry.images.providers.pacing import RateLimiter, RetryPolicy

SEARCH_PATH = "/v1/images/"


class OpenverseProvider(ApiProvider):
    name = "openverse"

    def __init__(
        self,
        base_url: str = "https://api.openverse.org",
        token: str | None = None,
        requests_per_second: float = 1.0,
        page_size: int = 20,
        max_pages: int = 10,
        *,
        retry: RetryPolicy | None = None,
        rate_limiter: RateLimiter | None = None,
    ) -> None:
        super().__init__(
            requests_per_second=requests_per_second, retry=retry, rate_limiter=rate_limiter
        )
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.page_size = page_size
        self.max_pages = max_pages

    def search(
        self,
        query: str,
        wanted: int,
        fetcher: SafeFetcher,
        *,
        licenses: frozenset[str] | None = None,
    ) -> Iterator[Found]:
        return take(self._results(query, fetcher, licenses), wanted, licenses)

    def _results(
        self, query: str, fetcher: SafeFetcher, licenses: frozenset[str] | None
    ) -> Iterator[Found]:
        codes = sorted((licenses or frozenset()) - {UNKNOWN})
        if licenses is not None and not codes:
            return  # every Openverse image has a known license
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        for page in range(1, self.max_pages + 1):
            params = {"q": query, "page": str(page), "page_size": str(self.page_size)}
            if codes:
                params["license"] = ",".join(codes)
            body = self._get_json(fetcher, self.base_url + SEARCH_PATH, params, headers)
            results = records(body.get("results"))
            for result in results:
                if found := _found(result):
                    yield found
            page_count = body.get("page_count")
            if not results or (isinstance(page_count, int) and page >= page_count):
                return


def _found(result: Mapping[str, Any]) -> Found | None:
    url = text(result, "url")
    if url is None:
        return None
    code = normalise_license(text(result, "license"))
    title = text(result, "title")
    creator = text(result, "creator")
    label = license_label(code, text(result, "license_version"))
    return Found(
        url=url,
        page_url=text(result, "foreign_landing_url"),
        provider=OpenverseProvider.name,
        license=code,
        license_url=text(result, "license_url"),
        creator=creator,
        title=title,
        attribution=text(result, "attribution")
        or attribution_line(title, creator, label, "Openverse"),
    )
