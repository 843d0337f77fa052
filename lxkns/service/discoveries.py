"""Discoveries as the endpoints need them: options from the query, run once, rendered once.

A job runs in a worker thread and does all the heavy work there: the
discovery, its JSON bytes, their ETag and (for the metrics' option set)
the metrics summary. What is kept is only that -- never the graph.
"""

from __future__ import annotations

import gzip
import threading
from collections.abc import Callable, Iterable

import attrs

from .._discovery import discover as real_discover
from ..model import DiscoveryOptions
from .config import DiscoverFunction, ServiceConfig
from .endpoints import NAMESPACES, Endpoint
from .etags import etag
from .flights import Done, Flights
from .metrics import ServiceMetrics, Summary
from .queries import apply

#: answers smaller than this are not worth compressing
GZIP_MIN = 1024


@attrs.frozen
class Rendered:
    """An answer as the endpoints serve it: the JSON bytes, their gzip form, their tags."""

    body: bytes
    etag: str
    summary: Summary | None
    gzipped: bytes | None = None  #: the same, gzip-compressed (level 1: fast, ~10x smaller)
    gzip_etag: str = ""


class Discoveries:
    """The discovery side of the service: options, single-flight runs, the latest summary."""

    def __init__(self, config: ServiceConfig, discover: DiscoverFunction | None = None) -> None:
        self.config = config
        self._discover: DiscoverFunction = discover or (lambda options: real_discover(options))
        self._summary: Summary | None = None
        self._lock = threading.Lock()
        self.metrics: ServiceMetrics = ServiceMetrics(self.latest_summary, self.scanner_name())
        self.flights: Flights[Rendered] = Flights(
            max_age=config.max_age, timeout=config.timeout, max_running=config.max_running,
            per_request=config.per_request, observer=self.metrics, stale=config.stale)
        #: the option set whose discoveries the metrics show: /api/namespaces without a query
        self.metrics_key: tuple[str, DiscoveryOptions] = (NAMESPACES.name, self.options(NAMESPACES))

    def scanner_name(self) -> str:
        """Which scanner the discoveries use, ``native`` or ``python``."""
        from .._lowlevel import native_available

        if self.config.native is False or not native_available():
            return "python"
        return "native"

    def options(self, endpoint: Endpoint, query: Iterable[tuple[str, str]] = ()) -> DiscoveryOptions:
        """The discovery options for an endpoint and a request's query."""
        base = endpoint.options(self.config.containers)
        if self.config.native is not None:
            base = base.replace(native=self.config.native)
        return apply(base, query, endpoint.params, self.config.containers)

    def latest_summary(self) -> Summary | None:
        """What the metrics show of the latest standard discovery, if one finished."""
        return self._summary

    def _job(self, endpoint: Endpoint, options: DiscoveryOptions) -> Callable[[], Rendered]:
        summarise = (endpoint.name, options) == self.metrics_key
        per_namespace = self.config.per_namespace_metrics

        def job() -> Rendered:  # in a worker thread
            d = self._discover(options)
            body = endpoint.render(d)
            summary = Summary.of(d, per_namespace) if summarise else None
            if summary is not None:
                with self._lock:
                    if self._summary is None or self._summary.finished <= summary.finished:
                        self._summary = summary
            gz = gzip.compress(body, compresslevel=1, mtime=0) if len(body) >= GZIP_MIN else None
            return Rendered(body, etag(body), summary, gz, etag(gz) if gz is not None else "")

        return job

    async def get(self, endpoint: Endpoint, query: Iterable[tuple[str, str]] = ()) -> Done[Rendered]:
        """The rendered discovery for this endpoint and query (QueryError, or a 503/500 error)."""
        options = self.options(endpoint, query)
        return await self.flights.get((endpoint.name, options), self._job(endpoint, options))

    def refresh_metrics(self) -> None:
        """Start a discovery for the metrics if theirs is older than max-age; wait for nothing."""
        _, options = self.metrics_key
        self.flights.ensure(self.metrics_key, self._job(NAMESPACES, options))
