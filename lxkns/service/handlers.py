"""The request handlers: discovery endpoints, metrics, health, the OpenAPI document."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Awaitable, Callable

import anyio.to_thread
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .discoveries import Discoveries
from .endpoints import NAMESPACES, Endpoint
from .errors import COMMON_HEADERS, ServiceError
from .etags import none_match
from .openapi import document_bytes

Handler = Callable[[Request], Awaitable[Response]]


def api(discoveries: Discoveries, endpoint: Endpoint) -> Handler:
    """GET/HEAD of a discovery endpoint: 200 with the JSON, or 304 for a matching ETag."""

    async def handle(request: Request) -> Response:
        done = await discoveries.get(endpoint, request.query_params.multi_items())
        r = done.value
        headers = {
            "etag": r.etag,
            "cache-control": "no-cache",
            "age": str(int(max(0.0, time.monotonic() - done.finished))),
            "server-timing": f"discovery;dur={done.seconds * 1000:.1f}",
            "x-content-type-options": "nosniff",
        }
        if none_match(request.headers.get("if-none-match"), r.etag):
            return Response(status_code=304, headers=headers)
        return Response(r.body, media_type="application/json", headers=headers)

    return handle


def not_found(request: Request) -> Response:
    raise ServiceError(404, "not found", f"no API endpoint {request.url.path}")


def metrics(discoveries: Discoveries) -> Handler:
    """Prometheus text format; the discovery gauges are refreshed when older than --max-age,
    but a slow or failing discovery never keeps a scrape from being answered."""

    async def handle(request: Request) -> Response:
        with contextlib.suppress(ServiceError):  # counted in the metrics themselves (timeouts, failures)
            await discoveries.get(NAMESPACES)
        data = await anyio.to_thread.run_sync(generate_latest, discoveries.metrics.registry)
        return Response(data, media_type=CONTENT_TYPE_LATEST, headers=dict(COMMON_HEADERS))

    return handle


def healthz(discoveries: Discoveries) -> Handler:
    """Liveness: fails only when a discovery has hung past --hung-after (a restart helps then)."""

    async def handle(request: Request) -> Response:
        running = discoveries.flights.oldest_running()
        if running > discoveries.config.hung_after:
            detail = f"a discovery has been running for {running:.0f} s"
            return JSONResponse({"status": "hung", "detail": detail}, status_code=503,
                                headers=dict(COMMON_HEADERS))
        return JSONResponse({"status": "ok"}, headers=dict(COMMON_HEADERS))

    return handle


def readyz(discoveries: Discoveries) -> Handler:
    """Readiness: a discovery has finished, and none has been running longer than --timeout."""

    async def handle(request: Request) -> Response:
        running = discoveries.flights.oldest_running()
        if discoveries.latest_summary() is None and discoveries.config.warm_up:
            return JSONResponse({"status": "starting", "detail": "the first discovery has not finished yet"},
                                status_code=503,
                                headers=dict(COMMON_HEADERS))
        if running > discoveries.config.timeout:
            detail = f"a discovery has been running for {running:.0f} s"
            return JSONResponse({"status": "busy", "detail": detail}, status_code=503,
                                headers=dict(COMMON_HEADERS))
        return JSONResponse({"status": "ok"}, headers=dict(COMMON_HEADERS))

    return handle


def openapi() -> Handler:
    body = document_bytes()

    async def handle(request: Request) -> Response:
        return Response(body, media_type="application/json", headers=dict(COMMON_HEADERS))

    return handle
