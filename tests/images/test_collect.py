"""The collector end to end against the local provider stub: what is kept, what is refused and
why, replacements, failing providers, cancellation, per-host limits and licenses."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from synthfoundry.errors import InvalidInput
from synthfoundry.images.collect import (
    CollectionStopped,
    Collector,
    CollectRequest,
    LabelQuery,
)
from synthfoundry.images.dedupe import perceptual_hash
from synthfoundry.images.fetch import FetchPolicy, SafeFetcher
from synthfoundry.images.providers import (
    GoogleSearchProvider,
    OpenverseProvider,
    Provider,
    RetryPolicy,
    WikimediaCommonsProvider,
)
from tests.support.provider_stub import (
    CORRUPT,
    HTML,
    HUGE,
    MISSING,
    OPENVERSE_PATH,
    PIXEL_BOMB,
    PRIVATE_REDIRECT,
    SLOW,
    TINY,
    TRUNCATED,
    ProviderStub,
    duplicate,
    good,
    near,
)

FAST = 200.0
QUICK_RETRY = RetryPolicy(attempts=3, base_delay=0.01, jitter=0.0)


@pytest.fixture
def stub() -> Iterator[ProviderStub]:
    with ProviderStub() as running:
        yield running


@pytest.fixture
def fetcher() -> Iterator[SafeFetcher]:
    with SafeFetcher(FetchPolicy(allowed_hosts=frozenset({"127.0.0.1"}))) as opened:
        yield opened


def openverse(stub: ProviderStub) -> OpenverseProvider:
    return OpenverseProvider(stub.base_url, requests_per_second=FAST, retry=QUICK_RETRY)


def wikimedia(stub: ProviderStub) -> WikimediaCommonsProvider:
    return WikimediaCommonsProvider(stub.base_url, FAST, retry=QUICK_RETRY)


def request(
    labels: list[str], per_label: int, providers: tuple[Provider, ...], **options: Any
) -> CollectRequest:
    base = CollectRequest(
        labels=tuple(LabelQuery(label, (label,)) for label in labels),
        per_label=per_label,
        providers=providers,
    )
    return replace(base, **options)


def image_indexes(stub: ProviderStub, urls: list[str]) -> list[str]:
    """ "cat/3" for each image URL."""
    return [url.removeprefix(f"{stub.base_url}/img/") for url in urls]


def test_a_collection_keeps_valid_distinct_images_and_counts_the_rest(
    stub: ProviderStub, fetcher: SafeFetcher
) -> None:
    stub.add_label(
        "cat",
        [
            good(),  # 0 kept
            good(),  # 1 kept
            duplicate(0),  # exact duplicate of 0
            near(1),  # near duplicate of 1 (smaller: 1 stays)
            CORRUPT,
            TRUNCATED,
            HTML,
            PIXEL_BOMB,
            HUGE,
            PRIVATE_REDIRECT,
            MISSING,
            TINY,
            good(),  # 12 kept
            good(),  # 13 kept
        ],
    )
    stub.add_label(
        "dog",
        [
            good(),  # 0 kept
            good(),  # 1 kept
            duplicate(0, label="cat"),  # exact duplicate across labels: cat's stays
            near(0),  # near duplicate of dog 0
            good(),  # 4 kept
        ],
    )
    events: list[tuple[str, float, float | None]] = []
    logs: list[str] = []
    collector = Collector(
        fetcher,
        log=logs.append,
        progress=lambda stage, done, total, unit="steps", message="": events.append(
            (stage, done, total)
        ),
    )

    collected, stats = collector.collect(request(["cat", "dog"], 10, (openverse(stub),)))

    assert image_indexes(stub, [item.found.url for item in collected]) == [
        "cat/0",
        "cat/1",
        "cat/12",
        "cat/13",
        "dog/0",
        "dog/1",
        "dog/4",
    ]
    assert [item.label for item in collected] == ["cat"] * 4 + ["dog"] * 3
    assert stats.kept_by_label == {"cat": 4, "dog": 3}
    assert stats.exact_duplicates == 2
    assert stats.near_duplicates == 2
    assert stats.invalid == Counter(
        {"corrupt": 1, "truncated": 1, "not_image": 1, "too_large": 1, "too_small": 1}
    )
    assert stats.refused == Counter({"too_large": 1, "blocked_address": 1, "http_status": 1})
    assert stats.downloaded == 16  # everything but the three refusals brought bytes
    assert stats.searched == {"openverse": 19}
    assert stats.provider_errors == []
    first = collected[0]
    assert first.phash == perceptual_hash(first.valid.image)
    assert first.found.provider == "openverse"
    assert first.valid.data.startswith(b"\x89PNG")
    assert {stage for stage, _, _ in events} == {"search", "download", "validate", "deduplicate"}
    assert ("search", 2, 2) in events
    assert logs[-1].startswith("kept 7 images")


def test_refused_and_duplicate_candidates_are_replaced_by_the_next(
    stub: ProviderStub, fetcher: SafeFetcher
) -> None:
    stub.add_label("cat", [good(), CORRUPT, duplicate(0), good(), good(), good()])

    collected, stats = Collector(fetcher).collect(
        request(["cat"], 3, (openverse(stub),), oversample=2.0)
    )

    assert image_indexes(stub, [item.found.url for item in collected]) == [
        "cat/0",
        "cat/3",
        "cat/4",
    ]
    assert stats.invalid == Counter({"corrupt": 1})
    assert stats.exact_duplicates == 1
    # Only as many downloads as needed: the sixth candidate was never fetched.
    fetched = {request.path for request in stub.requests_to("/img/")}
    assert fetched == {f"/img/cat/{index}" for index in range(5)}


def test_a_throttled_provider_is_skipped_while_another_fills_the_label(
    stub: ProviderStub, fetcher: SafeFetcher
) -> None:
    stub.add_label("cat", [good(), good(), good()])
    stub.add_label("dog", [good(), good(), good()])
    stub.throttle(OPENVERSE_PATH, times=None, retry_after=0.05)
    logs: list[str] = []

    collected, stats = Collector(fetcher, log=logs.append).collect(
        request(["cat", "dog"], 2, (openverse(stub), wikimedia(stub)))
    )

    assert stats.kept_by_label == {"cat": 2, "dog": 2}
    assert {item.found.provider for item in collected} == {"wikimedia"}
    assert stats.provider_errors == ["openverse: throttled (429) after 2 retries"]
    assert "openverse: throttled (429) after 2 retries; wikimedia filled the label 'cat'" in logs
    # Not asked again for the second label.
    assert len(stub.requests_to(OPENVERSE_PATH)) == QUICK_RETRY.attempts


def test_an_unavailable_provider_is_logged_once_and_skipped(
    stub: ProviderStub, fetcher: SafeFetcher
) -> None:
    stub.add_label("cat", [good()])
    stub.add_label("dog", [good()])
    logs: list[str] = []
    google = GoogleSearchProvider(None, None)

    _, stats = Collector(fetcher, log=logs.append).collect(
        request(["cat", "dog"], 1, (google, openverse(stub)))
    )

    assert stats.kept_by_label == {"cat": 1, "dog": 1}
    assert [line for line in logs if line.startswith("google: unavailable")] == [
        f"google: unavailable: {google.unavailable_reason()}"
    ]


def test_a_stop_ends_the_collection_within_seconds_despite_a_slow_host(
    stub: ProviderStub, fetcher: SafeFetcher
) -> None:
    stub.slow_seconds = 20
    stub.add_label("cat", [SLOW] * 8 + [good()] * 4)
    started = time.monotonic()

    def stop() -> bool:
        return time.monotonic() - started > 1.0

    with pytest.raises(CollectionStopped):
        Collector(fetcher, stop=stop).collect(request(["cat"], 12, (openverse(stub),)))

    assert time.monotonic() - started < 3.0
    assert len(stub.requests_to("/img/")) == 2  # per_host=2 slots, both held by slow downloads


def test_at_most_per_host_downloads_run_at_once(stub: ProviderStub, fetcher: SafeFetcher) -> None:
    stub.add_label("cat", [good() for _ in range(6)])
    stub.add_label("dog", [good() for _ in range(6)])
    stub.latency = 0.1

    collected, _ = Collector(fetcher).collect(
        request(["cat", "dog"], 6, (openverse(stub),), concurrency=8, per_host=3)
    )

    assert len(collected) == 12
    assert stub.max_concurrent() == {f"127.0.0.1:{stub.port}": 3}


def test_only_allowed_licenses_are_collected(stub: ProviderStub, fetcher: SafeFetcher) -> None:
    stub.add_label("cat", [good("by"), good("cc0"), good("by-nc"), good("by-sa"), good("pdm")])
    extra = stub.add_label("extra", [good()])
    licenses = frozenset({"cc0", "by-sa"})

    collected, _ = Collector(fetcher).collect(
        request(
            ["cat"],
            5,
            (wikimedia(stub),),
            licenses=licenses,
            urls_by_label={"cat": extra},  # unknown license: left out
        )
    )

    assert [(item.found.url.rsplit("/", 1)[1], item.found.license) for item in collected] == [
        ("1", "cc0"),
        ("3", "by-sa"),
    ]


def test_url_lists_come_before_providers(stub: ProviderStub, fetcher: SafeFetcher) -> None:
    stub.add_label("cat", [good(), good()])
    listed = stub.add_label("listed", [good(), good()])

    collected, stats = Collector(fetcher).collect(
        request(["cat"], 3, (openverse(stub),), urls_by_label={"cat": listed})
    )

    assert [item.found.provider for item in collected] == ["urls", "urls", "openverse"]
    assert stats.searched == {"urls": 2, "openverse": 2}


def test_a_request_is_checked(fetcher: SafeFetcher) -> None:
    collector = Collector(fetcher)

    with pytest.raises(ValueError, match="per_label"):
        collector.collect(request(["cat"], 0, ()))
    with pytest.raises(ValueError, match="twice"):
        collector.collect(request(["cat", "cat"], 1, ()))
    with pytest.raises(InvalidInput):
        collector.collect(request(["cat"], 1, (), licenses=frozenset({"cc-by"})))
