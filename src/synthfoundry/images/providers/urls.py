"""Images named by URL, for a list the user brings: no search, nothing known of their license."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from synthfoundry.images.fetch import SafeFetcher
from synthfoundry.images.providers.base import Found, Provider, take
from synthfoundry.images.providers.licenses import UNKNOWN


class UrlListProvider(Provider):
    name = "urls"

    def __init__(self, urls: Sequence[str]) -> None:
        self.urls = tuple(urls)

    def search(
        self,
        query: str,
        wanted: int,
        fetcher: SafeFetcher,
        *,
        licenses: frozenset[str] | None = None,
    ) -> Iterator[Found]:
        """The list's URLs in order, whatever the query; the fetcher is first used to download."""
        return take((_found(url) for url in self.urls), wanted, licenses)


def _found(url: str) -> Found:
    return Found(
        url=url,
        page_url=None,
        provider=UrlListProvider.name,
        license=UNKNOWN,
        license_url=None,
        creator=None,
        title=None,
        attribution=url,
    )
