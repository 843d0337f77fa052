"""``--initial-cgroup``: switch this process to the initial cgroup namespace.

In its own cgroup namespace (a pod without ``cgroup: host``), a process
sees cgroup paths relative to its own cgroup root, so the cgroups of other
processes come out wrong. As the Go lxkns does, the service then joins PID
1's cgroup namespace -- before any other thread exists, so that every
thread it starts later inherits the switch (Go has to re-execute itself
for that; Python is still single-threaded at that point).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

CLONE_NEWCGROUP = 0x02000000


class CgroupSwitchError(OSError):
    """The initial cgroup namespace could not be entered."""


def _setns(fd: int, nstype: int) -> None:
    setns = getattr(os, "setns", None)
    if setns is not None:  # Python 3.12+
        setns(fd, nstype)
        return
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    if libc.setns(fd, nstype) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def _threads() -> int:
    return len(os.listdir("/proc/self/task"))


def _is_kthreadd(proc: str) -> bool:
    try:
        with open(f"{proc}/2/stat", encoding="ascii", errors="replace") as f:
            stat = f.read()
    except OSError:
        return False
    name = stat[stat.find("(") + 1:stat.rfind(")")]
    fields = stat[stat.rfind(")") + 2:].split()
    return name == "kthreadd" and len(fields) > 1 and fields[1] == "0"


def initial_namespace(proc: str = "/proc") -> str:
    """The path of the initial cgroup namespace: PID 1's, as the Go lxkns takes it, or --
    where PID 1 cannot be read (a sandbox's init that is not dumpable) -- kthreadd's, which as
    a kernel thread always is in the initial namespaces."""
    try:
        os.stat(f"{proc}/1/ns/cgroup")
        return f"{proc}/1/ns/cgroup"
    except OSError as exc:
        if _is_kthreadd(proc):
            return f"{proc}/2/ns/cgroup"
        raise CgroupSwitchError(exc.errno, f"cannot read PID 1's cgroup namespace: {exc.strerror}") from None


def switch_to_initial(proc: str = "/proc") -> bool:
    """Join the initial cgroup namespace if we are in another; True if we switched."""
    path = initial_namespace(proc)
    try:
        own = os.stat(f"{proc}/self/ns/cgroup")
        initial = os.stat(path)
    except OSError as exc:
        raise CgroupSwitchError(exc.errno, f"cannot compare cgroup namespaces: {exc.strerror} "
                                f"({exc.filename})") from None
    if (own.st_dev, own.st_ino) == (initial.st_dev, initial.st_ino):
        return False
    if _threads() != 1:
        raise CgroupSwitchError(0, "--initial-cgroup must switch before any thread starts, "
                                "but this process has several")
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        _setns(fd, CLONE_NEWCGROUP)
    except OSError as exc:
        raise CgroupSwitchError(exc.errno,
                                f"cannot join the initial cgroup namespace: {exc.strerror}") from None
    finally:
        os.close(fd)
    return True
