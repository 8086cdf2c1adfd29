"""Wikimedia Commons through the MediaWiki Action API: a full-text search of the File namespace
with each file's URL, size and license metadata in the same answer."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from html.parser import HTMLParser
from typing import Any

from synthfoundry.images.fetch import SafeFetcher
from synthfoundry.images.providers.api import ApiProvider, records, text
from synthfoundry.images.providers.base import Found, ProviderError, attribution_line, take
from synthfoundry.images.providers.licenses import license_label, normalise_license
from synthfoundry.images.providers.pacing import RateLimiter, RetryPolicy

API_PATH = "/w/api.php"
FILE_NAMESPACE = "6"
THUMBNAIL_WIDTH = 1280
METADATA_FIELDS = ("LicenseShortName", "License", "LicenseUrl", "Artist", "ObjectName")
VIA = "Wikimedia Commons"


class WikimediaCommonsProvider(ApiProvider):
    name = "wikimedia"

    def __init__(
        self,
        base_url: str = "https://commons.wikimedia.org",
        requests_per_second: float = 1.0,
        max_pages: int = 10,
        *,
        page_size: int = 20,
        retry: RetryPolicy | None = None,
        rate_limiter: RateLimiter | None = None,
    ) -> None:
        super().__init__(
            requests_per_second=requests_per_second, retry=retry, rate_limiter=rate_limiter
        )
        self.base_url = base_url.rstrip("/")
        self.max_pages = max_pages
        self.page_size = page_size

    def search(
        self,
        query: str,
        wanted: int,
        fetcher: SafeFetcher,
        *,
        licenses: frozenset[str] | None = None,
    ) -> Iterator[Found]:
        # Commons search cannot filter by license: the filter applies to each page's results.
        return take(self._results(query, fetcher), wanted, licenses)

    def _results(self, query: str, fetcher: SafeFetcher) -> Iterator[Found]:
        continuation: Mapping[str, Any] = {}
        for _ in range(self.max_pages):
            params = {**self._search_params(query), **_strings(continuation)}
            body = self._get_json(fetcher, self.base_url + API_PATH, params)
            self._check_error(body)
            query_part = body.get("query")
            pages = records(query_part.get("pages")) if isinstance(query_part, dict) else []
            # A generator's pages come in no particular order; "index" is the search rank.
            for page in sorted(pages, key=_rank):
                if found := _found(page):
                    yield found
            next_continuation = body.get("continue")
            if not pages or not isinstance(next_continuation, dict):
                return
            continuation = next_continuation

    def _search_params(self, query: str) -> dict[str, str]:
        return {
            "action": "query",
            "format": "json",
            "formatversion": "2",
            "generator": "search",
            "gsrsearch": f"{query} filetype:bitmap",
            "gsrnamespace": FILE_NAMESPACE,
            "gsrlimit": str(self.page_size),
            "prop": "imageinfo",
            "iiprop": "url|extmetadata|size|mime",
            # A scaled copy (Commons originals run to hundreds of megapixels): thumburl.
            "iiurlwidth": str(THUMBNAIL_WIDTH),
            "iiextmetadatafilter": "|".join(METADATA_FIELDS),
        }

    def _check_error(self, body: Mapping[str, Any]) -> None:
        # The Action API reports its errors in a 200 answer.
        error = body.get("error")
        if isinstance(error, dict):
            code = text(error, "code") or "error"
            raise ProviderError(self.name, f"API error {code}: {text(error, 'info') or ''}")


def _strings(continuation: Mapping[str, Any]) -> dict[str, str]:
    return {key: str(value) for key, value in continuation.items()}


def _rank(page: Mapping[str, Any]) -> int:
    index = page.get("index")
    return index if isinstance(index, int) else 1 << 30


def _found(page: Mapping[str, Any]) -> Found | None:
    infos = records(page.get("imageinfo"))
    if not infos:
        return None
    info = infos[0]
    url = text(info, "thumburl") or text(info, "url")
    if url is None:
        return None
    metadata = info.get("extmetadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    short_name = _metadata(metadata, "LicenseShortName")
    code = normalise_license(_metadata(metadata, "License") or short_name)
    title = _metadata(metadata, "ObjectName") or _file_title(text(page, "title"))
    creator = _metadata(metadata, "Artist")
    return Found(
        url=url,
        page_url=text(info, "descriptionurl"),
        provider=WikimediaCommonsProvider.name,
        license=code,
        license_url=_metadata(metadata, "LicenseUrl"),
        creator=creator,
        title=title,
        attribution=attribution_line(title, creator, short_name or license_label(code), VIA),
    )


def _metadata(metadata: Mapping[str, Any], field: str) -> str | None:
    """An extmetadata field as plain text: its values are HTML fragments."""
    entry = metadata.get(field)
    value = entry.get("value") if isinstance(entry, dict) else None
    if value is None or isinstance(value, (dict, list)):
        return None
    return plain_text(str(value)) or None


def _file_title(page_title: str | None) -> str | None:
    """ "File:Red fox.jpg" -> "Red fox"."""
    if page_title is None:
        return None
    name = page_title.split(":", 1)[-1]
    return name.rsplit(".", 1)[0] or None


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(fragment: str) -> str:
    """The text of an HTML fragment, tags dropped, entities decoded, spaces collapsed."""
    collector = _TextCollector()
    collector.feed(fragment)
    collector.close()
    return " ".join("".join(collector.parts).split())
