"""The service's settings: what ``lxkns serve`` was started with."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import attrs

from ..model import Discovery, DiscoveryOptions

#: what runs a discovery; the real one is :func:`lxkns.discover`, tests inject slow ones
DiscoverFunction = Callable[[DiscoveryOptions], Discovery]

#: the web UI shipped as package data (built by the web UI's own sources)
DEFAULT_WEB_ROOT = Path(__file__).resolve().parent / "web"


def _positive(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not value > 0:
        raise ValueError(f"{attribute.name} must be more than 0, not {value}")


def _not_negative(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not value >= 0:
        raise ValueError(f"{attribute.name} must not be negative, not {value}")


@attrs.frozen(kw_only=True)
class ServiceConfig:
    """Everything the app and the server need to know, checked once.

    ``max_age``: seconds a discovery is served again before a new one runs;
    ``stale``: seconds past that during which it is still served at once while
    the new one runs (stale-while-revalidate; 0: requests wait for the new one);
    ``timeout``: seconds a request waits for a discovery before it gets 503;
    ``grace``: seconds a stop waits for requests in progress;
    ``hung_after``: seconds after which a discovery still running makes
    ``/healthz`` fail (so that an orchestrator restarts the service);
    ``max_running``: discoveries (of different option sets) that may run
    at once; ``per_request``: no cache and no sharing, one discovery per
    request (what the Go lxkns does; for comparisons only);
    ``allow_hosts``: Host header names accepted besides loopback names,
    IP literals and this machine's own names (``*`` accepts any;
    ``.example.com`` any name under it); ``per_namespace_metrics`` adds a
    series per namespace to ``/metrics``.
    """

    host: str = "127.0.0.1"
    port: int = 5010
    max_age: float = attrs.field(default=1.0, converter=float, validator=_not_negative)
    timeout: float = attrs.field(default=30.0, converter=float, validator=_positive)
    grace: float = attrs.field(default=15.0, converter=float, validator=_not_negative)
    hung_after: float = attrs.field(default=300.0, converter=float, validator=_positive)
    max_running: int = attrs.field(default=4, validator=attrs.validators.ge(1))
    per_request: bool = False
    stale: float = attrs.field(default=0.0, converter=float, validator=_not_negative)
    containers: bool = True
    web_root: Path = DEFAULT_WEB_ROOT
    web_root_given: bool = False
    allow_hosts: tuple[str, ...] = ()
    per_namespace_metrics: bool = False
    access_log: bool = True
    warm_up: bool = True
    native: bool | None = None
