"""One access-log line per request: client, request line, status, bytes, seconds."""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log: logging.Logger = logging.getLogger("lxkns.service.access")


def _client(scope: Scope) -> str:
    client = scope.get("client")
    if not client:
        return "-"
    host, port = client[0], client[1]
    return f"[{host}]:{port}" if ":" in str(host) else f"{host}:{port}"


class AccessLog:
    """ASGI middleware: one log line per answered request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not log.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        started = time.monotonic()
        status = 0
        size = 0

        async def logged(message: Message) -> None:
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, logged)
        finally:
            target = scope.get("raw_path", scope["path"].encode()).decode("latin-1")
            if scope.get("query_string"):
                target += "?" + scope["query_string"].decode("latin-1")
            log.info('%s "%s %s HTTP/%s" %s %d %.3fs', _client(scope), scope["method"], target[:2000],
                     scope.get("http_version", "1.1"), status or "-", size, time.monotonic() - started)
