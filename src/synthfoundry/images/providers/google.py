"""Google Programmable Search (the Custom Search JSON API) in image mode.

Google states no license per image. When the caller filters by license, each wanted license is
searched apart with the usage-rights expression that selects it, and its results are marked with
that license as Google labels it; without a filter every result is "unknown".
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from synthfoundry.images.fetch import SafeFetcher
from synthfoundry.images.providers.api import ApiProvider, records, text
from synthfoundry.images.providers.base import Found, ProviderError, attribution_line, take
from synthfoundry.images.providers.licenses import LICENSES, UNKNOWN, license_label
from synthfoundry.images.providers.pacing import RateLimiter, RetryPolicy

RESULTS_PER_PAGE = 10  # the API's maximum "num"
LAST_START = 91  # the API serves the first 100 results only: start + num - 1 <= 100
# Usage-rights expressions ("|" or, "." and, "-" not) for the licenses they can single out.
RIGHTS = {
    "cc0": "cc_publicdomain",
    "pdm": "cc_publicdomain",
    "by": "(cc_attribute).-(cc_sharealike|cc_noncommercial|cc_nonderived)",
    "by-sa": "(cc_sharealike).-(cc_noncommercial|cc_nonderived)",
    "by-nc": "(cc_noncommercial).-(cc_sharealike|cc_nonderived)",
    "by-nd": "(cc_nonderived).-(cc_noncommercial)",
}


class GoogleSearchProvider(ApiProvider):
    name = "google"

    def __init__(
        self,
        api_key: str | None,
        engine_id: str | None,
        base_url: str = "https://www.googleapis.com/customsearch/v1",
        requests_per_second: float = 1.0,
        max_pages: int = 10,
        *,
        retry: RetryPolicy | None = None,
        rate_limiter: RateLimiter | None = None,
    ) -> None:
        super().__init__(
            requests_per_second=requests_per_second, retry=retry, rate_limiter=rate_limiter
        )
        self.api_key = api_key
        self.engine_id = engine_id
        self.base_url = base_url
        self.max_pages = max_pages

    def unavailable_reason(self) -> str | None:
        if self.api_key and self.engine_id:
            return None
        return (
            "Google Programmable Search needs an API key and an engine id "
            "(SYNTHFOUNDRY_COLLECTION__GOOGLE_API_KEY, __GOOGLE_ENGINE_ID)"
        )

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
        if reason := self.unavailable_reason():
            raise ProviderError(self.name, reason)
        for code, rights in _passes(licenses):
            yield from self._pages(query, fetcher, code, rights)

    def _pages(
        self, query: str, fetcher: SafeFetcher, code: str, rights: str | None
    ) -> Iterator[Found]:
        start: int | None = 1
        pages = 0
        while start is not None and start <= LAST_START and pages < self.max_pages:
            body = self._get_json(fetcher, self.base_url, self._params(query, start, rights))
            pages += 1
            items = records(body.get("items"))
            for item in items:
                if found := _found(item, code):
                    yield found
            start = _next_start(body) if items else None

    def _params(self, query: str, start: int, rights: str | None) -> dict[str, str]:
        params = {
            "key": self.api_key or "",
            "cx": self.engine_id or "",
            "q": query,
            "searchType": "image",
            "num": str(RESULTS_PER_PAGE),
            "start": str(start),
        }
        if rights:
            params["rights"] = rights
        return params


def _passes(licenses: frozenset[str] | None) -> list[tuple[str, str | None]]:
    """The (license, rights expression) searches that serve a filter, in ``LICENSES`` order.

    Public domain is searched once, marked with the first of cc0/pdm the caller asked for;
    licenses no expression singles out (by-nc-sa, by-nc-nd) are not searched.
    """
    if licenses is None:
        return [(UNKNOWN, None)]
    passes: list[tuple[str, str | None]] = []
    searched: set[str] = set()
    for code in LICENSES:
        rights = RIGHTS.get(code)
        if code in licenses and rights is not None and rights not in searched:
            passes.append((code, rights))
            searched.add(rights)
    if UNKNOWN in licenses:
        passes.append((UNKNOWN, None))
    return passes


def _next_start(body: Mapping[str, Any]) -> int | None:
    queries = body.get("queries")
    next_pages = records(queries.get("nextPage")) if isinstance(queries, dict) else []
    start = next_pages[0].get("startIndex") if next_pages else None
    return start if isinstance(start, int) else None


def _found(item: Mapping[str, Any], code: str) -> Found | None:
    url = text(item, "link")
    if url is None:
        return None
    image = item.get("image")
    page_url = text(image, "contextLink") if isinstance(image, dict) else None
    title = text(item, "title")
    site = text(item, "displayLink") or "the web"
    rights = (
        "license unknown" if code == UNKNOWN else f"{license_label(code)} (as Google labels it)"
    )
    return Found(
        url=url,
        page_url=page_url,
        provider=GoogleSearchProvider.name,
        license=code,
        license_url=None,
        creator=None,
        title=title,
        attribution=attribution_line(title, None, rights, f"{site}, found with Google"),
    )
