"""Read-only: GET and HEAD only, 405 (with Allow) for every other method, on every path."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from .errors import send_error

ALLOWED = ("GET", "HEAD")


class ReadOnly:
    """ASGI middleware: only GET and HEAD; 405 for every other method."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in ALLOWED:
            await send_error(send, 405, "method not allowed",
                             f"{scope['method'][:20]}: this service only reads; use GET or HEAD",
                             {"allow": "GET, HEAD"})
            return
        await self.app(scope, receive, send)
