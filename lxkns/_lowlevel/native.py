"""Typed wrappers around the native scanner ``lxkns._native``.

One Python function per C entry point; each checks what the C side returned
and raises :class:`~lxkns.errors.ScanError` (or ``ParseError``) instead of
handing out error codes. Nothing outside this module touches ``ffi``/``lib``.
"""

from __future__ import annotations

import os
import struct
from typing import Any, NewType

from lxkns._native import ffi, lib

from ..errors import ParseError, ScanError
from .parsers import MountInfo, StatFields, mount_options_of, super_options_of, tags_of
from .records import (
    BindMountRecord,
    FailureRecord,
    FdRecord,
    Missing,
    MntnsRecord,
    NsRecord,
    ProcRecord,
    ScanFlags,
    ScanRequest,
    ScanResult,
    SocketRecord,
)

#: a scan in progress: the cdata ``struct lxkns_scan *`` of lxkns_scan_new, opaque to all
#: but the functions here (a type of its own, so that nothing else can be passed for it)
Handle = NewType("Handle", object)

_PROC = struct.Struct("=9q10Q10Q")
_FD = struct.Struct("=4qQ")
_SOCK = struct.Struct("=Q2qQq")
_MNTNS = struct.Struct("=Q3q2Qq")
_MOUNT = struct.Struct("=Q4q7Q12Qq")
_BIND = struct.Struct("=QqQ2Qq")
_NS = struct.Struct("=2Q2q2Q5q")
_FAIL = struct.Struct("=5q")
_STAT = struct.Struct("=8q2Q")

for _layout, _ctype in (
    (_PROC, "struct lxkns_proc"), (_FD, "struct lxkns_fd"), (_SOCK, "struct lxkns_socket"),
    (_MNTNS, "struct lxkns_mntns"), (_MOUNT, "struct lxkns_mount"), (_BIND, "struct lxkns_bindmount"),
    (_NS, "struct lxkns_ns"),
    (_FAIL, "struct lxkns_failure"), (_STAT, "struct lxkns_stat"),
):
    if _layout.size != ffi.sizeof(_ctype):  # pragma: no cover - a build that drifted from this file
        raise ImportError(f"lxkns._native: {_ctype} has an unexpected size")

_NO_NS = (0,) * 10


def _raise(code: int, what: str) -> None:
    if code < 0:
        raise ScanError(-code, f"native scan: {what}: {os.strerror(-code)}")


def scan_new(procfs: str, flags: int, link_mask: int) -> Handle:
    """lxkns_scan_new: open the procfs root and prepare an empty scan."""
    handle = lib.lxkns_scan_new(os.fsencode(procfs), flags, link_mask)
    if handle == ffi.NULL:
        err = ffi.errno
        raise ScanError(err, f"cannot open procfs root {procfs!r}: {os.strerror(err)}")
    return Handle(handle)


def scan_walk(handle: Handle, workers: int) -> None:
    """lxkns_scan_walk: the /proc walk (processes, tasks, fds), with ``workers`` threads."""
    _raise(lib.lxkns_scan_walk(handle, workers), "walking /proc")


def scan_sockets(handle: Handle) -> None:
    """lxkns_scan_sockets: the network namespace of every distinct socket."""
    _raise(lib.lxkns_scan_sockets(handle), "reading socket namespaces")


def scan_mounts(handle: Handle) -> None:
    """lxkns_scan_mounts: the mount table of every mount namespace, bind mounts in it."""
    _raise(lib.lxkns_scan_mounts(handle), "reading mount namespaces")


def scan_free(handle: Handle) -> None:
    """lxkns_scan_free: release everything the scan holds."""
    lib.lxkns_scan_free(handle)


def _array(getter: Any, handle: Handle, ctype: str, layout: struct.Struct) -> list[tuple[Any, ...]]:
    out = ffi.new(ctype + " **")
    n = getter(handle, out)
    if not n:
        return []
    return list(layout.iter_unpack(ffi.buffer(out[0], n * layout.size)))


def _text(strings: bytes, off: int, length: int) -> str:
    return strings[off : off + length].decode("utf-8", "surrogateescape")


def _proc(strings: bytes, r: tuple[Any, ...]) -> ProcRecord:
    cmd_off, cmd_len = r[21], r[22]
    cmdline: tuple[str, ...] = ()
    if cmd_len:
        raw = strings[cmd_off : cmd_off + cmd_len].rstrip(b"\0")
        cmdline = tuple(a.decode("utf-8", "surrogateescape") for a in raw.split(b"\0"))
    nspid = tuple(int(p) for p in strings[r[25] : r[25] + r[26]].split()) if r[26] else ()
    return ProcRecord(
        r[0], r[1], r[2], chr(r[3]), r[4], r[5], r[6], r[7], r[8], r[9:19],
        _text(strings, r[19], r[20]), cmdline, _text(strings, r[23], r[24]) if r[24] else "", nspid,
        _text(strings, r[27], r[28]) if r[28] else "",
    )


def _mount_tables(strings: bytes, handle: Handle) -> dict[int, list[MountInfo]]:
    """The statmount() records of the scan, as mount tables by mount namespace."""
    tables: dict[int, list[MountInfo]] = {}
    has_subtype, has_source, has_opts = lib.LXKNS_HAS_SUBTYPE, lib.LXKNS_HAS_SOURCE, lib.LXKNS_HAS_OPTS
    for r in _array(lib.lxkns_scan_mounts_list, handle, "struct lxkns_mount", _MOUNT):
        has = r[24]
        fstype = strings[r[16] : r[16] + r[17]].decode("utf-8", "surrogateescape")
        if has & has_subtype and r[19]:
            fstype += "." + strings[r[18] : r[18] + r[19]].decode("utf-8", "surrogateescape")
        opts = strings[r[22] : r[22] + r[23]].decode("utf-8", "surrogateescape") if has & has_opts else None
        table = tables.get(r[0])
        if table is None:
            table = tables[r[0]] = []
        table.append(MountInfo(
            r[1], r[2], r[3], r[4],
            strings[r[12] : r[12] + r[13]].decode("utf-8", "surrogateescape"),
            strings[r[14] : r[14] + r[15]].decode("utf-8", "surrogateescape"),
            mount_options_of(r[5]), tags_of(r[6], r[7], r[8], r[9]), fstype,
            strings[r[20] : r[20] + r[21]].decode("utf-8", "surrogateescape") if has & has_source
            else "none",
            super_options_of(r[10], opts),
        ))
    return tables


def scan_records(handle: Handle, req: ScanRequest) -> ScanResult:
    """Copy every record array out of the scan (before scan_free)."""
    sp = ffi.new("char **")
    n = lib.lxkns_scan_strings(handle, sp)
    strings = bytes(ffi.buffer(sp[0], n)) if n else b""
    procs = tuple(_proc(strings, r)
                  for r in _array(lib.lxkns_scan_procs, handle, "struct lxkns_proc", _PROC))
    tasks = tuple(_proc(strings, r)
                  for r in _array(lib.lxkns_scan_tasks, handle, "struct lxkns_proc", _PROC))
    fds = tuple(FdRecord(*r) for r in _array(lib.lxkns_scan_fds, handle, "struct lxkns_fd", _FD))
    socks = tuple(SocketRecord(*r)
                  for r in _array(lib.lxkns_scan_socks, handle, "struct lxkns_socket", _SOCK))
    keep = bool(req.flags & ScanFlags.KEEP_MOUNTINFO)
    tables = _mount_tables(strings, handle) if req.flags & ScanFlags.LISTMOUNT else {}
    listed = lib.LXKNS_VIA_LISTMOUNT
    mntns = tuple(
        MntnsRecord(r[0], r[1], r[2], r[3],
                    _text(strings, r[4], r[5]) if keep and not r[3] and r[6] != listed else None,
                    tuple(tables.get(r[0], ())) if r[6] == listed else None)
        for r in _array(lib.lxkns_scan_mntnss, handle, "struct lxkns_mntns", _MNTNS)
    )
    binds = tuple(
        BindMountRecord(r[0], r[1], r[2], _text(strings, r[3], r[4]), r[5])
        for r in _array(lib.lxkns_scan_bindmounts, handle, "struct lxkns_bindmount", _BIND)
    )
    nss = tuple(NsRecord(*r) for r in _array(lib.lxkns_scan_nss, handle, "struct lxkns_ns", _NS))
    fails = tuple(FailureRecord(*r)
                  for r in _array(lib.lxkns_scan_failures, handle, "struct lxkns_failure", _FAIL))
    return ScanResult(
        procs, tasks, fds, socks, mntns, binds, nss, fails,
        Missing(lib.lxkns_scan_features(handle)), lib.lxkns_scan_nsfs_dev(handle),
        lib.lxkns_scan_self_pidns(handle), "native",
    )


def scan(req: ScanRequest) -> ScanResult:
    """Run a whole scan natively; see :func:`lxkns._lowlevel.scan`."""
    handle = scan_new(req.procfs, int(req.flags), req.link_mask)
    try:
        scan_walk(handle, req.workers)
        scan_sockets(handle)
        if req.mounts:
            scan_mounts(handle)
        return scan_records(handle, req)
    finally:
        scan_free(handle)


def parse_stat(data: bytes) -> StatFields:
    """lxkns_parse_stat: the C stat parser (the scanner's own), for tests and tools."""
    out = ffi.new("struct lxkns_stat *")
    if lib.lxkns_parse_stat(data, len(data), out) != 0:
        raise ParseError("stat line", data, "rejected by the native parser")
    comm = data[out.comm_off : out.comm_off + out.comm_len]
    return StatFields(out.pid, comm, chr(out.state), out.ppid, out.nice, out.nthreads,
                      out.starttime, out.priority, out.policy)


def parse_nslink(data: bytes) -> tuple[int, int]:
    """lxkns_parse_nslink: ``type:[ino]`` -> (type index, inode), C version."""
    link = ffi.new("int64_t *")
    ino = ffi.new("uint64_t *")
    if lib.lxkns_parse_nslink(data, len(data), link, ino) != 0:
        raise ParseError("namespace text", data, "rejected by the native parser")
    return int(link[0]), int(ino[0])


def unescape_octal(data: bytes) -> bytes:
    """lxkns_unescape_octal: mountinfo escape decoding, C version."""
    buf = ffi.new("char[]", data)
    n = lib.lxkns_unescape_octal(buf, len(data))
    return bytes(ffi.buffer(buf, n))


def sandbox_start(userns_fd: int, mntns_fd: int) -> tuple[int, int]:
    """lxkns_sandbox_start: a forked child in a user (-1: none) and a mount namespace.

    Returns (PID, hold fd): the child stays until the hold fd is closed. OSError
    if it could not enter; its ``filename`` says which namespace ("user"/"mnt").
    """
    pid = ffi.new("int64_t *")
    hold = ffi.new("int *")
    step = ffi.new("int *")
    r = lib.lxkns_sandbox_start(userns_fd, mntns_fd, pid, hold, step)
    if r < 0:
        which = {1: "user", 2: "mnt"}.get(step[0])
        raise OSError(-r, os.strerror(-r), which)
    return int(pid[0]), int(hold[0])


def constants() -> dict[str, int]:
    """The kernel constants the module was compiled with."""
    names = ("CLONE_NEWNS", "CLONE_NEWCGROUP", "CLONE_NEWUTS", "CLONE_NEWIPC", "CLONE_NEWUSER",
             "CLONE_NEWPID", "CLONE_NEWNET", "CLONE_NEWTIME", "CLONE_FS", "NS_GET_USERNS",
             "NS_GET_PARENT", "NS_GET_NSTYPE", "NS_GET_OWNER_UID", "SIOCGSKNS",
             "SYS_pidfd_open", "SYS_pidfd_getfd", "SYS_openat2", "RESOLVE_IN_ROOT",
             "RESOLVE_NO_MAGICLINKS")
    return {name: int(getattr(lib, name)) for name in names}
