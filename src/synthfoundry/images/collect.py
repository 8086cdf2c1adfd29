"""Collecting a labelled image dataset from search providers and URL lists.

Four stages. Search: each label's queries go to the providers in order until the label has
``per_label * oversample`` candidates; a provider that fails is logged and skipped. Download:
candidates are fetched and validated on a thread pool, each label's in candidate order, at most
``per_host`` at once per host; a refused or invalid one is counted and the next candidate takes
its place. Deduplicate: exact and near duplicates, within and across labels, keep the largest.
A label that lost images to duplicates gets further candidates downloaded, until it is full or
its candidates run out. Finally each label keeps at most ``per_label`` images, in candidate
order.
"""

from __future__ import annotations

import math
import os
from collections import Counter, deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from synthfoundry.images.dedupe import Candidate, Decision, deduplicate, perceptual_hash
from synthfoundry.images.fetch import FetchRefused, SafeFetcher
from synthfoundry.images.providers import Found, Provider, ProviderError, license_allowed
from synthfoundry.images.providers.licenses import check_licenses
from synthfoundry.images.providers.urls import UrlListProvider
from synthfoundry.images.validate import ImageRules, InvalidImage, ValidImage, validate_image
from synthfoundry.progress import Progress, silent

POLL_SECONDS = 0.1
"""How often stop() is asked while downloads are in flight."""
CHECK_THREADS = os.cpu_count() or 1
"""Validation and hashing are CPU work (Pillow and NumPy release the GIL): one thread a core."""


class CollectionStopped(Exception):
    """stop() said to stop; nothing collected so far is returned."""


@dataclass(frozen=True)
class LabelQuery:
    label: str
    queries: tuple[str, ...]
    """Search terms for the label, tried in order."""


@dataclass(frozen=True)
class CollectRequest:
    labels: tuple[LabelQuery, ...]
    per_label: int
    providers: tuple[Provider, ...]
    urls_by_label: Mapping[str, Sequence[str]] = field(default_factory=dict)
    """URLs to try for a label before any provider."""
    licenses: frozenset[str] | None = None
    """Allowed license codes (``LICENSES``); None allows all, unknown ones too."""
    rules: ImageRules = field(default_factory=ImageRules)
    dedupe_threshold: int = 8
    concurrency: int = 8
    per_host: int = 2
    oversample: float = 1.5
    """Up to ``per_label * oversample`` candidates per label, to replace refused ones."""


@dataclass(frozen=True)
class Collected:
    label: str
    found: Found
    valid: ValidImage
    phash: int


@dataclass
class CollectStats:
    searched: dict[str, int] = field(default_factory=dict)
    """Candidates found per provider name."""
    downloaded: int = 0
    """Downloads that brought bytes, valid or not."""
    invalid: Counter[str] = field(default_factory=Counter)
    """Per ``InvalidImage.reason``."""
    refused: Counter[str] = field(default_factory=Counter)
    """Per ``FetchRefused.reason``."""
    exact_duplicates: int = 0
    near_duplicates: int = 0
    kept_by_label: dict[str, int] = field(default_factory=dict)
    provider_errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Candidate:
    label: str
    rank: int
    """The label's position in the request, then the candidate's in the label: the order of
    preference everywhere."""
    order: int
    found: Found

    @property
    def key(self) -> str:
        return f"{self.rank}/{self.order}"

    @property
    def host(self) -> str:
        return (urlsplit(self.found.url).hostname or "").lower()


@dataclass(frozen=True)
class _Outcome:
    """What a download (``data`` or ``refused``) or a check (``valid`` or ``invalid``) gave."""

    candidate: _Candidate
    data: bytes | None = None
    refused: str | None = None
    invalid: str | None = None
    valid: ValidImage | None = None
    phash: int = 0


class Collector:
    """Runs ``CollectRequest``s with one ``SafeFetcher`` (shared by all download threads)."""

    def __init__(
        self,
        fetcher: SafeFetcher,
        *,
        log: Callable[[str], None] = lambda message: None,
        progress: Progress = silent,
        stop: Callable[[], bool] = lambda: False,
    ) -> None:
        self.fetcher = fetcher
        self.log = log
        self.progress = progress
        self.stop = stop

    def collect(self, request: CollectRequest) -> tuple[list[Collected], CollectStats]:
        """The images collected per label, label by label in candidate order, and the
        statistics. Raises ``CollectionStopped`` soon after stop() turns true."""
        _check_request(request)
        stats = CollectStats()
        candidates = _Search(self, request, stats).run()
        downloads = _Downloads(self, request, stats, candidates)
        outcomes, decision = downloads.run()
        collected = _selected(request, outcomes, decision)
        stats.exact_duplicates = len(decision.exact_duplicates)
        stats.near_duplicates = len(decision.near_duplicates)
        counts = Counter(item.label for item in collected)
        stats.kept_by_label = {query.label: counts[query.label] for query in request.labels}
        self.log(_summary(stats))
        return collected, stats

    def check_stop(self) -> None:
        if self.stop():
            raise CollectionStopped("the collection was stopped")


def _check_request(request: CollectRequest) -> None:
    check_licenses(request.licenses)
    labels = [query.label for query in request.labels]
    if len(set(labels)) != len(labels):
        raise ValueError("a label is given twice")
    for name in ("per_label", "concurrency", "per_host"):
        if getattr(request, name) < 1:
            raise ValueError(f"{name} must be at least 1")
    if request.oversample < 1:
        raise ValueError("oversample must be at least 1")


class _Search:
    """The search stage: candidates per label, from URL lists first, then providers in order."""

    def __init__(self, collector: Collector, request: CollectRequest, stats: CollectStats) -> None:
        self.collector = collector
        self.request = request
        self.stats = stats
        self.wanted = math.ceil(request.per_label * request.oversample)
        self.failed: set[int] = set()
        """``id`` of providers that failed: they are not asked again in this collection."""
        self.unavailable_logged: set[int] = set()

    def run(self) -> dict[str, list[_Candidate]]:
        labels = self.request.labels
        candidates: dict[str, list[_Candidate]] = {}
        self.collector.progress("search", 0, len(labels), "labels")
        for rank, query in enumerate(labels):
            self.collector.check_stop()
            found = self._label(query)
            candidates[query.label] = [
                _Candidate(query.label, rank, order, item) for order, item in enumerate(found)
            ]
            self.collector.progress("search", rank + 1, len(labels), "labels")
        return candidates

    def _label(self, query: LabelQuery) -> list[Found]:
        found: list[Found] = []
        seen: set[str] = set()
        errors: list[ProviderError] = []
        for provider in self._sources(query.label):
            for terms in self._queries(provider, query):
                if len(found) >= self.wanted:
                    break
                try:
                    self._gather(provider, terms, found, seen)
                except ProviderError as error:
                    self._failed(provider, error)
                    errors.append(error)
                    break
        for failure in errors:
            self.collector.log(self._outcome_line(failure, query.label, found))
        if not errors and len(found) < self.wanted:
            self.collector.log(
                f"the label {query.label!r} has {len(found)} of {self.wanted} candidates"
            )
        return found

    def _sources(self, label: str) -> Iterator[Provider]:
        urls = self.request.urls_by_label.get(label, ())
        providers = [UrlListProvider(urls)] if urls else []
        for provider in [*providers, *self.request.providers]:
            if id(provider) in self.failed:
                continue
            reason = provider.unavailable_reason()
            if reason is None:
                yield provider
            elif id(provider) not in self.unavailable_logged:
                self.unavailable_logged.add(id(provider))
                self.collector.log(f"{provider.name}: unavailable: {reason}")

    def _queries(self, provider: Provider, query: LabelQuery) -> tuple[str, ...]:
        if isinstance(provider, UrlListProvider):
            return (query.label,)  # the list ignores the query: one pass
        return query.queries or (query.label,)

    def _gather(self, provider: Provider, terms: str, found: list[Found], seen: set[str]) -> None:
        licenses = self.request.licenses
        results = provider.search(
            terms, self.wanted - len(found), self.collector.fetcher, licenses=licenses
        )
        for item in results:
            self.collector.check_stop()
            if item.url in seen or not license_allowed(item, licenses):
                continue
            seen.add(item.url)
            found.append(item)
            self.stats.searched[provider.name] = self.stats.searched.get(provider.name, 0) + 1
            if len(found) >= self.wanted:
                return

    def _failed(self, provider: Provider, error: ProviderError) -> None:
        self.failed.add(id(provider))
        self.stats.provider_errors.append(str(error))

    def _outcome_line(self, error: ProviderError, label: str, found: list[Found]) -> str:
        others = sorted({item.provider for item in found} - {error.provider})
        if len(found) >= self.wanted and others:
            return f"{error}; {', '.join(others)} filled the label {label!r}"
        return f"{error}; the label {label!r} has {len(found)} of {self.wanted} candidates"


class _Downloads:
    """The download, validate and deduplicate stages, in rounds until every label is full or
    out of candidates.

    Downloads run on ``concurrency`` threads; each finished download is checked (validated and
    hashed) on a pool the size of the CPU count, so a host slot is held only while bytes arrive.
    """

    def __init__(
        self,
        collector: Collector,
        request: CollectRequest,
        stats: CollectStats,
        candidates: Mapping[str, list[_Candidate]],
    ) -> None:
        self.collector = collector
        self.request = request
        self.stats = stats
        self.queues = {label: deque(items) for label, items in candidates.items()}
        self.outcomes: list[_Outcome] = []
        self.finished = 0
        self.in_flight: dict[Future[_Outcome], _Candidate] = {}
        self.downloading = 0
        self.host_load: Counter[str] = Counter()
        self.label_load: Counter[str] = Counter()
        self.download_pool = ThreadPoolExecutor(request.concurrency, "image-download")
        self.check_pool = ThreadPoolExecutor(CHECK_THREADS, "image-check")

    def run(self) -> tuple[list[_Outcome], Decision]:
        decision = Decision([], {}, {})
        try:
            while needs := self._needs(decision):
                self._round(needs)
                decision = self._deduplicate()
        finally:
            # On a stop, queued work is dropped and running downloads are left to end on their
            # own (the fetcher's timeouts bound them) rather than waited for.
            for pool in (self.download_pool, self.check_pool):
                pool.shutdown(wait=not self.in_flight, cancel_futures=True)
        return self.outcomes, decision

    def _needs(self, decision: Decision) -> dict[str, int]:
        """Valid images still wanted per label that has candidates left."""
        kept = set(decision.kept)
        counts = Counter(o.candidate.label for o in self.outcomes if o.candidate.key in kept)
        return {
            label: self.request.per_label - counts[label]
            for label, queue in self.queues.items()
            if queue and counts[label] < self.request.per_label
        }

    def _round(self, needs: dict[str, int]) -> None:
        successes: Counter[str] = Counter()
        while True:
            self.collector.check_stop()
            self._submit(needs, successes)
            if not self.in_flight:
                return
            done, _ = wait(self.in_flight, timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
            for future in done:
                outcome = self._finish(future)
                if outcome.valid is not None:
                    successes[outcome.candidate.label] += 1
            if done:
                self._report(needs, successes)

    def _submit(self, needs: Mapping[str, int], successes: Counter[str]) -> None:
        """Start downloads, one label after another in turn, while limits allow."""
        started = True
        while started:
            started = False
            for label, need in needs.items():
                if self.downloading >= self.request.concurrency:
                    return
                queue = self.queues[label]
                if not queue or successes[label] + self.label_load[label] >= need:
                    continue
                # Strictly in order within a label: a busy host holds its label back.
                if self.host_load[queue[0].host] >= self.request.per_host:
                    continue
                self._download(queue.popleft())
                started = True

    def _download(self, candidate: _Candidate) -> None:
        future = self.download_pool.submit(_fetch, self.collector.fetcher, candidate)
        self.in_flight[future] = candidate
        self.downloading += 1
        self.host_load[candidate.host] += 1
        self.label_load[candidate.label] += 1

    def _finish(self, future: Future[_Outcome]) -> _Outcome:
        candidate = self.in_flight.pop(future)
        outcome = future.result()
        if outcome.data is not None or outcome.refused is not None:
            self.downloading -= 1
            self.host_load[candidate.host] -= 1
        if outcome.data is not None:
            self.stats.downloaded += 1
            check = self.check_pool.submit(_check, outcome.data, candidate, self.request.rules)
            self.in_flight[check] = candidate
            return outcome
        self.label_load[candidate.label] -= 1
        self.finished += 1
        if outcome.refused is not None:
            self.stats.refused[outcome.refused] += 1
        if outcome.invalid is not None:
            self.stats.invalid[outcome.invalid] += 1
        if outcome.valid is not None:
            self.outcomes.append(outcome)
        return outcome

    def _report(self, needs: Mapping[str, int], successes: Counter[str]) -> None:
        outstanding = sum(
            min(len(self.queues[label]), max(need - successes[label] - self.label_load[label], 0))
            for label, need in needs.items()
        )
        planned = self.finished + len(self.in_flight) + outstanding
        self.collector.progress("download", self.finished, planned, "images")
        wanted = self.request.per_label * len(self.request.labels)
        self.collector.progress("validate", min(len(self.outcomes), wanted), wanted, "images")

    def _deduplicate(self) -> Decision:
        self.outcomes.sort(key=lambda outcome: (outcome.candidate.rank, outcome.candidate.order))
        total = len(self.outcomes)
        self.collector.progress("deduplicate", 0, total, "images")
        decision = deduplicate(
            [_dedupe_candidate(outcome) for outcome in self.outcomes],
            self.request.dedupe_threshold,
        )
        self.collector.progress("deduplicate", total, total, "images")
        return decision


def _fetch(fetcher: SafeFetcher, candidate: _Candidate) -> _Outcome:
    """Runs on a download thread."""
    try:
        return _Outcome(candidate, data=fetcher.get(candidate.found.url).data)
    except FetchRefused as refused:
        return _Outcome(candidate, refused=refused.reason)


def _check(data: bytes, candidate: _Candidate, rules: ImageRules) -> _Outcome:
    """Runs on a check thread: the bytes validated and the image hashed."""
    try:
        valid = validate_image(data, rules)
    except InvalidImage as invalid:
        return _Outcome(candidate, invalid=invalid.reason)
    return _Outcome(candidate, valid=valid, phash=perceptual_hash(valid.image))


def _dedupe_candidate(outcome: _Outcome) -> Candidate:
    valid = outcome.valid
    assert valid is not None  # only valid outcomes are kept
    return Candidate(outcome.candidate.key, valid.sha256, outcome.phash, valid.width * valid.height)


def _selected(
    request: CollectRequest, outcomes: Sequence[_Outcome], decision: Decision
) -> list[Collected]:
    """The kept images, at most ``per_label`` per label, by label then candidate order."""
    kept = set(decision.kept)
    counts: Counter[str] = Counter()
    collected: list[Collected] = []
    for outcome in sorted(outcomes, key=lambda o: (o.candidate.rank, o.candidate.order)):
        label = outcome.candidate.label
        if outcome.candidate.key not in kept or counts[label] >= request.per_label:
            continue
        assert outcome.valid is not None
        counts[label] += 1
        collected.append(Collected(label, outcome.candidate.found, outcome.valid, outcome.phash))
    return collected


def _summary(stats: CollectStats) -> str:
    kept = sum(stats.kept_by_label.values())
    problems = sum(stats.invalid.values()) + sum(stats.refused.values())
    return (
        f"kept {kept} images; {stats.downloaded} downloaded, {problems} refused or invalid, "
        f"{stats.exact_duplicates} exact and {stats.near_duplicates} near duplicates removed"
    )
