"""Stage: diagnostics from what the scanner could not read or found missing."""

from __future__ import annotations

import errno as errnos

from .. import _lowlevel
from .._lowlevel import LINK_NAMES, Failure, Missing, ScanFlags
from .._lowlevel.records import LINK_PID, LINK_USER
from ..model.diagnostics import DiagnosticKind
from .builder import Builder
from .scanning import request

_WHAT = {
    Failure.PIDDIR: ("processes", "cannot open a process directory", ""),
    Failure.STAT: ("processes", "cannot read a process status", "/stat"),
    Failure.NSOPEN: ("namespaces", "cannot open a namespace to query it", "/ns"),
    Failure.CMDLINE: ("processes", "cannot read a command line", "/cmdline"),
    Failure.CGROUP: ("cgroups", "cannot read cgroup memberships", "/cgroup"),
    Failure.STATUS: ("pidmap", "cannot read NSpid from a status file", "/status"),
    Failure.TASKDIR: ("tasks", "cannot list the threads of a process", "/task"),
    Failure.FDDIR: ("fds", "cannot read the open fds of a process", "/fd"),
    Failure.PIDFD: ("sockets", "cannot open a pidfd to duplicate sockets", ""),
    Failure.GETFD: ("sockets", "cannot duplicate a socket fd (pidfd_getfd)", "/fd"),
    Failure.SKNS: ("sockets", "cannot get the network namespace of a socket (SIOCGSKNS)", "/fd"),
    Failure.MOUNTINFO: ("bindmounts", "cannot read the mount table of a mount namespace", "/mountinfo"),
    Failure.SETNS: ("bindmounts", "cannot enter a process-less mount namespace", ""),
    Failure.UNSHARE: ("bindmounts", "cannot unshare fs attributes to enter mount namespaces", ""),
}

_MISSING = {
    Missing.OPENAT2: ("bindmounts", "no openat2(): bind-mount paths resolved without RESOLVE_IN_ROOT"),
    Missing.PIDFD: ("sockets", "no pidfd_open()/pidfd_getfd() (kernel < 5.6): sockets not scanned"),
    Missing.NS_IOCTLS: ("namespaces", "no NS_GET_PARENT/NS_GET_USERNS (kernel < 4.9): "
                        "no hierarchy or ownership"),
    Missing.OWNER_UID: ("namespaces", "no NS_GET_OWNER_UID (kernel < 4.11): creator UIDs unknown"),
    Missing.SIOCGSKNS: ("sockets", "no SIOCGSKNS: network namespaces of sockets unknown"),
    Missing.LISTMOUNT: ("mounts", "no usable listmount()/statmount() (kernel < 6.15): "
                        "mount tables read from mountinfo"),
    Missing.NS_ID: ("namespaces", "no NS_GET_ID (kernel < 6.18): namespaces carry no stable IDs, "
                    "and inode numbers may be reused between discoveries"),
}


def _example(b: Builder, pid: int, tid: int, suffix: str) -> str:
    name = ""
    r = b.procs.get(pid)
    if r is not None:
        name = f" ({r.comm})"
    return f"{b.proc_path(pid, tid) if pid else b.procfs}{suffix}{name}"


def _nslink_failure(b: Builder, pid: int, tid: int, mask: int, err: int) -> None:
    r = b.procs.get(pid)
    names = [LINK_NAMES[k] for k in range(len(LINK_NAMES)) if mask & (1 << k)]
    example = _example(b, pid, tid, "/ns")
    if err == errnos.ENOENT and set(names) <= {"pid_for_children", "time_for_children"}:
        return  # a new PID namespace before its first process: nothing to see yet
    if err in (errnos.ENOENT, errnos.ESRCH) and r is not None and r.state in ("Z", "X") and not tid:
        b.diagnostics.add(DiagnosticKind.UNAVAILABLE, "namespaces",
                          "zombie processes show no namespaces", example=example)
    elif err == errnos.ENOENT and set(names) <= {"time", "time_for_children"}:
        b.diagnostics.add(DiagnosticKind.UNSUPPORTED, "namespaces",
                          "no time namespaces (kernel < 5.6)", example=example)
    else:
        b.diagnostics.oserror("namespaces", "cannot read the namespaces of a process", err, example)


def _scanner_diagnostics(b: Builder) -> None:
    """No surprise about which scanner ran: the pure one where the native one was wanted
    but could not be loaded; and a procfs root that lists no process at all."""
    if b.scan.implementation != "native" and b.options.native is None:
        b.diagnostics.add(DiagnosticKind.UNSUPPORTED, "scanner",
                          "the native scanner is not available "
                          f"({_lowlevel.NATIVE_IMPORT_ERROR or 'not loaded'}): "
                          "the pure-Python scanner ran (slower, same results)")
    if not b.scan.procs and ScanFlags.PROCS in request(b.options, b.procfs).flags:
        b.diagnostics.add(DiagnosticKind.UNAVAILABLE, "processes",
                          f"{b.procfs} lists no processes: is it a procfs (mount -t proc)?")


def add_failures(b: Builder) -> None:
    """Diagnostics from what the scanner could not read, found missing, or which scanner ran."""
    _scanner_diagnostics(b)
    for f in sorted(b.scan.failures):
        what = Failure(f.what)
        if what == Failure.NSLINK:
            _nslink_failure(b, f.pid, f.tid, f.arg, f.err)
            continue
        if what in (Failure.MOUNTINFO, Failure.SETNS, Failure.UNSHARE) and not f.pid:
            stage, message, _ = _WHAT[what]
            b.diagnostics.oserror(stage, message, f.err, example=f"mnt:[{f.arg}]")
            continue
        stage, message, suffix = _WHAT[what]
        if what in (Failure.GETFD, Failure.SKNS) and f.arg:
            suffix = f"/fd/{f.arg}" if what == Failure.GETFD else f" (socket:[{f.arg}])"
        b.diagnostics.oserror(stage, message, f.err, _example(b, f.pid, f.tid, suffix))
    for bit, (stage, message) in _MISSING.items():
        if b.scan.missing & bit:
            b.diagnostics.add(DiagnosticKind.UNSUPPORTED, stage, message)
    if b.scan.foreign and (b.options.with_affinity or b.options.from_sockets):
        b.diagnostics.add(DiagnosticKind.UNAVAILABLE, "processes",
                          "not this process' own procfs: its PIDs are not ours, so CPU affinities "
                          "and the namespaces of sockets are not read", example=b.procfs)
    _ioctl_diagnostics(b)


def _ioctl_diagnostics(b: Builder) -> None:
    opts = b.options
    initial_user = b.initial.get(LINK_USER)
    initial_pid = b.initial.get(LINK_PID)
    for r in b.scan.namespaces:
        d = b.namespaces.get((r.link, r.ino))
        if d is None:
            continue
        label = f"{LINK_NAMES[r.link]}:[{r.ino}]"
        if opts.with_ownership and r.link != LINK_USER and r.owner_err and not r.open_err:
            b.diagnostics.oserror("ownership", "cannot query the owner of a namespace",
                                  r.owner_err, example=label)
        if (opts.with_hierarchy and r.link in (LINK_USER, LINK_PID) and r.parent_err == errnos.EPERM
                and r.ino not in (initial_user, initial_pid) and (initial_user or initial_pid)):
            b.diagnostics.add(DiagnosticKind.DENIED, "hierarchy",
                              "the parent of a namespace lies outside what may be seen",
                              errno=r.parent_err, example=label)
        if r.link == LINK_USER and r.uid_err and not r.open_err and r.uid_err not in (errnos.ENOTTY,):
            b.diagnostics.oserror("ownership", "cannot query the creator UID of a user namespace",
                                  r.uid_err, example=label)


