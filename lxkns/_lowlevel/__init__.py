"""The low-level layer: one scan of the kernel's view, as raw records.

:func:`scan` runs the native helper when it can be loaded and the
pure-Python scanner otherwise (or when asked to). Nothing above this
package imports ``lxkns._native``.
"""

from __future__ import annotations

import errno
import os
from typing import Protocol

from ..errors import ScanError
from . import parsers, syscalls
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

PROC_SUPER_MAGIC = 0x9FA0

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


#: LXKNS_ASSUME_MISSING names (comma-separated) of kernel features to treat as missing
_FEATURE_NAMES = {"openat2": Missing.OPENAT2, "pidfd": Missing.PIDFD, "ns_ioctls": Missing.NS_IOCTLS,
                  "owner_uid": Missing.OWNER_UID, "siocgskns": Missing.SIOCGSKNS,
                  "listmount": Missing.LISTMOUNT}


def assumed_missing() -> Missing:
    """Kernel features LXKNS_ASSUME_MISSING says to treat as missing (to test the fallbacks)."""
    found = Missing(0)
    for name in os.environ.get("LXKNS_ASSUME_MISSING", "").replace(" ", "").lower().split(","):
        found |= _FEATURE_NAMES.get(name, Missing(0))
    return found


def procfs_is_own(procfs: str) -> bool:
    """Whether ``procfs`` is a procfs of this process' own PID namespace.

    Only then are its PIDs ours to use in syscalls (sched_getaffinity, pidfd_open),
    and only then are its files what the kernel writes. It must be a procfs whose
    ``self`` is this process, and in which this process has a single PID (so that
    its PID namespace is the procfs' one).
    """
    try:
        fd = os.open(procfs, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        if syscalls.fs_type(fd) != PROC_SUPER_MAGIC:
            return False
        if os.readlink("self", dir_fd=fd) != str(os.getpid()):
            return False
        status_fd = os.open("self/status", os.O_RDONLY | os.O_CLOEXEC, dir_fd=fd)
        try:
            status = syscalls.read_all(status_fd)
        finally:
            os.close(status_fd)
        nspid = parsers.nspid_from_status(status)
        return len(nspid.split()) <= 1  # no NSpid line: a kernel before 4.1
    except OSError:
        return False
    finally:
        os.close(fd)


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
    the pure-Python one, None picks the compiled one when available. A procfs
    that is not this process' own is scanned with ScanFlags.FOREIGN.
    """
    if not procfs_is_own(req.procfs):
        req = req._replace(flags=req.flags | ScanFlags.FOREIGN)
    missing = req.assume_missing | assumed_missing()
    if missing != req.assume_missing:
        req = req._replace(assume_missing=missing)
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
    "assumed_missing", "native_available", "parsers", "procfs_is_own", "scan", "start",
]
