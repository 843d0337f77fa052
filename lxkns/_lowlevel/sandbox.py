"""A forked child parked inside a mount namespace, entered after a user namespace.

setns() into a user namespace needs a single-threaded process, so a
multi-threaded caller (Jupyter, pytest-xdist, any program with a thread)
cannot do it itself. A forked child can: it enters the user namespace, then
the mount namespace, and waits until its hold pipe closes; its
/proc/PID/root shows that mount namespace. The native helper forks in C and
makes only async-signal-safe calls in the child; without it, the child is a
plain os.fork() that calls nothing but a few syscalls.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import struct

from . import syscalls

try:
    from . import native as _native
except ImportError:  # no compiled module
    _native = None  # type: ignore[assignment]

_STATUS = struct.Struct("=ii")


def start(userns_fd: int, mntns_fd: int, *, native: bool | None = None) -> tuple[int, int]:
    """Fork the child; (PID, hold fd). OSError (``filename`` "user" or "mnt") if it could not enter."""
    if native is None:
        native = _native is not None
    if native and _native is not None:
        return _native.sandbox_start(userns_fd, mntns_fd)
    return _start_pure(userns_fd, mntns_fd)


def stop(pid: int, hold_fd: int) -> None:
    """End the child and reap it."""
    os.close(hold_fd)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    syscalls.reap(pid)


def _start_pure(userns_fd: int, mntns_fd: int) -> tuple[int, int]:
    status_r, status_w = os.pipe2(os.O_CLOEXEC)
    hold_r, hold_w = os.pipe2(os.O_CLOEXEC)
    maxfd = os.sysconf("SC_OPEN_MAX")
    maxfd = maxfd if 0 < maxfd <= 65536 else 65536
    status = _STATUS.pack(0, 0)  # built before the fork: the child allocates as little as it can
    try:
        pid = os.fork()
    except OSError:
        for fd in (status_r, status_w, hold_r, hold_w):
            os.close(fd)
        raise
    if pid == 0:  # pragma: no cover - runs in the child, which only exits
        try:
            null = os.open("/dev/null", os.O_RDWR)
            for target in (0, 1, 2):
                os.dup2(null, target)
            step, err = 1, 0
            try:
                if userns_fd >= 0:
                    syscalls.setns(userns_fd, syscalls.CLONE_NEWUSER)
                step = 2
                syscalls.setns(mntns_fd, syscalls.CLONE_NEWNS)
                step = 0
            except OSError as exc:
                err = exc.errno or errno.EPERM
            os.write(status_w, _STATUS.pack(err, step) if err else status)
            if err:
                os._exit(66)
            os.dup2(hold_r, 3)
            os.closerange(4, maxfd)
            os.read(3, 1)
        finally:
            os._exit(0)
    os.close(status_w)
    os.close(hold_r)
    try:
        data = os.read(status_r, _STATUS.size)
    finally:
        os.close(status_r)
    err, step = _STATUS.unpack(data) if len(data) == _STATUS.size else (errno.ECHILD, 0)
    if err:
        os.close(hold_w)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
        raise OSError(err, os.strerror(err), {1: "user", 2: "mnt"}.get(step))
    return pid, hold_w


__all__ = ["start", "stop"]
