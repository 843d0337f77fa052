"""A forked child parked inside a mount namespace, entered after a user namespace.

setns() into a user namespace needs a single-threaded process, so a
multi-threaded caller (Jupyter, pytest-xdist, any program with a thread)
cannot do it itself. A forked child can: it enters the user namespace, then
the mount namespace, hands its new root back as an fd, and waits until its
hold pipe closes. The native helper forks in C and makes only
async-signal-safe calls in the child; without it, the child is a plain
os.fork() that calls nothing but a few syscalls.

A root inside those namespaces must not reach the caller through the child:
the child is made non-dumpable before its first setns() (so no ptrace,
/proc/PID/fd or pidfd_getfd() for anyone without CAP_SYS_PTRACE where it
started), and it keeps no fd of the caller's but what it needs: /dev/null on
0-2, then only its end of the hold pipe.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import signal
import socket
import struct

from . import syscalls

try:
    from . import native as _native
except ImportError:  # no compiled module
    _native = None  # type: ignore[assignment]

_STATUS = struct.Struct("=ii")
_STEPS = {1: "user", 2: "mnt", 3: "root"}


def start(userns_fd: int, mntns_fd: int, *, native: bool | None = None) -> tuple[int, int, int]:
    """Fork the child; (PID, hold fd, root fd). OSError (``filename`` "user", "mnt" or "root")
    if it could not enter."""
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


def _keep_only(fds: list[int], maxfd: int) -> list[int]:
    """In the child: move fds to 3, 4, ... and close every other fd above 2."""
    high = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 64) if fd >= 0 else -1 for fd in fds]
    moved = []
    for i, fd in enumerate(high):
        target = 3 + i
        if fd < 0:
            with contextlib.suppress(OSError):
                os.close(target)
            moved.append(-1)
            continue
        os.dup2(fd, target, inheritable=False)
        moved.append(target)
    os.closerange(3 + len(fds), maxfd)
    return moved


def _child(userns_fd: int, mntns_fd: int, status: socket.socket, hold_r: int,
           maxfd: int) -> None:  # pragma: no cover - runs in the child, which only exits
    try:
        syscalls.set_non_dumpable()
        null = os.open("/dev/null", os.O_RDWR)
        for target in (0, 1, 2):
            os.dup2(null, target)
        sock, hold, user, mnt = _keep_only([status.fileno(), hold_r, userns_fd, mntns_fd], maxfd)
        step, err, root = 1, 0, -1
        try:
            if user >= 0:
                syscalls.setns(user, syscalls.CLONE_NEWUSER)
            step = 2
            syscalls.setns(mnt, syscalls.CLONE_NEWNS)
            step = 3
            syscalls.set_non_dumpable()  # a change of credentials may have reset it
            root = os.open("/", os.O_PATH | os.O_DIRECTORY)
            step = 0
        except OSError as exc:
            err = exc.errno or errno.EPERM
        for fd in (user, mnt):
            if fd >= 0:
                os.close(fd)
        channel = socket.socket(fileno=sock)
        socket.send_fds(channel, [_STATUS.pack(err, step)], [root] if root >= 0 else [])
        if err:
            os._exit(66)
        os.close(root)
        channel.close()
        os.dup2(hold, 3)
        os.close(hold)
        os.read(3, 1)
    finally:
        os._exit(0)


def _start_pure(userns_fd: int, mntns_fd: int) -> tuple[int, int, int]:
    status, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    hold_r, hold_w = os.pipe2(os.O_CLOEXEC)
    maxfd = os.sysconf("SC_OPEN_MAX")
    maxfd = maxfd if 0 < maxfd <= 65536 else 65536
    try:
        pid = os.fork()
    except OSError:
        for s in (status, child_end):
            s.close()
        for fd in (hold_r, hold_w):
            os.close(fd)
        raise
    if pid == 0:  # pragma: no cover - runs in the child, which only exits
        _child(userns_fd, mntns_fd, child_end, hold_r, maxfd)
    child_end.close()
    os.close(hold_r)
    try:
        data, fds, _, _ = socket.recv_fds(status, _STATUS.size, 1)
    finally:
        status.close()
    err, step = _STATUS.unpack(data) if len(data) == _STATUS.size else (errno.ECHILD, 0)
    if err or not fds:
        for fd in fds:
            os.close(fd)
        os.close(hold_w)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
        err = err or errno.ECHILD
        raise OSError(err, os.strerror(err), _STEPS.get(step))
    return pid, hold_w, fds[0]


__all__ = ["start", "stop"]
