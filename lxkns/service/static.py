"""Reading a file below a web root so that no request path can leave it.

The path is walked one component at a time from an fd of the root, never
as a string: ``..`` cannot climb above the root, a symlink is followed only
when it is relative and stays inside the root (resolved by the same walk),
and the file itself is opened with O_NOFOLLOW and O_NONBLOCK and must be a
regular file (a FIFO or device planted in the root never blocks or leaks
anything). Percent-decoding has happened before: ``%2e%2e`` arrives here as
``..``.
"""

from __future__ import annotations

import errno
import os
import stat

MAX_FILE = 64 * 1024 * 1024
MAX_LINKS = 40

_DIR = os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC


class WebRootError(OSError):
    """The web root itself cannot be opened (missing, not a directory)."""


def _components(path: str) -> list[str]:
    return [c for c in path.split("/") if c and c != "."]


def read_file(root: str, path: str) -> bytes | None:
    """The contents of the regular file at ``path`` below ``root``; None when there is none.

    WebRootError when the root cannot be opened.
    """
    if "\0" in path:
        return None
    try:
        root_fd = os.open(root, _DIR & ~os.O_NOFOLLOW)
    except OSError as exc:
        raise WebRootError(exc.errno, f"cannot open the web root {root}: {exc.strerror}") from None
    dirs = [root_fd]
    try:
        fd = _walk(dirs, _components(path))
        if fd is None:
            return None
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                return None
            data = f.read(MAX_FILE + 1)
            return data if len(data) <= MAX_FILE else None
    finally:
        for d in dirs:
            os.close(d)


def _walk(dirs: list[int], todo: list[str]) -> int | None:
    """Walk ``todo`` from the directory on top of ``dirs``; an fd of the file, or None."""
    links = 0
    while todo:
        name = todo.pop(0)
        if name == "..":
            if len(dirs) == 1:
                return None  # above the root
            os.close(dirs.pop())
            continue
        here = dirs[-1]
        try:
            st = os.stat(name, dir_fd=here, follow_symlinks=False)
        except OSError:
            return None
        if stat.S_ISLNK(st.st_mode):
            links += 1
            if links > MAX_LINKS:
                return None
            try:
                target = os.readlink(name, dir_fd=here)
            except OSError:
                return None
            if target.startswith("/"):
                return None  # absolute: points out of the root
            todo[:0] = _components(target)
            if not todo:
                return None
            continue
        try:
            if stat.S_ISDIR(st.st_mode):
                if not todo:
                    return None  # a directory is no file
                dirs.append(os.open(name, _DIR, dir_fd=here))
                continue
            if todo or not stat.S_ISREG(st.st_mode):
                return None
            return os.open(name, _FILE, dir_fd=here)
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.ENOENT, errno.EACCES, errno.ENXIO):
                return None  # swapped for a link or removed since the stat
            raise
    return None
