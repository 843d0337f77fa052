"""Opening files that others control: the one helper of the Python side (the C scanner
has its twin).

A path found in another mount namespace, below ``/proc/PID/root`` or as
``/proc/PID/fd/N`` may lead to a FIFO (``open()`` for reading waits for a
writer, forever), a device, or an endless file. So such a path is opened
with ``O_PATH`` first (which opens nothing), looked at without asking its
filesystem, and only then reopened through ``/proc/self/fd``, the very file
the O_PATH fd refers to:

* :func:`open_nsfs` for namespaces: it must be an nsfs file;
* :func:`open_regular` / :func:`read_regular` for everything else that is read
  (engine configs, passwd, cgroup files): a regular file, opened
  non-blocking, read up to a size cap;
* :func:`open_socket` for unix sockets to connect to: a socket file, connected
  through the fd.
"""

from __future__ import annotations

import errno
import functools
import os
import stat

from . import inroot, syscalls

#: default size cap of a file read through another root
READ_CAP = 16 << 20
NSFS_MAGIC = 0x6E736673


@functools.lru_cache(maxsize=1)
def nsfs_dev() -> int:
    """The device of the nsfs filesystem (the same for every namespace), 0 if unknown."""
    try:
        return os.stat("/proc/self/ns/net").st_dev
    except OSError:
        return 0


def reopen(pathfd: int, flags: int, selfdir: int | None = None) -> int:
    """Reopen an O_PATH fd with ``flags`` through /proc/self/fd: the same file, not its path.

    ``selfdir`` is an fd of our /proc/self, for threads that moved into another
    mount namespace (where ``/proc`` names something else).
    """
    flags |= os.O_CLOEXEC | os.O_NOCTTY
    if selfdir is not None:
        return os.open(f"fd/{pathfd}", flags, dir_fd=selfdir)
    return os.open(f"/proc/self/fd/{pathfd}", flags)


def _opened(dirfd: int | None, path: str, in_root: bool, guard: inroot.MountGuard | None) -> int:
    """An O_PATH fd of a path: inside a root (confined) or plainly below a directory fd."""
    if in_root:
        assert dirfd is not None
        return inroot.open_path(dirfd, path, guard=guard)
    return os.open(path, os.O_PATH | os.O_CLOEXEC, dir_fd=dirfd)


def _wrong(kind: str, path: str) -> OSError:
    return OSError(inroot.EWRONGTYPE, f"not {kind}", path)


def nsfs_from_path(pathfd: int, path: str = "", *, selfdir: int | None = None,
                   dev: int | None = None) -> int:
    """An O_PATH fd -> an fd of that namespace for ioctls and setns(); consumes pathfd.

    OSError with errno EMEDIUMTYPE if it is not a namespace file.
    """
    try:
        q = inroot.quick_stat(pathfd)
        want = nsfs_dev() if dev is None else dev
        if (q.dev != want) if want else (syscalls.fs_type(pathfd) != NSFS_MAGIC):
            raise _wrong("a namespace", path)
        return reopen(pathfd, os.O_RDONLY, selfdir)
    finally:
        os.close(pathfd)


def open_nsfs(path: str, dirfd: int | None = None, *, in_root: bool = False,
              guard: inroot.MountGuard | None = None, selfdir: int | None = None,
              dev: int | None = None) -> int:
    """An fd of the namespace at ``path`` (below ``dirfd``, confined to it with ``in_root``).

    Never opens anything else for reading: OSError (EMEDIUMTYPE) if the path
    leads to something that is not a namespace.
    """
    return nsfs_from_path(_opened(dirfd, path, in_root, guard), path, selfdir=selfdir, dev=dev)


def open_regular(path: str, dirfd: int | None = None, *, in_root: bool = True,
                 guard: inroot.MountGuard | None = None, selfdir: int | None = None) -> int:
    """A non-blocking read-only fd of a regular file; OSError (EMEDIUMTYPE) for anything else."""
    pfd = _opened(dirfd, path, in_root, guard)
    try:
        if not stat.S_ISREG(inroot.quick_stat(pfd).mode):
            raise _wrong("a regular file", path)
        return reopen(pfd, os.O_RDONLY | os.O_NONBLOCK, selfdir)
    finally:
        os.close(pfd)


def read_fd(fd: int, cap: int, what: str = "") -> bytes:
    """All of an fd, up to ``cap`` bytes (OSError EFBIG beyond); the caller closes fd."""
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = os.read(fd, min(65536, cap + 1 - size))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > cap:
            raise OSError(errno.EFBIG, f"larger than {cap} bytes", what)


def read_regular(path: str, dirfd: int | None = None, *, cap: int = READ_CAP, in_root: bool = True,
                 guard: inroot.MountGuard | None = None, selfdir: int | None = None) -> bytes:
    """The contents of a regular file (see :func:`open_regular`), at most ``cap`` bytes."""
    fd = open_regular(path, dirfd, in_root=in_root, guard=guard, selfdir=selfdir)
    try:
        return read_fd(fd, cap, path)
    finally:
        os.close(fd)


def read_file(path: str, *, strict: bool = True, cap: int = READ_CAP) -> bytes:
    """A file of a procfs: with ``strict`` (a procfs that is not ours, which may be any
    tree) checked to be a regular file first; otherwise opened directly, non-blocking.
    At most ``cap`` bytes."""
    if strict:
        return read_regular(path, in_root=False, cap=cap)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY)
    try:
        return read_fd(fd, cap, path)
    finally:
        os.close(fd)


def open_socket(path: str, dirfd: int | None = None, *, in_root: bool = True,
                guard: inroot.MountGuard | None = None) -> int:
    """An O_PATH fd of a unix socket file, to connect to as /proc/self/fd/N (the caller closes it).

    OSError (EMEDIUMTYPE) if the path does not lead to a socket.
    """
    pfd = _opened(dirfd, path, in_root, guard)
    try:
        if not stat.S_ISSOCK(inroot.quick_stat(pfd).mode):
            raise _wrong("a unix socket", path)
    except BaseException:
        os.close(pfd)
        raise
    return pfd


__all__ = ["READ_CAP", "nsfs_dev", "nsfs_from_path", "open_nsfs", "open_regular", "open_socket",
           "read_fd", "read_file", "read_regular", "reopen"]
