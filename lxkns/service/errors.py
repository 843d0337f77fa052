"""JSON error answers: every error the service gives is ``{"error": ..., "detail": ...}``."""

from __future__ import annotations

import json
from collections.abc import Mapping

from starlette.responses import Response
from starlette.types import Send

#: headers every answer carries
COMMON_HEADERS = {"x-content-type-options": "nosniff", "cache-control": "no-store"}


class ServiceError(Exception):
    """An error that becomes an HTTP answer: status, a short error text and a detail."""

    def __init__(self, status: int, error: str, detail: str = "",
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(f"{status} {error}: {detail}" if detail else f"{status} {error}")
        self.status = status
        self.error = error
        self.detail = detail
        self.headers: dict[str, str] = dict(headers or {})


class QueryError(ServiceError):
    """A malformed or unknown query parameter (400)."""

    def __init__(self, detail: str) -> None:
        super().__init__(400, "bad query", detail)


def body(error: str, detail: str = "") -> bytes:
    """The JSON body of an error answer."""
    return json.dumps({"error": error, "detail": detail}).encode()


def response(exc: ServiceError) -> Response:
    """The answer to a ServiceError."""
    return error_response(exc.status, exc.error, exc.detail, exc.headers)


def error_response(status: int, error: str, detail: str = "",
                   headers: Mapping[str, str] | None = None) -> Response:
    """An error answer with a JSON body and the common headers."""
    return Response(body(error, detail), status_code=status, media_type="application/json",
                    headers={**COMMON_HEADERS, **(headers or {})})


async def send_error(send: Send, status: int, error: str, detail: str = "",
                     headers: Mapping[str, str] | None = None) -> None:
    """An error answer straight on the ASGI channel (for middlewares in front of the app)."""
    content = body(error, detail)
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(content)).encode())]
    raw += [(k.encode(), v.encode()) for k, v in {**COMMON_HEADERS, **(headers or {})}.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": content})
