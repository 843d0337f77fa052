"""HTTP/1.1 over a unix socket with a hard deadline, standard library only.

Docker's Engine API and podman's APIs are HTTP on a unix socket. Every
blocking socket operation gets the time left until the deadline as its
timeout, so a daemon that accepts and then hangs (or trickles bytes) costs
at most the deadline.
"""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Mapping
from typing import Any

from . import transport
from .errors import (
    Deadline,
    EngineError,
    EngineProtocolError,
    EngineTimeout,
    from_oserror,
)
from .records import Endpoint

MAX_BODY = 64 << 20


class _DeadlineSocket(socket.socket):
    """A socket whose every send and receive may only take the time left."""

    deadline: Deadline

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        self.settimeout(self.deadline.left())
        return super().recv_into(buffer, nbytes, flags)

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        self.settimeout(self.deadline.left())
        return super().recv(bufsize, flags)

    def sendall(self, data: Any, flags: int = 0) -> None:
        self.settimeout(self.deadline.left())
        super().sendall(data, flags)


def classify(exc: BaseException, what: str) -> EngineError:
    """The EngineError for an OSError (or timeout) while talking to an engine."""
    if isinstance(exc, EngineError):
        return exc
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return EngineTimeout(f"{what}: timed out")
    if isinstance(exc, OSError):
        return from_oserror(what, exc)
    if isinstance(exc, (http.client.HTTPException, ValueError)):
        return EngineProtocolError(f"{what}: {type(exc).__name__}: {exc}")
    return EngineProtocolError(f"{what}: {exc!r}")


class UnixHTTPConnection(http.client.HTTPConnection):
    """http.client over a unix socket, every operation bounded by one deadline.

    The socket is reached through an fd of its file (see :mod:`.transport`),
    whatever the length of its path.
    """

    def __init__(self, endpoint: Endpoint | str, deadline: Deadline) -> None:
        super().__init__("localhost", timeout=deadline.seconds)
        self.endpoint = transport.endpoint_of(endpoint)
        self.unix_path = self.endpoint.path
        self.deadline = deadline

    def connect(self) -> None:
        sock = _DeadlineSocket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
        sock.deadline = self.deadline
        try:
            sock.settimeout(self.deadline.left())
            transport.connect(sock, self.endpoint)
        except BaseException:
            sock.close()
            raise
        self.sock = sock


class Response:
    def __init__(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise EngineProtocolError(f"not JSON: {exc}") from None


def get(conn: UnixHTTPConnection, url: str) -> Response:
    """GET ``url`` on a kept-alive connection; EngineError subclasses for every failure."""
    resp: http.client.HTTPResponse | None = None
    try:
        conn.request("GET", url, headers={"Accept": "application/json"})
        resp = conn.getresponse()
        length = resp.getheader("Content-Length")
        if length is not None and length.isdigit() and int(length) > MAX_BODY:
            raise EngineProtocolError(f"GET {url}: answer of {length} bytes is too large")
        body = resp.read(MAX_BODY + 1)
        if len(body) > MAX_BODY:
            raise EngineProtocolError(f"GET {url}: answer is too large")
        headers = {k.lower(): v for k, v in resp.getheaders()}
        return Response(resp.status, headers, body)
    except Exception as exc:
        # a response half read keeps its own reference to the socket: close both now, not
        # whenever the exception's traceback is collected
        if resp is not None:
            resp.close()
        conn.close()
        raise classify(exc, f"GET {url}") from None
