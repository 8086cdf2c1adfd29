"""Image search providers against the local stub of their APIs: wire formats, paging, licenses,
pacing and retries."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from synthfoundry.errors import InvalidInput
from synthfoundry.images.fetch import FetchPolicy, SafeFetcher
from synthfoundry.images.providers import (
    Found,
    GoogleSearchProvider,
    OpenverseProvider,
    ProviderError,
    RateLimiter,
    RetryPolicy,
    UrlListProvider,
    WikimediaCommonsProvider,
    license_allowed,
    normalise_license,
)
from tests.support.provider_stub import (
    GOOGLE_ENGINE,
    GOOGLE_KEY,
    GOOGLE_PATH,
    MISSING,
    OPENVERSE_PATH,
    WIKIMEDIA_PATH,
    ProviderStub,
    good,
)

# Search-only tests list MISSING items: nothing downloads them, and they cost no picture.
FAST = 200.0  # requests a second, so pacing costs nothing where it is not under test
QUICK_RETRY = RetryPolicy(attempts=3, base_delay=0.01, jitter=0.0)


@pytest.fixture
def stub() -> Iterator[ProviderStub]:
    with ProviderStub() as running:
        yield running


@pytest.fixture
def fetcher() -> Iterator[SafeFetcher]:
    with SafeFetcher(FetchPolicy(allowed_hosts=frozenset({"127.0.0.1"}))) as opened:
        yield opened


def openverse(
    stub: ProviderStub,
    *,
    token: str | None = None,
    requests_per_second: float = FAST,
    page_size: int = 20,
    max_pages: int = 10,
) -> OpenverseProvider:
    return OpenverseProvider(
        stub.base_url, token, requests_per_second, page_size, max_pages, retry=QUICK_RETRY
    )


def wikimedia(stub: ProviderStub, *, page_size: int = 20) -> WikimediaCommonsProvider:
    return WikimediaCommonsProvider(stub.base_url, FAST, page_size=page_size, retry=QUICK_RETRY)


def google(stub: ProviderStub, *, max_pages: int = 10) -> GoogleSearchProvider:
    return GoogleSearchProvider(
        GOOGLE_KEY, GOOGLE_ENGINE, stub.base_url + GOOGLE_PATH, FAST, max_pages, retry=QUICK_RETRY
    )


# Openverse


def test_openverse_results_are_read_from_its_wire_format(
    stub: ProviderStub, fetcher: SafeFetcher
) -> None:
    urls = stub.add_label("red fox", [good("by"), good("cc0"), good("by-sa")])

    found = list(openverse(stub).search("red fox", 10, fetcher))

    assert [item.url for item in found] == urls
    assert [item.license for item in found] == ["by", "cc0", "by-sa"]
    first = found[0]
    assert first.provider == "openverse"
    assert first.page_url == f"{stub.base_url}/photos/red fox/0"
    assert first.license_url == "https://creativecommons.org/licenses/by/4.0/"
    assert first.creator == "Photographer 0"
    assert first.title == "red fox 0"
    assert first.attribution.startswith('"red fox 0" by Photographer 0 is licensed under CC BY')
    (request,) = stub.requests_to(OPENVERSE_PATH)
    assert request.query == {"q": "red fox", "page": "1", "page_size": "20"}
    assert "Authorization" not in request.headers


def test_openverse_pages_only_as_far_as_wanted(stub: ProviderStub, fetcher: SafeFetcher) -> None:
    urls = stub.add_label("cat", [MISSING] * 45)
    provider = openverse(stub)

    assert [item.url for item in provider.search("cat", 25, fetcher)] == urls[:25]
    assert [r.query["page"] for r in stub.requests_to(OPENVERSE_PATH)] == ["1", "2"]

    assert len(list(provider.search("cat", 100, fetcher))) == 45  # page_count ends it
    assert len(stub.requests_to(OPENVERSE_PATH)) == 2 + 3


def test_openverse_stops_at_its_page_cap(stub: ProviderStub, fetcher: SafeFetcher) -> None:
    stub.add_label("cat", [MISSING] * 30)

    found = list(openverse(stub, page_size=5, max_pages=2).search("cat", 100, fetcher))

    assert len(found) == 10
    assert len(stub.requests_to(OPENVERSE_PATH)) == 2


def test_openverse_filters_licenses_on_the_server(stub: ProviderStub, fetcher: SafeFetcher) -> None:
    stub.add_label("cat", [good("by"), good("cc0"), good("by-nc"), good("by-sa")])

    found = list(
        openverse(stub).search("cat", 10, fetcher, licenses=frozenset({"cc0", "by-sa", "unknown"}))
    )

    assert [item.license for item in found] == ["cc0", "by-sa"]
    (request,) = stub.requests_to(OPENVERSE_PATH)
    assert request.query["license"] == "by-sa,cc0"


def test_openverse_is_not_asked_for_unknown_licenses_only(
    stub: ProviderStub, fetcher: SafeFetcher
) -> None:
    stub.add_label("cat", [good()])

    assert list(openverse(stub).search("cat", 10, fetcher, licenses=frozenset({"unknown"}))) == []
    assert stub.requests_to(OPENVERSE_PATH) == []


def test_openverse_sends_its_token(stub: ProviderStub, fetcher: SafeFetcher) -> None:
    stub.add_label("cat", [good()])
    stub.openverse_token = "secret-token"

    assert len(list(openverse(stub, token="secret-token").search("cat", 1, fetcher))) == 1
    assert stub.requests[-1].headers["Authorization"] == "Bearer secret-token"
    with pytest.raises(ProviderError, match="credentials"):
        list(openverse(stub).search("cat", 1, fetcher))


# Wikimedia Commons


def test_wikimedia_results_are_read_from_the_action_api(
    stub: ProviderStub, fetcher: SafeFetcher
) -> None:
    licenses = ["by-sa", "cc0", "pdm", "unknown", "by"]
    urls = stub.add_label("fox", [good(code) for code in licenses])

    found = list(wikimedia(stub).search("fox", 10, fetcher))

    # The API lists pages by page id; results come back in search rank ("index") order.
    assert [item.url for item in found] == urls
    assert [item.license for item in found] == licenses
    first = found[0]
    assert first.provider == "wikimedia"
    assert first.page_url == f"{stub.base_url}/wiki/File:Fox_0.png"
    assert first.creator == "Photographer 0"  # the Artist HTML, as text
    assert first.title == "Fox 0"
    assert first.license_url == "https://creativecommons.org/licenses/by-sa/4.0"
    assert first.attribution == "'Fox 0' by Photographer 0, CC BY-SA 4.0, via Wikimedia Commons"
    assert "Public domain" in found[2].attribution
    (request,) = stub.requests_to(WIKIMEDIA_PATH)
    assert request.query["gsrsearch"] == "fox filetype:bitmap"
    assert request.query["gsrnamespace"] == "6"
    assert request.query["generator"] == "search"
    assert request.query["prop"] == "imageinfo"
    assert set(request.query["iiprop"].split("|")) == {"url", "extmetadata", "size", "mime"}
    assert request.query["formatversion"] == "2"


def test_wikimedia_follows_continuation(stub: ProviderStub, fetcher: SafeFetcher) -> None:
    urls = stub.add_label("fox", [MISSING] * 12)

    found = list(wikimedia(stub, page_size=5).search("fox", 12, fetcher))

    assert [item.url for item in found] == urls
    requests = stub.requests_to(WIKIMEDIA_PATH)
    assert [r.query.get("gsroffset") for r in requests] == [None, "5", "10"]
    assert all(r.query.get("continue", "gsroffset||") == "gsroffset||" for r in requests)


def test_wikimedia_filters_licenses_page_by_page(stub: ProviderStub, fetcher: SafeFetcher) -> None:
    stub.add_label("fox", [good("unknown"), good("by-sa"), good("by"), good("cc0"), good("by-sa")])

    found = wikimedia(stub, page_size=2).search("fox", 2, fetcher, licenses=frozenset({"by-sa"}))

    assert [item.license for item in found] == ["by-sa", "by-sa"]
    assert len(stub.requests_to(WIKIMEDIA_PATH)) == 3


# Google Programmable Search


def test_google_results_are_read_and_paged(stub: ProviderStub, fetcher: SafeFetcher) -> None:
    urls = stub.add_label("owl", [MISSING] * 25)

    found = list(google(stub).search("owl", 25, fetcher))

    assert [item.url for item in found] == urls
    assert {item.license for item in found} == {"unknown"}
    assert found[0].page_url == f"{stub.base_url}/pages/owl/0"
    assert found[0].provider == "google"
    assert "license unknown" in found[0].attribution
    requests = stub.requests_to(GOOGLE_PATH)
    assert [r.query["start"] for r in requests] == ["1", "11", "21"]
    assert requests[0].query["searchType"] == "image"
    assert requests[0].query["num"] == "10"
    assert "rights" not in requests[0].query


def test_google_serves_at_most_a_hundred_results(stub: ProviderStub, fetcher: SafeFetcher) -> None:
    stub.add_label("owl", [MISSING] * 130)

    found = list(google(stub, max_pages=20).search("owl", 500, fetcher))

    assert len(found) == 100
    assert stub.requests_to(GOOGLE_PATH)[-1].query["start"] == "91"


def test_google_license_filter_becomes_usage_rights(
    stub: ProviderStub, fetcher: SafeFetcher
) -> None:
    stub.add_label("owl", [good("by"), good("cc0"), good("by-nc"), good("by-sa"), good("by")])

    found = list(
        google(stub).search("owl", 10, fetcher, licenses=frozenset({"cc0", "by", "by-sa"}))
    )

    assert [(item.url.rsplit("/", 1)[1], item.license) for item in found] == [
        ("1", "cc0"),
        ("0", "by"),
        ("4", "by"),
        ("3", "by-sa"),
    ]
    assert "CC BY-SA (as Google labels it)" in found[-1].attribution
    assert [r.query["rights"] for r in stub.requests_to(GOOGLE_PATH)] == [
        "cc_publicdomain",
        "(cc_attribute).-(cc_sharealike|cc_noncommercial|cc_nonderived)",
        "(cc_sharealike).-(cc_noncommercial|cc_nonderived)",
    ]


def test_google_is_unavailable_without_credentials(
    stub: ProviderStub, fetcher: SafeFetcher
) -> None:
    provider = GoogleSearchProvider(None, GOOGLE_ENGINE, stub.base_url + GOOGLE_PATH)

    reason = provider.unavailable_reason()

    assert reason is not None
    assert "SYNTHFOUNDRY_COLLECTION__GOOGLE_API_KEY" in reason
    with pytest.raises(ProviderError):
        list(provider.search("owl", 1, fetcher))
    assert stub.requests == []
    assert google(stub).unavailable_reason() is None


def test_a_refused_api_key_is_not_retried(stub: ProviderStub, fetcher: SafeFetcher) -> None:
    stub.add_label("owl", [good()])
    stub.google_key = "another key"

    with pytest.raises(ProviderError, match="HTTP 400"):
        list(google(stub).search("owl", 1, fetcher))
    assert len(stub.requests_to(GOOGLE_PATH)) == 1


# URL lists


def test_url_lists_ignore_the_query() -> None:
    urls = ["https://example.org/a.png", "https://example.org/b.jpg"]
    provider = UrlListProvider(urls)
    unused = SafeFetcher()

    found = list(provider.search("anything", 10, unused))

    assert [(item.url, item.provider, item.license) for item in found] == [
        (urls[0], "urls", "unknown"),
        (urls[1], "urls", "unknown"),
    ]
    assert found[0].attribution == urls[0]
    assert len(list(provider.search("anything", 1, unused))) == 1
    assert list(provider.search("x", 10, unused, licenses=frozenset({"cc0"}))) == []
    unused.close()


# Licenses


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("cc-by-sa-4.0", "by-sa"),
        ("CC BY-SA 4.0", "by-sa"),
        ("cc-by-2.0", "by"),
        ("CC BY 2.5 DE", "by"),
        ("cc-by-sa-3.0-migrated", "by-sa"),
        ("by-nc-nd", "by-nc-nd"),
        ("cc0", "cc0"),
        ("CC0 1.0", "cc0"),
        ("pd", "pdm"),
        ("Public domain", "pdm"),
        ("pdm", "pdm"),
        ("GFDL", "unknown"),
        ("", "unknown"),
        (None, "unknown"),
    ],
)
def test_license_names_are_normalised(text: str | None, code: str) -> None:
    assert normalise_license(text) == code


def test_license_filter() -> None:
    found = Found("u", None, "p", "by-nc", None, None, None, "u")

    assert license_allowed(found, None)
    assert license_allowed(found, frozenset({"by-nc", "by"}))
    assert not license_allowed(found, frozenset({"by"}))


def test_an_unknown_license_code_is_refused(stub: ProviderStub, fetcher: SafeFetcher) -> None:
    with pytest.raises(InvalidInput, match="cc-by"):
        list(openverse(stub).search("cat", 1, fetcher, licenses=frozenset({"cc-by"})))


# Pacing and retries


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_the_rate_limiter_spaces_calls_evenly() -> None:
    clock = FakeClock()
    limiter = RateLimiter(1.0, clock=clock, sleep=clock.sleep)

    for _ in range(4):
        limiter.wait()
    clock.now += 5  # idle time is not saved up as a burst
    limiter.wait()
    limiter.wait()

    assert clock.sleeps == [1.0, 1.0, 1.0, 1.0]


def test_the_rate_limiter_holds_off_after_a_retry_after() -> None:
    clock = FakeClock()
    limiter = RateLimiter(1.0, clock=clock, sleep=clock.sleep)

    limiter.wait()
    limiter.hold_off(30)
    limiter.wait()

    assert clock.sleeps == [30.0]


def test_the_rate_limiter_is_shared_between_threads() -> None:
    interval = 0.02
    limiter = RateLimiter(1 / interval)
    starts: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(5):
            limiter.wait()
            with lock:
                starts.append(time.monotonic())

    threads = [threading.Thread(target=worker) for _ in range(4)]
    begin = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Slots are handed out one interval apart from ``begin``: the n-th start cannot be earlier.
    assert len(starts) == 20
    assert all(start - begin >= n * interval - 1e-3 for n, start in enumerate(sorted(starts)))


def test_provider_requests_are_paced(stub: ProviderStub, fetcher: SafeFetcher) -> None:
    interval = 0.05
    stub.add_label("cat", [MISSING] * 6)
    provider = openverse(stub, requests_per_second=1 / interval, page_size=1)
    begin = time.monotonic()

    list(provider.search("cat", 6, fetcher))

    # The stub stamps arrivals with the same monotonic clock.
    times = [request.time for request in stub.requests_to(OPENVERSE_PATH)]
    assert len(times) == 6
    assert all(arrival - begin >= n * interval - 1e-3 for n, arrival in enumerate(times))


def test_backoff_grows_exponentially_up_to_a_cap() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=5.0, jitter=0.0)

    assert [policy.delay(retry, None) for retry in range(1, 6)] == [1.0, 2.0, 4.0, 5.0, 5.0]
    assert policy.delay(1, 3.0) == 3.0
    assert policy.delay(1, 60.0) is None
    jittered = RetryPolicy(base_delay=1.0, jitter=0.5).delay(2, None)
    assert jittered is not None
    assert 2.0 <= jittered <= 3.0


def test_a_throttled_request_waits_as_told_then_succeeds(
    stub: ProviderStub, fetcher: SafeFetcher
) -> None:
    urls = stub.add_label("cat", [good()])
    stub.throttle(OPENVERSE_PATH, times=1, retry_after=1.0)

    found = list(openverse(stub).search("cat", 1, fetcher))

    assert [item.url for item in found] == urls
    first, second = stub.requests_to(OPENVERSE_PATH)
    assert second.time - first.time >= 1.0


def test_throttling_past_the_retries_is_a_provider_error(
    stub: ProviderStub, fetcher: SafeFetcher
) -> None:
    stub.add_label("cat", [good()])
    stub.throttle(OPENVERSE_PATH, times=None, retry_after=0.05)

    with pytest.raises(ProviderError) as raised:
        list(openverse(stub).search("cat", 1, fetcher))

    assert raised.value.provider == "openverse"
    assert raised.value.reason == "throttled (429) after 2 retries"
    assert len(stub.requests_to(OPENVERSE_PATH)) == QUICK_RETRY.attempts


def test_a_retry_after_too_long_is_given_up_at_once(
    stub: ProviderStub, fetcher: SafeFetcher
) -> None:
    stub.throttle(WIKIMEDIA_PATH, times=None, retry_after=3600)

    with pytest.raises(ProviderError, match="asked to wait 3600 s"):
        list(wikimedia(stub).search("fox", 1, fetcher))
    assert len(stub.requests_to(WIKIMEDIA_PATH)) == 1


def test_api_calls_go_through_the_fetchers_address_checks(fetcher: SafeFetcher) -> None:
    provider = OpenverseProvider("http://10.0.0.1", retry=QUICK_RETRY)

    with pytest.raises(ProviderError, match="blocked_address"):
        list(provider.search("cat", 1, fetcher))
