"""The one root-confined path resolver of the Python side (the C scanner has its twin).

Paths inside another mount namespace or below ``/proc/PID/root`` belong to
whoever controls that root: a symlink may point out of it, a component may be
swapped while we walk, a FUSE mount may never answer. :func:`open_path`
resolves a path *inside* a root directory fd and returns an ``O_PATH`` fd of
what it names (nothing is opened for reading). It uses openat2() with
``RESOLVE_IN_ROOT`` where the kernel has it, and otherwise walks the path one
component at a time with ``O_PATH | O_NOFOLLOW``: a symlink is read and its
target walked again inside the root (an absolute one from the root), ``..``
never climbs above it.

A :class:`MountGuard` makes the walk refuse mounts whose filesystem is served
from user space (FUSE, and overlays, whose layers may lie on FUSE) in mount
namespaces of other user namespaces, and mounts made after the table was read.
Every step is looked at with statx(AT_STATX_DONT_SYNC), which does not ask the
filesystem behind it, before anything else touches it.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import os
import stat
from collections.abc import Iterable
from typing import NamedTuple

from . import syscalls

#: errno of a walk refused because a mount on the way could stall it (a FUSE server)
ESTALL = errno.EREMOTE
#: errno of a file that is not of the kind expected (not nsfs, not regular, not a socket)
EWRONGTYPE = errno.EMEDIUMTYPE
MAX_SYMLINKS = 40
_O_STEP = os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC

_AT_EMPTY_PATH = 0x1000
_AT_SYMLINK_NOFOLLOW = 0x100
_AT_STATX_DONT_SYNC = 0x4000
_STATX_TYPE = 0x1
_STATX_INO = 0x100
_STATX_MNT_ID = 0x1000
_STATX_SIZE = 256


class QuickStat(NamedTuple):
    """What the kernel has cached about an fd (no request to its filesystem)."""

    dev: int
    ino: int
    mode: int
    mnt_id: int | None  # None: the kernel does not say (before 5.8)


_statx = getattr(syscalls.libc, "statx", None)


def quick_stat(fd: int) -> QuickStat:
    """statx() of an fd with AT_STATX_DONT_SYNC: type, dev, inode and mount ID."""
    if _statx is not None:
        buf = ctypes.create_string_buffer(_STATX_SIZE)
        flags = _AT_EMPTY_PATH | _AT_SYMLINK_NOFOLLOW | _AT_STATX_DONT_SYNC
        if _statx(ctypes.c_int(fd), b"", ctypes.c_int(flags),
                  ctypes.c_uint(_STATX_TYPE | _STATX_INO | _STATX_MNT_ID), buf) == 0:
            raw = buf.raw
            mask = int.from_bytes(raw[0:4], "little")
            mode = int.from_bytes(raw[28:30], "little")
            ino = int.from_bytes(raw[32:40], "little")
            major, minor = int.from_bytes(raw[136:140], "little"), int.from_bytes(raw[140:144], "little")
            mnt_id = int.from_bytes(raw[144:152], "little") if mask & _STATX_MNT_ID else None
            return QuickStat(os.makedev(major, minor), ino, mode, mnt_id)
        err = ctypes.get_errno()
        if err != errno.ENOSYS:
            raise OSError(err, os.strerror(err))
    st = os.fstat(fd)  # no statx (kernel < 4.11)
    return QuickStat(st.st_dev, st.st_ino, st.st_mode, None)


class MountGuard:
    """The mounts a walk may pass: those of a mount table that cannot stall a lookup."""

    def __init__(self, allowed: Iterable[int]) -> None:
        self.allowed = frozenset(allowed)

    @classmethod
    def of_table(cls, mounts: Iterable[tuple[int, str]]) -> MountGuard:
        """From (mount ID, filesystem type) pairs of a mount namespace's table."""
        return cls(mid for mid, fstype in mounts if not stall_prone(fstype))

    def allows(self, q: QuickStat) -> bool:
        return q.mnt_id is not None and q.mnt_id in self.allowed


def stall_prone(fstype: str) -> bool:
    """Whether lookups on a filesystem type may wait for a server in user space."""
    return fstype.startswith("fuse") or fstype == "overlay"


def openat2_missing() -> bool:
    """Whether openat2() is to be treated as missing (LXKNS_ASSUME_MISSING names it)."""
    return "openat2" in os.environ.get("LXKNS_ASSUME_MISSING", "").replace(" ", "").split(",")


@functools.lru_cache(maxsize=1)
def _openat2_in_kernel() -> bool:
    try:
        fd = syscalls.openat2(-100, "/", os.O_PATH | os.O_CLOEXEC, 0)  # AT_FDCWD
    except OSError as exc:
        return exc.errno != errno.ENOSYS
    os.close(fd)
    return True


def openat2_available() -> bool:
    """Whether openat2() serves: the kernel has it (5.6+) and it is not assumed missing."""
    return not openat2_missing() and _openat2_in_kernel()


def open_path(rootfd: int, path: str, *, guard: MountGuard | None = None, follow: bool = True,
              use_openat2: bool | None = None) -> int:
    """An O_PATH fd of ``path`` resolved inside ``rootfd`` (OSError if it cannot be).

    ``follow=False`` does not follow a symlink in the last component. With a
    ``guard``, the component walk always serves (openat2 cannot be asked which
    mounts it passes). ``use_openat2=False`` forces the walk.
    """
    if use_openat2 is None:
        use_openat2 = openat2_available()
    if guard is None and use_openat2:
        flags = os.O_PATH | os.O_CLOEXEC | (0 if follow else os.O_NOFOLLOW)
        try:
            return syscalls.openat2(rootfd, path, flags,
                                    syscalls.RESOLVE_IN_ROOT | syscalls.RESOLVE_NO_MAGICLINKS)
        except OSError as exc:
            if exc.errno != errno.ENOSYS:
                raise
    fd, _ = walk(rootfd, path, guard=guard, follow=follow)
    return fd


def walk(rootfd: int, path: str, *, guard: MountGuard | None = None, follow: bool = True,
         missing_ok: bool = False) -> tuple[int, list[str]]:
    """Resolve ``path`` inside ``rootfd`` component by component.

    Returns an O_PATH fd of what it names and the components of its resolved
    path inside the root. With ``missing_ok``, a component that does not exist
    ends the walk: the fd is -1 and the rest of the path is kept as it is
    (like ``realpath -m``).
    """
    todo = [p for p in reversed(path.split("/")) if p]
    parts: list[str] = []
    dirs: list[int] = []
    links = 0

    def check(fd: int) -> QuickStat:
        q = quick_stat(fd)
        if guard is not None and not guard.allows(q):
            raise OSError(ESTALL, "below a mount whose server could stall the walk", path)
        return q

    try:
        check(rootfd)
        while todo:
            name = todo.pop()
            if name == ".":
                continue
            if name == "..":
                if parts:
                    parts.pop()
                    os.close(dirs.pop())
                continue
            cur = dirs[-1] if dirs else rootfd
            try:
                fd = os.open(name, _O_STEP, dir_fd=cur)
            except (FileNotFoundError, NotADirectoryError):
                if not missing_ok:
                    raise
                parts.append(name)
                parts.extend(reversed(todo))
                return -1, _normalized(parts)
            try:
                q = check(fd)
            except BaseException:
                os.close(fd)
                raise
            last = not todo
            if stat.S_ISLNK(q.mode) and (follow or not last):
                try:
                    target = os.readlink("", dir_fd=fd)
                finally:
                    os.close(fd)
                links += 1
                if links > MAX_SYMLINKS:
                    raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), path)
                if target.startswith("/"):
                    parts.clear()
                    while dirs:
                        os.close(dirs.pop())
                todo.extend(p for p in reversed(target.split("/")) if p)
                continue
            parts.append(name)
            if last:
                return fd, parts
            if not stat.S_ISDIR(q.mode):
                os.close(fd)
                if missing_ok:
                    parts.extend(reversed(todo))
                    return -1, _normalized(parts)
                raise OSError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), path)
            dirs.append(fd)
        return os.dup(dirs[-1] if dirs else rootfd), parts
    finally:
        for fd in dirs:
            os.close(fd)


def _normalized(parts: list[str]) -> list[str]:
    out: list[str] = []
    for p in parts:
        if p == "..":
            if out:
                out.pop()
        elif p != ".":
            out.append(p)
    return out


__all__ = ["ESTALL", "EWRONGTYPE", "MountGuard", "QuickStat", "open_path", "openat2_available",
           "openat2_missing",
           "quick_stat", "stall_prone", "walk"]
