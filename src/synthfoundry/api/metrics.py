from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from synthfoundry.logging import get_logger

logger = get_logger("synthfoundry.api.metrics")

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class HttpMetrics:
    """Prometheus metrics of one app, in a registry of its own (several apps can share a
    process in tests without clashing in the global registry)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        self.requests = Counter(
            "synthfoundry_http_requests",
            "HTTP requests handled, by route template, method and status code.",
            ("method", "route", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "synthfoundry_http_request_duration_seconds",
            "Time from request start to response end, by route template and method.",
            ("method", "route"),
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def add_collector(self, collector: Collector) -> None:
        """Figures read at scrape time (``PlatformGauges``)."""
        self.registry.register(collector)

    def remove_collector(self, collector: Collector) -> None:
        self.registry.unregister(collector)

    def render(self) -> bytes:
        return generate_latest(self.registry)


@dataclass(frozen=True)
class PlatformFigures:
    jobs_by_status: dict[str, int]
    queue_depth: dict[str, int]
    workers_alive: int
    workers_stale: int


@dataclass(frozen=True)
class LiveFigures:
    websockets: int
    event_streams: int


class PlatformGauges:
    """Jobs by status, queue depth, workers and live connections, read when Prometheus scrapes
    (one grouped query per family). If the database does not answer, the scrape still succeeds
    with the other figures and ``synthfoundry_monitoring_up 0``."""

    def __init__(
        self, platform: Callable[[], PlatformFigures], live: Callable[[], LiveFigures]
    ) -> None:
        self.platform = platform
        self.live = live

    def collect(self) -> Iterator[Metric]:
        live = self.live()
        yield GaugeMetricFamily(
            "synthfoundry_websocket_connections",
            "Open job-event WebSockets of this API process.",
            value=live.websockets,
        )
        yield GaugeMetricFamily(
            "synthfoundry_event_streams",
            "Open job-event Server-Sent Event streams of this API process.",
            value=live.event_streams,
        )
        try:
            figures = self.platform()
        except Exception as exc:
            logger.warning("could not read the platform's figures", error=repr(exc))
            yield GaugeMetricFamily(
                "synthfoundry_monitoring_up", "Whether the database answered.", value=0
            )
            return
        yield GaugeMetricFamily(
            "synthfoundry_monitoring_up", "Whether the database answered.", value=1
        )
        jobs = GaugeMetricFamily(
            "synthfoundry_jobs", "Jobs in the database, by status.", labels=("status",)
        )
        for status, count in figures.jobs_by_status.items():
            jobs.add_metric((status,), count)
        yield jobs
        depth = GaugeMetricFamily(
            "synthfoundry_queue_depth", "Jobs waiting for a worker, by queue.", labels=("queue",)
        )
        for queue, count in figures.queue_depth.items():
            depth.add_metric((queue,), count)
        yield depth
        workers = GaugeMetricFamily(
            "synthfoundry_workers",
            "Registered workers: alive (a recent heartbeat) or stale.",
            labels=("state",),
        )
        workers.add_metric(("alive",), figures.workers_alive)
        workers.add_metric(("stale",), figures.workers_stale)
        yield workers
