"""The few syscalls the os module lacks: for the pure-Python scanner, and for
entering namespaces (setns, unshare, openat2, the nsfs ioctls).

Each wrapper raises OSError with the errno, like the os module does.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import platform
import sys

# Syscall numbers are the same on every architecture that uses the generic
# table (x86-64 included) for these recent calls.
_SYS_SETNS = {"x86_64": 308, "aarch64": 268}.get(platform.machine())
_SYS_UNSHARE = {"x86_64": 272, "aarch64": 97}.get(platform.machine())
_SYS_PIDFD_OPEN = 434
_SYS_OPENAT2 = 437
_SYS_PIDFD_GETFD = 438

CLONE_FS = 0x00000200
CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
RESOLVE_NO_MAGICLINKS = 0x02
RESOLVE_IN_ROOT = 0x10

_libc = ctypes.CDLL(None, use_errno=True)
_syscall = _libc.syscall
_syscall.restype = ctypes.c_long


class _OpenHow(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_uint64), ("mode", ctypes.c_uint64), ("resolve", ctypes.c_uint64)]


def _check(ret: int) -> int:
    if ret < 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return ret


def pidfd_open(pid: int) -> int:
    if hasattr(os, "pidfd_open"):
        return os.pidfd_open(pid)
    return _check(_syscall(_SYS_PIDFD_OPEN, ctypes.c_int(pid), ctypes.c_uint(0)))


def pidfd_getfd(pidfd: int, fd: int) -> int:
    return _check(_syscall(_SYS_PIDFD_GETFD, ctypes.c_int(pidfd), ctypes.c_int(fd), ctypes.c_uint(0)))


def setns(fd: int, nstype: int) -> None:
    if hasattr(os, "setns"):
        os.setns(fd, nstype)
        return
    if _SYS_SETNS is None:
        raise OSError(errno.ENOSYS, "setns: unknown architecture")
    _check(_syscall(_SYS_SETNS, ctypes.c_int(fd), ctypes.c_int(nstype)))


def unshare(flags: int) -> None:
    if hasattr(os, "unshare"):
        os.unshare(flags)
        return
    if _SYS_UNSHARE is None:
        raise OSError(errno.ENOSYS, "unshare: unknown architecture")
    _check(_syscall(_SYS_UNSHARE, ctypes.c_int(flags)))


def read_all(fd: int) -> bytes:
    """Everything an fd still has to give, up to its end."""
    chunks: list[bytes] = []
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def reap(pid: int) -> None:
    """Wait for a child to end (and so remove it); nothing if it is gone already."""
    while True:
        try:
            os.waitpid(pid, 0)
            return
        except ChildProcessError:
            return
        except InterruptedError:  # pragma: no cover - PEP 475 retries for us
            continue


def set_thread_name(name: str) -> None:
    """Name the calling OS thread (its comm), as pthread_setname_np() does."""
    pr_set_name = 15
    _libc.prctl(ctypes.c_int(pr_set_name), ctypes.c_char_p(name.encode()[:15]), 0, 0, 0)


def openat2(dirfd: int, path: str, flags: int, resolve: int) -> int:
    """openat2(): open ``path`` relative to ``dirfd`` with RESOLVE_* restrictions."""
    how = _OpenHow(flags, 0, resolve)
    raw = os.fsencode(path)
    return _check(
        _syscall(_SYS_OPENAT2, ctypes.c_int(dirfd), ctypes.c_char_p(raw), ctypes.byref(how),
                 ctypes.c_size_t(ctypes.sizeof(how)))
    )


def openat2_in_root(rootfd: int, path: str) -> int:
    """Open ``path`` below ``rootfd`` with symlinks and ``..`` confined to that root."""
    return openat2(rootfd, path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOCTTY,
                   RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)


def ns_type(fd: int) -> int:
    """NS_GET_NSTYPE: the CLONE_NEW* type of a namespace fd."""
    return fcntl.ioctl(fd, NS_GET_NSTYPE)


def ns_owner(fd: int) -> int:
    """NS_GET_USERNS: a new fd of the user namespace owning a namespace."""
    return fcntl.ioctl(fd, NS_GET_USERNS)


def ns_id(fd: int) -> int:
    """NS_GET_ID: the 64-bit ID of a namespace, never reused (kernel 6.18; ENOTTY before)."""
    buf = bytearray(8)
    fcntl.ioctl(fd, NS_GET_ID, buf, True)
    return int.from_bytes(buf, sys.byteorder)


# ioctl request numbers: _IO(0xb7, n) and _IOR(0xb7, 13, __u64) from linux/nsfs.h,
# SIOCGSKNS from linux/sockios.h
NS_GET_USERNS = 0xB701
NS_GET_PARENT = 0xB702
NS_GET_NSTYPE = 0xB703
NS_GET_OWNER_UID = 0xB704
NS_GET_ID = 0x8008B70D
SIOCGSKNS = 0x894C
