"""``/metrics``: the service's own counters, and gauges read from the latest discovery.

The discovery gauges come from a collector that reads the latest summary at
scrape time, so a namespace, container or engine that is gone leaves no
stale series behind. Series per namespace only where asked for
(``--per-namespace-metrics``): a host can have many thousands.
"""

from __future__ import annotations

import platform
import time
from collections import Counter as Tally
from collections.abc import Callable, Iterator

import attrs
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from .._version import __version__
from ..model import Discovery

DURATION_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 25.0, 60.0, 120.0)


@attrs.frozen
class Summary:
    """The numbers of one discovery that the metrics show (small; the graph is not kept)."""

    namespaces: dict[str, int]
    processes: int
    tasks: int
    containers: dict[str, int]
    engines: dict[str, int]
    diagnostics: dict[tuple[str, str], int]
    scanner: str
    finished: float  #: time.time() when it was taken
    per_namespace: tuple[tuple[str, int, int], ...] = ()  #: (type, inode, processes)

    @classmethod
    def of(cls, d: Discovery, per_namespace: bool = False) -> Summary:
        """The numbers the metrics show of a discovery (by namespace too, if asked)."""
        by_type = {t.type_name: len(m) for t, m in d.namespaces.items()}
        diags: Tally[tuple[str, str]] = Tally()
        for diag in d.diagnostics:
            diags[(str(diag.kind), diag.stage)] += diag.count
        rows: tuple[tuple[str, int, int], ...] = ()
        if per_namespace:
            rows = tuple((t.type_name, ns.id.ino, len(ns.processes))
                         for t, m in d.namespaces.items() for ns in m.values())
        return cls(
            namespaces=by_type,
            processes=len(d.processes),
            tasks=sum(len(p.tasks) for p in d.processes.values()),
            containers=dict(Tally(c.type for c in d.containers)),
            engines=dict(Tally(e.type for e in d.container_engines)),
            diagnostics=dict(diags),
            scanner=d.scanner,
            finished=time.time(),
            per_namespace=rows,
        )


class _DiscoveryCollector(Collector):
    """Gauges from the latest summary, made anew at every scrape."""

    def __init__(self, latest: Callable[[], Summary | None]) -> None:
        self._latest = latest

    def collect(self) -> Iterator[Metric]:
        s = self._latest()
        if s is None:
            return
        ns = GaugeMetricFamily("lxkns_namespaces", "Namespaces found by the latest discovery, by type",
                               labels=["type"])
        for name, n in sorted(s.namespaces.items()):
            ns.add_metric([name], n)
        yield ns
        yield GaugeMetricFamily("lxkns_processes", "Processes found by the latest discovery",
                                value=s.processes)
        yield GaugeMetricFamily("lxkns_tasks", "Threads (besides main threads) found by the latest "
                                "discovery", value=s.tasks)
        containers = GaugeMetricFamily("lxkns_containers", "Containers found by the latest discovery, "
                                       "by engine type", labels=["engine"])
        for name, n in sorted(s.containers.items()):
            containers.add_metric([name], n)
        yield containers
        engines = GaugeMetricFamily("lxkns_container_engines", "Container engines found, by type",
                                    labels=["type"])
        for name, n in sorted(s.engines.items()):
            engines.add_metric([name], n)
        yield engines
        diags = GaugeMetricFamily("lxkns_diagnostics",
                                  "Problems the latest discovery met (denied, vanished, ...), "
                                  "by kind and stage",
                                  labels=["kind", "stage"])
        for (kind, stage), n in sorted(s.diagnostics.items()):
            diags.add_metric([kind, stage], n)
        yield diags
        yield GaugeMetricFamily("lxkns_last_discovery_timestamp_seconds",
                                "When the latest discovery that these gauges show finished (Unix time)",
                                value=s.finished)
        if s.per_namespace:
            per = GaugeMetricFamily("lxkns_namespace_processes", "Processes in each namespace",
                                    labels=["type", "inode"])
            for t, ino, n in s.per_namespace:
                per.add_metric([t, str(ino)], n)
            yield per


class ServiceMetrics:
    """The metrics of one app, in a registry of its own."""

    registry: CollectorRegistry
    discoveries: Counter
    failures: Counter
    timeouts: Counter
    duration: Histogram
    in_flight: Gauge
    waiters: Gauge
    requests: Counter

    def __init__(self, latest: Callable[[], Summary | None], scanner: str) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        info = Gauge("lxkns_build_info", "lxkns version, Python version and scanner (always 1)",
                     ["version", "python", "scanner"], registry=r)
        info.labels(__version__, platform.python_version(), scanner).set(1)
        self.discoveries = Counter("lxkns_discoveries", "Discoveries run (finished, failed or not)",
                                   registry=r)
        self.failures = Counter("lxkns_discovery_failures", "Discoveries that failed", registry=r)
        self.timeouts = Counter("lxkns_discovery_timeouts",
                                "Requests answered 503 because their discovery took longer than --timeout",
                                registry=r)
        self.duration = Histogram("lxkns_discovery_duration_seconds", "How long discoveries take",
                                  buckets=DURATION_BUCKETS, registry=r)
        self.in_flight = Gauge("lxkns_discoveries_in_flight", "Discoveries running now", registry=r)
        self.waiters = Gauge("lxkns_discovery_waiters", "Requests waiting for a running discovery",
                             registry=r)
        self.requests = Counter("lxkns_http_requests", "HTTP requests answered, by route and status code",
                                ["route", "code"], registry=r)
        r.register(_DiscoveryCollector(latest))

    # FlightObserver
    def started(self) -> None:
        """A discovery started."""
        self.in_flight.inc()

    def finished(self, seconds: float, ok: bool) -> None:
        """A discovery ended after ``seconds``, well or not."""
        self.in_flight.dec()
        self.discoveries.inc()
        self.duration.observe(seconds)
        if not ok:
            self.failures.inc()

    def waiting(self, delta: int) -> None:
        """``delta`` more (or fewer) requests wait for a running discovery."""
        self.waiters.inc(delta)

    def timed_out(self) -> None:
        """A request was answered 503 because its discovery took too long."""
        self.timeouts.inc()
