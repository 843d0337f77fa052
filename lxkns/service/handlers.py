"""The request handlers: discovery endpoints, metrics, health, the OpenAPI document."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import anyio.to_thread
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from .discoveries import Discoveries
from .endpoints import Endpoint
from .errors import COMMON_HEADERS, ServiceError
from .etags import none_match
from .openapi import document_bytes

Handler = Callable[[Request], Awaitable[Response]]

#: bytes per ASGI message of a large answer
CHUNK = 256 * 1024


class ChunkedResponse(Response):
    """A large answer in chunks: the server's flow control then holds back a slow client,
    instead of every connection buffering a whole copy (64 clients x 16 MB on a big host)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = memoryview(self.body)
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        if scope.get("method") == "HEAD":
            await send({"type": "http.response.body", "body": b""})
            return
        for start in range(0, max(len(body), 1), CHUNK):
            end = start + CHUNK
            await send({"type": "http.response.body", "body": bytes(body[start:end]),
                        "more_body": end < len(body)})


def api(discoveries: Discoveries, endpoint: Endpoint) -> Handler:
    """GET/HEAD of a discovery endpoint: 200 with the JSON, or 304 for a matching ETag."""

    async def handle(request: Request) -> Response:
        done = await discoveries.get(endpoint, request.query_params.multi_items())
        r = done.value
        body, tag = r.body, r.etag
        compressed = r.gzipped is not None and accepts_gzip(request.headers.get("accept-encoding", ""))
        if compressed:
            assert r.gzipped is not None
            body, tag = r.gzipped, r.gzip_etag
        headers = {
            "etag": tag,
            "vary": "Accept-Encoding",
            "cache-control": "no-cache",
            "age": str(int(max(0.0, time.monotonic() - done.finished))),
            "server-timing": f"discovery;dur={done.seconds * 1000:.1f}",
            "x-content-type-options": "nosniff",
        }
        if compressed:
            headers["content-encoding"] = "gzip"
        if none_match(request.headers.get("if-none-match"), tag):
            headers.pop("content-encoding", None)
            return Response(status_code=304, headers=headers)
        return ChunkedResponse(body, media_type="application/json", headers=headers)

    return handle


def accepts_gzip(header: str) -> bool:
    """Whether an Accept-Encoding header admits gzip (``gzip``, ``*``; not with ``q=0``)."""
    verdict = None
    for item in header.split(","):
        name, _, params = item.strip().partition(";")
        name = name.strip().lower()
        q = 1.0
        for p in params.split(";"):
            key, _, value = p.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if name == "gzip" or (name in ("*", "x-gzip") and verdict is None):
            verdict = q > 0
    return bool(verdict)


def not_found(request: Request) -> Response:
    """404 for any other path under /api."""
    raise ServiceError(404, "not found", f"no API endpoint {request.url.path}")


def metrics(discoveries: Discoveries) -> Handler:
    """Prometheus text format, answered at once: the discovery gauges show the latest
    finished discovery (lxkns_last_discovery_timestamp_seconds says when); a scrape that
    finds it older than --max-age starts a new one for the next scrape."""

    async def handle(request: Request) -> Response:
        discoveries.refresh_metrics()
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


def openapi(containers: bool) -> Handler:
    """The handler answering the OpenAPI document."""
    body = document_bytes(containers)

    async def handle(request: Request) -> Response:
        return Response(body, media_type="application/json", headers=dict(COMMON_HEADERS))

    return handle
