"""Counting answers by route and status code (``lxkns_http_requests_total``).

Routes are a fixed small set of names, never raw paths, so that scanners
probing random paths cannot blow up the number of series.
"""

from __future__ import annotations

from prometheus_client import Counter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_FIXED = {"/api/namespaces": "namespaces", "/api/processes": "processes", "/api/pidmap": "pidmap",
          "/api/openapi.json": "openapi", "/metrics": "metrics", "/healthz": "healthz", "/readyz": "readyz"}


def route_of(path: str) -> str:
    """The route a request path counts under in the metrics (a bounded set of labels)."""
    if path in _FIXED:
        return _FIXED[path]
    if path == "/api" or path.startswith("/api/"):
        return "api-other"
    return "web"


class CountRequests:
    """ASGI middleware: counts the answered requests by route and status."""

    def __init__(self, app: ASGIApp, counter: Counter) -> None:
        self.app = app
        self.counter = counter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500

        async def counted(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, counted)
        finally:
            self.counter.labels(route_of(scope["path"]), str(status)).inc()
