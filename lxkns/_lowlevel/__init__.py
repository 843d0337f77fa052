"""The low-level layer: one scan of the kernel's view, as raw records.

:func:`scan` runs the native helper when it can be loaded and the
pure-Python scanner otherwise (or when asked to). Nothing above this
package imports ``lxkns._native``.
"""

from __future__ import annotations

import errno
from typing import Protocol

from ..errors import ScanError
from . import parsers
from .records import (
    LINK_NAMES,
    LINK_TYPE,
    NLINKS,
    NTYPES,
    BindMountRecord,
    Failure,
    FailureRecord,
    FdRecord,
    Missing,
    MntnsRecord,
    NsRecord,
    Origin,
    ProcRecord,
    ScanFlags,
    ScanRequest,
    ScanResult,
    SocketRecord,
)

try:
    from . import native as _native
except ImportError as _exc:  # no compiled module: the pure scanner serves
    _native = None  # type: ignore[assignment]
    NATIVE_IMPORT_ERROR: str | None = str(_exc)
else:
    NATIVE_IMPORT_ERROR = None


def native_available() -> bool:
    """Whether the compiled scanner could be loaded."""
    return _native is not None


class PendingScan(Protocol):
    """A scan whose /proc walk is done while its later steps (sockets, mount tables) may
    still run: ``walked()`` is what the walk found (processes, threads, fds; the other
    parts empty), ``finish()`` the whole result once the later steps are done, ``close()``
    releases everything (call it in any case, finished or not)."""

    def walked(self) -> ScanResult: ...

    def finish(self) -> ScanResult: ...

    def close(self) -> None: ...


def start(req: ScanRequest, *, native: bool | None = None) -> PendingScan:
    """Walk /proc and start the later steps of a scan; the native scanner runs them in a
    thread of its own, so that the caller can work on the walk's records meanwhile.

    ``native``: True forces the compiled scanner (ScanError if missing), False
    the pure-Python one, None picks the compiled one when available.
    """
    if native is None:
        native = _native is not None
    if native:
        if _native is None:
            raise ScanError(errno.ENOSYS, f"the native scanner is not available: {NATIVE_IMPORT_ERROR}")
        return _native.start(req)
    from . import pure

    return pure.start(req)


def scan(req: ScanRequest, *, native: bool | None = None) -> ScanResult:
    """Scan the kernel's view of namespaces once (see :func:`start` for ``native``)."""
    pending = start(req, native=native)
    try:
        return pending.finish()
    finally:
        pending.close()


__all__ = [
    "LINK_NAMES", "LINK_TYPE", "NATIVE_IMPORT_ERROR", "NLINKS", "NTYPES", "BindMountRecord",
    "Failure", "FailureRecord", "FdRecord", "Missing", "MntnsRecord", "NsRecord", "Origin",
    "PendingScan", "ProcRecord", "ScanFlags", "ScanRequest", "ScanResult", "SocketRecord",
    "native_available", "parsers", "scan", "start",
]
