"""Unary gRPC calls over a unix socket, with messages of the protobuf runtime.

grpcio is an optional dependency (``pip install lxkns[containerd]``): it is
imported on first use, and its absence is a GrpcMissing error, which the
discovery turns into a diagnostic. grpcio starts its own threads for a
channel; they end shortly after the last channel is closed, and
:func:`settle` waits for that so that a discovery leaves no thread behind.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any

from . import transport
from .errors import (
    Deadline,
    EngineDenied,
    EngineError,
    EngineProtocolError,
    EngineTimeout,
    EngineUnreachable,
    EngineUnsupported,
    GrpcMissing,
)
from .protobuf import Method, R
from .records import Endpoint

if TYPE_CHECKING:
    from google.protobuf.message import Message

_OPTIONS = [
    ("grpc.enable_http_proxy", 0),
    ("grpc.max_receive_message_length", 64 << 20),
    ("grpc.enable_retries", 0),
]
_CONNECT_SLACK = 0.1  # seconds a connection attempt may outlive the calls on it
#: names (comm) of the threads grpcio's core starts
GRPC_THREADS = frozenset({"grpc_global_tim", "event_engine", "lifeguard", "default-executo",
                          "resolver-execu", "timer_manager", "grpc_health_che"})


def _grpc() -> Any:
    try:
        import grpc
    except ImportError as exc:
        raise GrpcMissing(f"grpcio is not installed: {exc}") from None
    return grpc


def available() -> bool:
    try:
        _grpc()
    except GrpcMissing:
        return False
    return True


class Channel:
    """One gRPC channel to a unix socket; use as a context manager."""

    def __init__(self, endpoint: Endpoint | str, deadline: Deadline) -> None:
        self._grpc = _grpc()
        self.deadline = deadline
        self._fd = -1
        ep = transport.endpoint_of(endpoint)
        # grpcio gives a connection attempt at least the "minimal reconnect backoff" to
        # complete its handshake (20 s by default), even after the channel is closed: a
        # daemon that accepts and never answers would keep a socket and grpcio's threads
        # alive that long. Bound it by the time this engine has, plus a little, so that
        # a call times out (rather than fails to connect) first.
        connect_ms = int((deadline.left() + _CONNECT_SLACK) * 1000)
        options = [*_OPTIONS, ("grpc.min_reconnect_backoff_ms", connect_ms),
                   ("grpc.initial_reconnect_backoff_ms", 100), ("grpc.max_reconnect_backoff_ms", connect_ms)]
        # grpcio connects (and reconnects) on its own, through an fd of the socket file held
        # as long as the channel: who answers there is checked once, by a probe connection
        with transport.socket_fd(ep) as fd:
            self._fd = os.dup(fd)
        try:
            transport.probe(ep._replace(root="", inner=f"/proc/self/fd/{self._fd}"), deadline.left())
            self._channel = self._grpc.insecure_channel(f"unix:/proc/self/fd/{self._fd}", options=options)
        except BaseException:
            os.close(self._fd)
            self._fd = -1
            raise

    def call(self, method: Method[R], request: Message | None = None, *,
             metadata: tuple[tuple[str, str], ...] = (), package: str | None = None) -> R:
        """One unary call (``request`` empty if None), its answer read as ``method`` says;
        ``package`` swaps the service's package (same messages)."""
        grpc = self._grpc
        if request is None:
            request = method.request()
        stub = self._channel.unary_unary(
            method.path(package),
            request_serializer=_serialize,
            response_deserializer=method.response_class().FromString,
        )
        what = method.path(package)
        try:
            result: R = stub(request, timeout=self.deadline.left(), metadata=metadata or None)
            return result
        except grpc.RpcError as exc:
            raise _classify(grpc, exc, what) from None

    def close(self) -> None:
        self._channel.close()
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> Channel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _serialize(message: Message) -> bytes:
    return message.SerializeToString()


def _classify(grpc: Any, exc: Any, what: str) -> EngineError:
    code = exc.code() if callable(getattr(exc, "code", None)) else None
    details = exc.details() if callable(getattr(exc, "details", None)) else str(exc)
    text = f"{what}: {details}"
    if code == grpc.StatusCode.DEADLINE_EXCEEDED:
        return EngineTimeout(text)
    if code == grpc.StatusCode.UNIMPLEMENTED:
        return EngineUnsupported(text)
    if code == grpc.StatusCode.UNAVAILABLE:
        if details and "ermission denied" in details:
            return EngineDenied(text)
        return EngineUnreachable(text)
    if code == grpc.StatusCode.PERMISSION_DENIED:
        return EngineDenied(text)
    return EngineProtocolError(f"{what}: {code}: {details}")


def _grpc_threads() -> int:
    count = 0
    try:
        tids = os.listdir("/proc/self/task")
    except OSError:
        return 0
    for tid in tids:
        try:
            with open(f"/proc/self/task/{tid}/comm", encoding="utf-8", errors="replace") as f:
                if f.read().strip() in GRPC_THREADS:
                    count += 1
        except OSError:
            continue
    return count


def grpc_threads() -> int:
    """How many of grpcio's threads run in this process right now."""
    return _grpc_threads()


def settle(baseline: int, timeout: float = 1.0) -> bool:
    """Wait until no more of grpcio's threads run than ``baseline``; False on timeout."""
    end = time.monotonic() + timeout
    delay = 0.0005
    while _grpc_threads() > baseline:
        if time.monotonic() >= end:
            return False
        time.sleep(delay)
        delay = min(delay * 2, 0.02)
    return True
