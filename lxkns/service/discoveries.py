"""Discoveries as the endpoints need them: options from the query, run once, rendered once.

A job runs in a worker thread and does all the heavy work there: the
discovery, its JSON bytes, their ETag and (for the metrics' option set)
the metrics summary. What is kept is only that -- never the graph.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from .._discovery import discover as real_discover
from ..model import DiscoveryOptions
from .config import DiscoverFunction, ServiceConfig
from .endpoints import NAMESPACES, Endpoint
from .etags import etag
from .flights import Done, Flights
from .metrics import ServiceMetrics, Summary
from .queries import apply


@attrs.frozen
class Rendered:
    body: bytes
    etag: str
    summary: Summary | None


class Discoveries:
    """The discovery side of the service: options, single-flight runs, the latest summary."""

    def __init__(self, config: ServiceConfig, discover: DiscoverFunction | None = None) -> None:
        self.config = config
        self._discover: DiscoverFunction = discover or (lambda options: real_discover(options))
        self._summary: Summary | None = None
        self.metrics = ServiceMetrics(self.latest_summary, self.scanner_name())
        self.flights: Flights[Rendered] = Flights(
            max_age=config.max_age, timeout=config.timeout, max_running=config.max_running,
            per_request=config.per_request, observer=self.metrics)
        #: the option set whose discoveries the metrics show: /api/namespaces without a query
        self.metrics_key = (NAMESPACES.name, self.options(NAMESPACES))

    def scanner_name(self) -> str:
        from .. import native_available

        if self.config.native is False or not native_available():
            return "python"
        return "native"

    def options(self, endpoint: Endpoint, query: Iterable[tuple[str, str]] = ()) -> DiscoveryOptions:
        base = endpoint.options(self.config.containers)
        if self.config.native is not None:
            base = base.replace(native=self.config.native)
        return apply(base, query, endpoint.params, self.config.containers)

    def latest_summary(self) -> Summary | None:
        return self._summary

    async def get(self, endpoint: Endpoint, query: Iterable[tuple[str, str]] = (),
                  fresh: bool = True) -> Done[Rendered]:
        options = self.options(endpoint, query)
        key = (endpoint.name, options)
        summarise = key == self.metrics_key
        per_namespace = self.config.per_namespace_metrics

        def job() -> Rendered:
            d = self._discover(options)
            body = endpoint.render(d)
            return Rendered(body, etag(body), Summary.of(d, per_namespace) if summarise else None)

        done = await self.flights.get(key, job, fresh=fresh)
        if done.value.summary is not None and (self._summary is None
                                               or self._summary.finished <= done.value.summary.finished):
            self._summary = done.value.summary
        return done
