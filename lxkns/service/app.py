"""The ASGI app: routes, guards, error answers, and the warm-up discovery at start."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp

from . import errors, handlers, startup
from .accesslog import AccessLog
from .config import DiscoverFunction, ServiceConfig
from .counting import CountRequests
from .discoveries import Discoveries
from .endpoints import ENDPOINTS
from .hosts import HostGuard, HostPolicy
from .methods import ReadOnly
from .webui import WebUI

log: logging.Logger = logging.getLogger("lxkns.service")

#: seconds the start waits for the first discovery, to name the engines it found
STARTUP_WAIT = 5.0


async def _service_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, errors.ServiceError)
    return errors.response(exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return errors.error_response(exc.status_code, exc.detail.lower() if exc.detail else "error",
                                 f"{request.method} {request.url.path}", exc.headers)


async def _internal_error(request: Request, exc: Exception) -> Response:
    log.exception("internal error answering %s %s", request.method, request.url.path)
    return errors.error_response(500, "internal error", f"{type(exc).__name__}: {exc}")


class Service:
    """The app and what it holds: the discoveries, the web UI, the stop switch."""

    def __init__(self, config: ServiceConfig, discover: DiscoverFunction | None = None) -> None:
        self.config = config
        self.discoveries: Discoveries = Discoveries(config, discover)
        self.web: WebUI = WebUI(config.web_root)
        self.started: asyncio.Event = asyncio.Event()
        routes = [Route(e.path, handlers.api(self.discoveries, e), methods=["GET"], name=e.name)
                  for e in ENDPOINTS]
        routes += [
            Route("/api/openapi.json", handlers.openapi(config.containers), methods=["GET"]),
            Route("/api", handlers.not_found, methods=["GET"]),
            Route("/api/{rest:path}", handlers.not_found, methods=["GET"]),
            Route("/metrics", handlers.metrics(self.discoveries), methods=["GET"]),
            Route("/healthz", handlers.healthz(self.discoveries), methods=["GET"]),
            Route("/readyz", handlers.readyz(self.discoveries), methods=["GET"]),
            Route("/{path:path}", self.web.handle, methods=["GET"]),
        ]
        self.starlette: Starlette = Starlette(
            routes=routes, lifespan=self._lifespan,
            exception_handlers={errors.ServiceError: _service_error, HTTPException: _http_error,
                                Exception: _internal_error})
        app: ASGIApp = ReadOnly(self.starlette)
        app = CountRequests(app, self.discoveries.metrics.requests)
        app = HostGuard(app, HostPolicy(config.allow_hosts))
        self.app: ASGIApp = AccessLog(app) if config.access_log else app

    def _first_done(self, first: asyncio.Future[Any], web_ui: bool) -> None:
        if first.cancelled() or first.exception() is not None:
            log.warning("first discovery failed: %s", "cancelled" if first.cancelled() else first.exception())
            return
        log.info("first discovery finished: engines=%s",
                 startup.engines_text(self.discoveries.latest_summary(), self.config.containers))

    def stop(self) -> None:
        """Answer every request that waits for a discovery now (called when a stop begins)."""
        self.discoveries.flights.stop()

    @contextlib.asynccontextmanager
    async def _lifespan(self, app: Starlette) -> AsyncIterator[None]:
        web_ui = self.web.available()
        if not web_ui:
            log.warning("no web UI: %s is missing%s", self.config.web_root,
                        "" if self.config.web_root_given else
                        " (this installation has no built web UI; use --web-root DIR)")
        line = startup.line(self.config, self.discoveries.scanner_name(), None, web_ui)
        if self.config.warm_up:  # the first discovery; readiness waits for it, the start a little
            self.discoveries.refresh_metrics()
            first = await self.discoveries.flights.settle(self.discoveries.metrics_key,
                                                          min(self.config.timeout, STARTUP_WAIT))
            if first is not None and not first.done():
                log.info("%s", line)
                first.add_done_callback(lambda f: self._first_done(f, web_ui))
            else:
                log.info("%s", startup.line(self.config, self.discoveries.scanner_name(),
                                            self.discoveries.latest_summary(), web_ui))
        else:
            log.info("%s", line)
        self.started.set()
        yield


def create_app(config: ServiceConfig | None = None, discover: DiscoverFunction | None = None) -> Service:
    """The service for ``config``; its ASGI app is ``.app``. ``discover`` replaces
    :func:`lxkns.discover` (tests use it to make discoveries slow on purpose)."""
    return Service(config or ServiceConfig(), discover)
