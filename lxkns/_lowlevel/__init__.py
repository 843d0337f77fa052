"""The low-level layer: one scan of the kernel's view, as raw records.

:func:`scan` runs the native helper when it can be loaded and the
pure-Python scanner otherwise (or when asked to). Nothing above this
package imports ``lxkns._native``.
"""

from __future__ import annotations

import errno

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


def scan(req: ScanRequest, *, native: bool | None = None) -> ScanResult:
    """Scan the kernel's view of namespaces once.

    ``native``: True forces the compiled scanner (ScanError if missing), False
    the pure-Python one, None picks the compiled one when available.
    """
    if native is None:
        native = _native is not None
    if native:
        if _native is None:
            raise ScanError(errno.ENOSYS, f"the native scanner is not available: {NATIVE_IMPORT_ERROR}")
        return _native.scan(req)
    from . import pure

    return pure.scan(req)


__all__ = [
    "LINK_NAMES", "LINK_TYPE", "NATIVE_IMPORT_ERROR", "NLINKS", "NTYPES", "BindMountRecord",
    "Failure", "FailureRecord", "FdRecord", "Missing", "MntnsRecord", "NsRecord", "Origin",
    "ProcRecord", "ScanFlags", "ScanRequest", "ScanResult", "SocketRecord", "native_available",
    "parsers", "scan",
]
