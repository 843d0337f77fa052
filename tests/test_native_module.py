"""The compiled module: its constants come from the kernel headers, and the typed-in
values of the pure-Python fallback and of the model must agree with them."""

from __future__ import annotations

from pathlib import Path

import pytest

import lxkns
from lxkns._lowlevel import records, syscalls

pytestmark = pytest.mark.skipif(not lxkns.native_available(), reason="the compiled scanner is not available")


def test_kernel_constants_agree() -> None:
    from lxkns._lowlevel import native

    c = native.constants()
    assert c["NS_GET_USERNS"] == syscalls.NS_GET_USERNS
    assert c["NS_GET_PARENT"] == syscalls.NS_GET_PARENT
    assert c["NS_GET_NSTYPE"] == syscalls.NS_GET_NSTYPE
    assert c["NS_GET_OWNER_UID"] == syscalls.NS_GET_OWNER_UID
    assert c["SIOCGSKNS"] == syscalls.SIOCGSKNS
    assert c["CLONE_FS"] == syscalls.CLONE_FS and c["CLONE_NEWNS"] == syscalls.CLONE_NEWNS
    assert c["RESOLVE_IN_ROOT"] == syscalls.RESOLVE_IN_ROOT
    assert c["RESOLVE_NO_MAGICLINKS"] == syscalls.RESOLVE_NO_MAGICLINKS
    for name, t in (("CLONE_NEWNS", lxkns.MNT), ("CLONE_NEWCGROUP", lxkns.CGROUP),
                    ("CLONE_NEWUTS", lxkns.UTS), ("CLONE_NEWIPC", lxkns.IPC),
                    ("CLONE_NEWUSER", lxkns.USER), ("CLONE_NEWPID", lxkns.PID),
                    ("CLONE_NEWNET", lxkns.NET), ("CLONE_NEWTIME", lxkns.TIME)):
        assert c[name] == int(t), name


def test_record_enums_match_the_c_side() -> None:
    from lxkns._native import lib  # type: ignore[import-not-found]

    for flag in records.ScanFlags:
        assert getattr(lib, f"LXKNS_SCAN_{flag.name}") == flag.value
    for origin in records.Origin:
        assert getattr(lib, f"LXKNS_ORIGIN_{origin.name}") == origin.value
    for failure in records.Failure:
        assert getattr(lib, f"LXKNS_FAIL_{failure.name}") == failure.value
    for missing in records.Missing:
        assert getattr(lib, f"LXKNS_NO_{missing.name}") == missing.value
    for i, name in enumerate(records.LINK_NAMES):
        assert getattr(lib, f"LXKNS_LINK_{name.upper()}") == i
    assert lib.LXKNS_NLINKS == records.NLINKS


def test_scan_handles_are_released_on_errors(tmp_path: object) -> None:
    from lxkns import ScanError
    from lxkns._lowlevel import native

    with pytest.raises(ScanError):
        native.scan_new("/nonexistent", 0, 0)


@pytest.mark.parametrize("scanner", ["native", "pure"])
def test_a_closed_scan_is_refused_not_read(scanner: str, tmp_path: Path) -> None:
    """Reading a scan after close is a ScanError, not a read of freed memory in C (the
    procfs root is an empty directory of ours: what the scan finds does not matter)."""
    from lxkns import ScanError
    from lxkns._lowlevel import native, pure
    from lxkns._lowlevel.records import ScanRequest

    pending = (native if scanner == "native" else pure).start(ScanRequest(procfs=str(tmp_path)))
    assert pending.walked().procs == ()
    pending.close()
    pending.close()  # twice is harmless
    for read in (pending.walked, pending.finish):
        with pytest.raises(ScanError, match="closed"):
            read()


def test_the_header_is_what_was_compiled() -> None:
    """Every LXKNS_* constant of lxkns_native.h, as the compiled module sees it (the cdef is made
    from the header, so a stale build or a broken cdef generator shows here)."""
    import re
    from pathlib import Path

    from lxkns._native import lib  # type: ignore[import-not-found]

    header = Path(__file__).resolve().parent.parent / "_native" / "lxkns_native.h"
    if not header.exists():
        pytest.skip("no source checkout")
    found = re.findall(r"^#define (LXKNS_\w+) (0x[0-9a-fA-F]+|\d+)\b", header.read_text(), re.M)
    assert len(found) > 40
    for name, value in found:
        assert getattr(lib, name) == int(value, 0), name


def test_ns_get_id_is_the_kernel_header_value() -> None:
    from lxkns._lowlevel import native

    assert native.constants()["NS_GET_ID"] == syscalls.NS_GET_ID


def test_records_are_read_by_the_names_of_the_header() -> None:
    from lxkns._lowlevel import native

    assert native._PROC.names[:3] == ("pid", "tgid", "ppid")
    assert "ns" in native._PROC.names and "nsid" in native._NS.names
    rec = next(iter(native._FAIL.unpack(bytes(native._FAIL.size))))
    assert (rec.what, rec.pid, rec.tid, rec.arg, rec.err) == (0, 0, 0, 0, 0)


def test_records_made_straight_from_the_c_layout_must_be_laid_out_as_it() -> None:
    """Namespace, fd, socket and failure records are made from the unpacked C fields as they
    come: only while their fields are the C fields, in order (else a LayoutError, not a
    record with its values shifted)."""
    from typing import NamedTuple

    from lxkns._lowlevel import native
    from lxkns._lowlevel.layouts import LayoutError

    for layout, record in ((native._NS, records.NsRecord), (native._FD, records.FdRecord),
                           (native._SOCK, records.SocketRecord), (native._FAIL, records.FailureRecord)):
        assert record._fields == layout.names
        values = tuple(range(1, len(layout.names) + 1))
        made = next(layout.unpack_as(layout.struct.pack(*values), record._make))
        assert type(made) is record and made == values

    class Swapped(NamedTuple):
        pid: int
        what: int
        tid: int
        arg: int
        err: int

    with pytest.raises(LayoutError, match="not laid out"):
        next(native._FAIL.unpack_as(bytes(native._FAIL.size), Swapped._make))
    with pytest.raises(LayoutError, match="not laid out"):  # an array field: never flat
        next(native._PROC.unpack_as(bytes(native._PROC.size), records.ProcRecord._make))


@pytest.mark.parametrize("finish", [True, False], ids=["finished", "closed-early"])
def test_the_later_steps_run_beside_the_caller_and_leave_nothing(finish: bool) -> None:
    """start() returns after the walk; sockets and mount tables are read in a thread of the
    scanner's own, which finish() (or close(), also unfinished) waits for."""
    import os
    import threading

    from lxkns._discovery import scanning
    from lxkns._lowlevel import start

    def threads() -> set[str]:
        return set(os.listdir("/proc/self/task"))

    before, fds = threads(), set(os.listdir("/proc/self/fd"))
    req = scanning.request(lxkns.STANDARD.replace(with_mounts=True), "/proc")
    pending = start(req, native=True)
    walked = pending.walked()
    assert any(p.pid == os.getpid() for p in walked.procs)
    assert walked.namespaces == () and walked.mntns == ()  # not there yet
    if finish:
        done = pending.finish()
        assert done.procs == walked.procs and done.namespaces and done.mntns
    pending.close()
    pending.close()  # twice is harmless
    assert threads() <= before | {str(threading.get_native_id())}
    assert set(os.listdir("/proc/self/fd")) == fds
