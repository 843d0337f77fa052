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
    pass


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


def switch_to_initial(proc: str = "/proc") -> bool:
    """Join PID 1's cgroup namespace if we are in another; True if we switched."""
    try:
        own = os.stat(f"{proc}/self/ns/cgroup")
        initial = os.stat(f"{proc}/1/ns/cgroup")
    except OSError as exc:
        raise CgroupSwitchError(exc.errno, f"cannot compare cgroup namespaces: {exc.strerror} "
                                f"({exc.filename})") from None
    if (own.st_dev, own.st_ino) == (initial.st_dev, initial.st_ino):
        return False
    if _threads() != 1:
        raise CgroupSwitchError(0, "--initial-cgroup must switch before any thread starts, "
                                "but this process has several")
    fd = os.open(f"{proc}/1/ns/cgroup", os.O_RDONLY | os.O_CLOEXEC)
    try:
        _setns(fd, CLONE_NEWCGROUP)
    except OSError as exc:
        raise CgroupSwitchError(exc.errno,
                                f"cannot join the initial cgroup namespace: {exc.strerror}") from None
    finally:
        os.close(fd)
    return True
