"""Typed wrappers around the native scanner ``lxkns._native``.

One Python function per C entry point; each checks what the C side returned
and raises :class:`~lxkns.errors.ScanError` (or ``ParseError``) instead of
handing out error codes. Nothing outside this module touches ``ffi``/``lib``.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Iterable, Iterator
from operator import itemgetter
from typing import Any, NewType, TypeVar

from lxkns._native import ffi, lib

from ..errors import ParseError, ScanError
from .layouts import Layout
from .parsers import MountInfo, StatFields, mount_options_of, super_options_of, tags_of
from .records import (
    NLINKS,
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
#: but the functions here (a type of its own, so that nothing else can be passed for one)
Handle = NewType("Handle", object)
#: a record getter of a scan (lxkns_scan_procs & co.): points its second argument at the
#: scan's array of records and returns how many there are
Getter = Callable[[Handle, Any], int]
_R = TypeVar("_R")

_PROC = Layout(ffi, "struct lxkns_proc")
_FD = Layout(ffi, "struct lxkns_fd")
_SOCK = Layout(ffi, "struct lxkns_socket")
_MNTNS = Layout(ffi, "struct lxkns_mntns")
_MOUNT = Layout(ffi, "struct lxkns_mount")
_BIND = Layout(ffi, "struct lxkns_bindmount")
_NS = Layout(ffi, "struct lxkns_ns")
_FAIL = Layout(ffi, "struct lxkns_failure")
_TEXT = Layout(ffi, "struct lxkns_text")


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


def _buffer(getter: Getter, handle: Handle, layout: Layout) -> Any:
    """The memory of the records a getter returns (empty if there are none)."""
    out = ffi.new(layout.ctype + " **")
    n = getter(handle, out)
    return ffi.buffer(out[0], n * layout.size) if n else b""


def _array(getter: Getter, handle: Handle, layout: Layout) -> Iterator[Any]:
    """The records a getter returns, as named tuples."""
    return layout.unpack(_buffer(getter, handle, layout))


def _records_as(getter: Getter, handle: Handle, layout: Layout,
                record: Callable[[Iterable[int]], _R]) -> Iterator[_R]:
    """The records a getter returns, made straight as ``record`` (fields as the C fields)."""
    return layout.unpack_as(_buffer(getter, handle, layout), record)


def _text(strings: bytes, off: int, length: int) -> str:
    return strings[off : off + length].decode("utf-8", "surrogateescape")


class _Texts:
    """The scan's distinct texts (lxkns_scan_texts), each decoded once, as a record needs it."""

    def __init__(self, strings: bytes, handle: Handle) -> None:
        self.raw = [strings[t.off : t.off + t.len] for t in _array(lib.lxkns_scan_texts, handle, _TEXT)]
        self.text = [b.decode("utf-8", "surrogateescape") for b in self.raw]
        self.cmdlines: dict[int, tuple[str, ...]] = {0: ()}  # text index -> arguments, as decoded
        self._nspids: dict[int, tuple[int, ...]] = {0: ()}

    def cmdline(self, i: int) -> tuple[str, ...]:
        found = self.cmdlines.get(i)
        if found is None:
            args = self.raw[i].rstrip(b"\0").split(b"\0")
            found = self.cmdlines[i] = tuple(a.decode("utf-8", "surrogateescape") for a in args)
        return found

    def nspid(self, i: int) -> tuple[int, ...]:
        found = self._nspids.get(i)
        if found is None:
            found = self._nspids[i] = tuple(int(p) for p in self.raw[i].split())
        return found


_PROC_FIELDS = ("pid", "tgid", "ppid", "state", "starttime", "nice", "priority", "policy", "nthreads",
                "comm", "cmdline", "cgroup", "nspid", "affinity")
_PROC_PICK = itemgetter(*(_PROC.at(name) for name in _PROC_FIELDS))
_PROC_NS = slice(_PROC.at("ns"), _PROC.at("ns") + NLINKS)


def _procs(getter: Getter, handle: Handle, texts: _Texts) -> tuple[ProcRecord, ...]:
    """The process or task records of the scan (the hot loop of reading a scan)."""
    text, cmdline, nspid, pick, ns = texts.text, texts.cmdline, texts.nspid, _PROC_PICK, _PROC_NS
    cmdlines = texts.cmdlines
    new, record = tuple.__new__, ProcRecord  # the NamedTuple's own __new__ is a Python function
    found = []
    for r in _PROC.flat(_buffer(getter, handle, _PROC)):
        pid, tgid, ppid, state, start, nice, prio, policy, nthreads, comm, cmd, cg, nsp, aff = pick(r)
        args = cmdlines.get(cmd)
        if args is None:
            args = cmdline(cmd)
        found.append(new(record, (pid, tgid, ppid, chr(state), start, nice, prio, policy, nthreads, r[ns],
                                  text[comm], args, text[cg], nspid(nsp) if nsp else (), text[aff])))
    return tuple(found)


def _mount_tables(strings: bytes, handle: Handle) -> dict[int, list[MountInfo]]:
    """The statmount() records of the scan, as mount tables by mount namespace."""
    tables: dict[int, list[MountInfo]] = {}
    has_subtype, has_source, has_opts = lib.LXKNS_HAS_SUBTYPE, lib.LXKNS_HAS_SOURCE, lib.LXKNS_HAS_OPTS
    for r in _array(lib.lxkns_scan_mounts_list, handle, _MOUNT):
        fstype = _text(strings, r.fstype_off, r.fstype_len)
        if r.has & has_subtype and r.subtype_len:
            fstype += "." + _text(strings, r.subtype_off, r.subtype_len)
        opts = _text(strings, r.opts_off, r.opts_len) if r.has & has_opts else None
        table = tables.get(r.mntns)
        if table is None:
            table = tables[r.mntns] = []
        table.append(MountInfo(
            r.mount_id, r.parent_id, r.major, r.minor, _text(strings, r.root_off, r.root_len),
            _text(strings, r.point_off, r.point_len),
            mount_options_of(r.attr), tags_of(r.propagation, r.peer_group, r.master, r.propagate_from),
            fstype, _text(strings, r.source_off, r.source_len) if r.has & has_source else "none",
            super_options_of(r.sb_flags, opts),
        ))
    return tables


def _strings(handle: Handle) -> bytes:
    sp = ffi.new("char **")
    n = lib.lxkns_scan_strings(handle, sp)
    return bytes(ffi.buffer(sp[0], n)) if n else b""


def _walked(handle: Handle, texts: _Texts, foreign: bool) -> ScanResult:
    """What the walk found: processes, threads, fds (read while the later steps may run)."""
    return ScanResult(
        _procs(lib.lxkns_scan_procs, handle, texts), _procs(lib.lxkns_scan_tasks, handle, texts),
        tuple(_records_as(lib.lxkns_scan_fds, handle, _FD, FdRecord._make)),
        (), (), (), (), (), Missing(0), lib.lxkns_scan_nsfs_dev(handle), lib.lxkns_scan_self_pidns(handle),
        "native", foreign,
    )


def _finished(handle: Handle, req: ScanRequest, walked: ScanResult) -> ScanResult:
    """Everything else, once the later steps are done."""
    strings = _strings(handle)
    socks = tuple(_records_as(lib.lxkns_scan_socks, handle, _SOCK, SocketRecord._make))
    keep = bool(req.flags & ScanFlags.KEEP_MOUNTINFO)
    tables = _mount_tables(strings, handle) if req.flags & ScanFlags.LISTMOUNT else {}
    listed = lib.LXKNS_VIA_LISTMOUNT
    mntns = tuple(
        MntnsRecord(r.ino, r.pid, r.tid, r.err,
                    _text(strings, r.text_off, r.text_len) if keep and not r.err and r.method != listed
                    else None,
                    tuple(tables.get(r.ino, ())) if r.method == listed else None)
        for r in _array(lib.lxkns_scan_mntnss, handle, _MNTNS)
    )
    binds = tuple(BindMountRecord(r.mntns, r.link, r.ino, _text(strings, r.path_off, r.path_len), r.err)
                  for r in _array(lib.lxkns_scan_bindmounts, handle, _BIND))
    nss = tuple(_records_as(lib.lxkns_scan_nss, handle, _NS, NsRecord._make))
    fails = tuple(_records_as(lib.lxkns_scan_failures, handle, _FAIL, FailureRecord._make))
    return walked._replace(sockets=socks, mntns=mntns, bindmounts=binds, namespaces=nss, failures=fails,
                           missing=Missing(lib.lxkns_scan_features(handle)))


class PendingScan:
    """A native scan whose walk is done and whose later steps (sockets, mount tables) run in
    a thread of the scanner's own meanwhile: :meth:`walked` reads what the walk found,
    :meth:`finish` waits for the rest; :meth:`close` releases the scan (always call it)."""

    def __init__(self, req: ScanRequest) -> None:
        self._req = req
        handle = scan_new(req.procfs, int(req.flags), req.link_mask)
        self._handle: Handle | None = handle
        self._walked: ScanResult | None = None
        try:
            if req.assume_missing:
                scan_assume_missing(handle, int(req.assume_missing))
            scan_walk(handle, req.workers)
            self._texts = _Texts(_strings(handle), handle)  # before the strings grow
            _raise(lib.lxkns_scan_finish_start(handle, int(req.mounts)),
                   "starting to read sockets and mount namespaces")
        except BaseException:
            self.close()
            raise

    def _scan(self) -> Handle:
        """The scan's handle; ScanError once closed (the C side would read freed memory)."""
        if self._handle is None:
            raise ScanError(errno.EBADF, "the scan is closed")
        return self._handle

    def walked(self) -> ScanResult:
        handle = self._scan()
        if self._walked is None:
            self._walked = _walked(handle, self._texts, bool(self._req.flags & ScanFlags.FOREIGN))
        return self._walked

    def finish(self) -> ScanResult:
        walked = self.walked()
        handle = self._scan()
        _raise(lib.lxkns_scan_finish_wait(handle), "reading sockets and mount namespaces")
        result = _finished(handle, self._req, walked)
        scan_status(handle)  # after the copies: copying the namespaces may fail too
        return result

    def close(self) -> None:
        if self._handle is not None:
            scan_free(self._handle)  # waits for the later steps if they still run
            self._handle = None


def scan_records(handle: Handle, req: ScanRequest) -> ScanResult:
    """Copy every record array out of a scan whose steps are all done (before scan_free)."""
    result = _finished(handle, req, _walked(handle, _Texts(_strings(handle), handle),
                                            bool(req.flags & ScanFlags.FOREIGN)))
    scan_status(handle)
    return result


def start(req: ScanRequest) -> PendingScan:
    """Walk /proc natively and start the later steps; see :func:`lxkns._lowlevel.start`."""
    return PendingScan(req)


def scan_assume_missing(handle: Handle, missing: int) -> None:
    """lxkns_scan_assume_missing: treat kernel features as missing (Missing bits)."""
    lib.lxkns_scan_assume_missing(handle, missing)


def scan_status(handle: Handle) -> None:
    """lxkns_scan_status: ScanError if the scan lost records (an allocation failed)."""
    _raise(lib.lxkns_scan_status(handle), "records lost")


def scan(req: ScanRequest) -> ScanResult:
    """Run a whole scan natively; see :func:`lxkns._lowlevel.scan`."""
    pending = PendingScan(req)
    try:
        return pending.finish()
    finally:
        pending.close()


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


def parse_mountinfo_line(data: bytes) -> tuple[int, bytes, bytes, bytes]:
    """lxkns_parse_mountinfo_line: (mount ID, root, mount point, fstype), C version."""
    out = ffi.new("struct lxkns_mountinfo_line *")
    if lib.lxkns_parse_mountinfo_line(data, len(data), out) != 0:
        raise ParseError("mountinfo line", data, "rejected by the native parser")
    return (int(out.mount_id), data[out.root_off : out.root_off + out.root_len],
            data[out.point_off : out.point_off + out.point_len],
            data[out.fstype_off : out.fstype_off + out.fstype_len])


def open_in_root(rootfd: int, path: str, *, force_walk: bool = False) -> int:
    """lxkns_open_in_root: the C scanner's root-confined resolver (OSError on failure)."""
    fd = lib.lxkns_open_in_root(rootfd, os.fsencode(path), int(force_walk))
    if fd < 0:
        raise OSError(-fd, os.strerror(-fd), path)
    return int(fd)


def sandbox_start(userns_fd: int, mntns_fd: int) -> tuple[int, int, int]:
    """lxkns_sandbox_start: a forked child in a user (-1: none) and a mount namespace.

    Returns (PID, hold fd, root fd): the child stays until the hold fd is closed;
    the root fd (O_PATH) is its root directory. OSError if it could not enter;
    its ``filename`` says which step failed ("user", "mnt" or "root").
    """
    pid = ffi.new("int64_t *")
    hold = ffi.new("int *")
    root = ffi.new("int *")
    step = ffi.new("int *")
    r = lib.lxkns_sandbox_start(userns_fd, mntns_fd, pid, hold, root, step)
    if r < 0:
        which = {1: "user", 2: "mnt", 3: "root"}.get(step[0])
        raise OSError(-r, os.strerror(-r), which)
    return int(pid[0]), int(hold[0]), int(root[0])


def constants() -> dict[str, int]:
    """The kernel constants the module was compiled with."""
    names = ("CLONE_NEWNS", "CLONE_NEWCGROUP", "CLONE_NEWUTS", "CLONE_NEWIPC", "CLONE_NEWUSER",
             "CLONE_NEWPID", "CLONE_NEWNET", "CLONE_NEWTIME", "CLONE_FS", "NS_GET_USERNS",
             "NS_GET_PARENT", "NS_GET_NSTYPE", "NS_GET_OWNER_UID", "NS_GET_ID", "SIOCGSKNS",
             "SYS_pidfd_open", "SYS_pidfd_getfd", "SYS_openat2", "RESOLVE_IN_ROOT",
             "RESOLVE_NO_MAGICLINKS")
    return {name: int(getattr(lib, name)) for name in names}
