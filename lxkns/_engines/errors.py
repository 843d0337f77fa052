"""Why an engine could not be queried; the discovery stage turns these into diagnostics."""

from __future__ import annotations

import errno
import os
import time


class EngineError(Exception):
    """An engine call failed; ``reason`` is a short, fixed phrase for grouping diagnostics."""

    reason = "failed"


class EngineTimeout(EngineError):
    reason = "did not answer in time"


class EngineUnreachable(EngineError):
    reason = "cannot be reached"


class EngineImpostor(EngineUnreachable):
    """The socket a path leads to now is not the one the engine was seen listening on."""

    reason = "is not behind the socket it was seen listening on"


class EngineDenied(EngineError):
    reason = "may not be connected to (permission denied)"


class EngineProtocolError(EngineError):
    reason = "answered something unexpected"


class EngineUnsupported(EngineError):
    """The endpoint does not speak this API (tried the next one, if any)."""

    reason = "does not serve this API"


class GrpcMissing(EngineError):
    reason = "needs grpcio and protobuf (pip install lxkns[containerd])"


def from_oserror(what: str, exc: OSError) -> EngineError:
    """EngineDenied where permissions keep us from an engine (a directory on the socket's path
    we may not search, a socket we may not write to), EngineUnreachable otherwise."""
    if exc.errno in (errno.EACCES, errno.EPERM):
        return EngineDenied(f"{what}: {os.strerror(exc.errno)}")
    if exc.errno is not None:
        return EngineUnreachable(f"{what}: {os.strerror(exc.errno)}")
    return EngineUnreachable(f"{what}: {exc}")


class Deadline:
    """A point in time (monotonic clock) by which all calls to one engine must be done."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        """Seconds left; EngineTimeout once there are none."""
        left = self.end - time.monotonic()
        if left <= 0:
            raise EngineTimeout(f"no answer within {self.seconds:g} s")
        return left
