"""Image collection benchmark: images collected per second from the local provider stub, every
request answered after a fixed latency (50 ms: a far-away image host), 200 images across 4
labels on 2 hosts (127.0.0.1 and localhost).

    .venv/bin/python -m benchmarks.collect [--latency 0.05] [--per-label 50] [--repeat 5]

Compares our ``Collector`` (download, validate, hash and deduplicate; 8 download threads, at
most 4 per host) with a plain sequential httpx loop that only downloads the same URLs. The stub
runs in a process of its own, as a remote host would. Each method is timed ``--repeat`` times
and its best run counts. Prints a table with the ratio and the most concurrent requests the stub
saw per host, and writes benchmarks/results/collect.json.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path

import httpx
from tests.support.provider_stub import ProviderStub, good

from synthfoundry.images.collect import Collector, CollectRequest, LabelQuery
from synthfoundry.images.fetch import FetchPolicy, SafeFetcher

RESULTS = Path(__file__).parent / "results"
LABELS = ("cat", "dog", "fox", "owl")
HOSTS = ("127.0.0.1", "localhost")
CONCURRENCY = 8
PER_HOST = 4
TARGET_RATIO = 5.0


def scenario(stub: ProviderStub, per_label: int) -> dict[str, list[str]]:
    """Each label's image URLs, half of the labels on each host."""
    return {
        label: stub.add_label(
            label, [good() for _ in range(per_label)], host=HOSTS[index % len(HOSTS)]
        )
        for index, label in enumerate(LABELS)
    }


def sequential(urls: dict[str, list[str]]) -> int:
    """The baseline: one httpx client, one URL after another, bodies only."""
    count = 0
    with httpx.Client() as client:
        for label_urls in urls.values():
            for url in label_urls:
                response = client.get(url)
                response.raise_for_status()
                count += bool(response.content)
    return count


def collector(urls: dict[str, list[str]], per_label: int) -> int:
    request = CollectRequest(
        labels=tuple(LabelQuery(label, (label,)) for label in urls),
        per_label=per_label,
        providers=(),
        urls_by_label=urls,
        concurrency=CONCURRENCY,
        per_host=PER_HOST,
    )
    with SafeFetcher(FetchPolicy(allowed_hosts=frozenset(HOSTS))) as fetcher:
        collected, _ = Collector(fetcher).collect(request)
    return len(collected)


def best_rate(run: Callable[[], int], repeat: int) -> tuple[int, float]:
    """(images, best images per second) over ``repeat`` runs."""
    best = 0.0
    images = 0
    for _ in range(repeat):
        started = time.perf_counter()
        images = run()
        best = max(best, images / (time.perf_counter() - started))
    return images, best


def serve(connection: Connection, latency: float, per_label: int) -> None:
    """The stub in a process of its own, as a remote host would be: its threads do not compete
    with the collector's for this process's interpreter lock. Sends the scenario's URLs, waits
    for a word, then sends the most concurrent requests seen per host."""
    with ProviderStub(latency=latency) as stub:
        connection.send(scenario(stub, per_label))
        connection.recv()
        connection.send(stub.max_concurrent())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--per-label", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    ours, theirs = multiprocessing.get_context("spawn").Pipe()
    server = multiprocessing.get_context("spawn").Process(
        target=serve, args=(theirs, args.latency, args.per_label), daemon=True
    )
    server.start()
    try:
        urls: dict[str, list[str]] = ours.recv()
        base_images, base_rate = best_rate(lambda: sequential(urls), args.repeat)
        ours_images, ours_rate = best_rate(lambda: collector(urls, args.per_label), args.repeat)
        ours.send("done")
        seen: dict[str, int] = ours.recv()
    finally:
        server.join(timeout=10)
        server.kill()
    per_host = {host.split(":")[0]: count for host, count in seen.items()}
    ratio = ours_rate / base_rate
    limits_kept = max(per_host.values()) <= PER_HOST
    rows = [
        ("sequential httpx loop", base_images, base_rate),
        (f"Collector ({CONCURRENCY} threads, {PER_HOST} per host)", ours_images, ours_rate),
    ]
    print(
        f"\nImage collection on {os.cpu_count()} cores: {len(LABELS) * args.per_label} images, "
        f"{len(LABELS)} labels, {len(HOSTS)} hosts, {args.latency * 1000:.0f} ms per request, "
        f"best of {args.repeat}"
    )
    print(f"{'method':<36} {'images':>7} {'images/s':>9}")
    for method, images, rate in rows:
        print(f"{method:<36} {images:>7} {rate:>9.1f}")
    print(f"ratio {ratio:.1f}x (target >= {TARGET_RATIO:g}x)")
    print(
        f"most concurrent requests per host: {per_host} "
        f"(limit {PER_HOST}: {'kept' if limits_kept else 'EXCEEDED'})"
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "collect.json").write_text(
        json.dumps(
            {
                "machine": {"cores": os.cpu_count(), "python": platform.python_version()},
                "setup": {
                    "images": len(LABELS) * args.per_label,
                    "labels": len(LABELS),
                    "hosts": len(HOSTS),
                    "latency_seconds": args.latency,
                    "concurrency": CONCURRENCY,
                    "per_host": PER_HOST,
                    "repeat": args.repeat,
                },
                "results": [
                    {"method": method, "images": images, "images_per_second": round(rate, 1)}
                    for method, images, rate in rows
                ],
                "ratio": round(ratio, 2),
                "max_concurrent_per_host": per_host,
                "per_host_limit_kept": limits_kept,
            },
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
