"""What every image search provider shares: its results, its errors, and the license filter."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from synthfoundry.images.providers.licenses import check_licenses

if TYPE_CHECKING:
    from synthfoundry.images.fetch import SafeFetcher


@dataclass(frozen=True)
class Found:
    """One image a provider offers, with what is known of its license."""

    url: str
    page_url: str | None
    """Where a person can see the image and its license (the provider's description page)."""
    provider: str
    license: str
    """One of ``LICENSES``."""
    license_url: str | None
    creator: str | None
    title: str | None
    attribution: str
    """A ready-made credit line: "'Title' by Creator, CC BY-SA 4.0, via Wikimedia Commons"."""


class ProviderError(Exception):
    """A provider could not answer: throttled past its retries, refused, or talking nonsense."""

    def __init__(self, provider: str, reason: str) -> None:
        super().__init__(f"{provider}: {reason}")
        self.provider = provider
        self.reason = reason


class Provider(ABC):
    name: ClassVar[str]

    def unavailable_reason(self) -> str | None:
        """Why this provider cannot be used as configured; None when it can."""
        return None

    @abstractmethod
    def search(
        self,
        query: str,
        wanted: int,
        fetcher: SafeFetcher,
        *,
        licenses: frozenset[str] | None = None,
    ) -> Iterator[Found]:
        """Up to ``wanted`` images for ``query``, requesting further pages only as consumed.

        Raises ``ProviderError`` (while iterating) when the provider fails past its retries.
        """


def license_allowed(found: Found, licenses: frozenset[str] | None) -> bool:
    """Whether the filter lets ``found`` through; None allows every license, unknown too."""
    return licenses is None or found.license in licenses


def take(results: Iterable[Found], wanted: int, licenses: frozenset[str] | None) -> Iterator[Found]:
    """The first ``wanted`` of ``results`` that the license filter allows, pulled lazily."""
    check_licenses(licenses)
    if wanted <= 0:
        return
    count = 0
    for found in results:
        if license_allowed(found, licenses):
            yield found
            count += 1
            if count >= wanted:
                return


def attribution_line(title: str | None, creator: str | None, license_text: str, via: str) -> str:
    """ "'Title' by Creator, CC BY-SA 4.0, via Wikimedia Commons", leaving out what is unknown."""
    work = f"'{title}'" if title else "Image"
    if creator:
        work = f"{work} by {creator}"
    return f"{work}, {license_text}, via {via}"
