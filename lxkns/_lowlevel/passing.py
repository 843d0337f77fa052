"""Passing fds: the namespace and socket fds a discovery holds for a moment.

A discovery opens a namespace to ask its ioctls, duplicates a socket to ask
its network namespace and holds a mount namespace until it is entered; it also
reads this process' own fd directory to find what the process holds. Another
discovery in another thread must not take those passing fds for namespaces
or sockets this process holds. So they are made and closed only inside a
:func:`region`; one that outlives its region is marked with :func:`keep` and
closed with :func:`drop`; our own fd directory is read inside :func:`own`,
passing over what :func:`is_kept`.

Where the native module is built this is its lock and its marks
(``_native/passing.c``), so that native and pure-Python discoveries in one
process keep apart from each other too; otherwise a lock of our own.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

try:
    from lxkns._native import lib as _lib
except ImportError:  # pragma: no cover - exercised by the tests without the native module
    _lib = None
if _lib is not None and not hasattr(_lib, "lxkns_passing_begin"):
    _lib = None  # a module built before it had them: the pure scanner keeps a lock of its own


class _ReadersWriter:
    """A readers-writer lock where a waiting writer goes first (it waits for one short read
    of an fd directory; readers are many and come all the time)."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._readers = 0
        self._writing = False
        self._waiting = 0

    def shared(self) -> None:
        with self._cond:
            while self._writing or self._waiting:
                self._cond.wait()
            self._readers += 1

    def exclusive(self) -> None:
        with self._cond:
            self._waiting += 1
            while self._writing or self._readers:
                self._cond.wait()
            self._waiting -= 1
            self._writing = True

    def release_shared(self) -> None:
        with self._cond:
            self._readers -= 1
            if not self._readers:
                self._cond.notify_all()

    def release_exclusive(self) -> None:
        with self._cond:
            self._writing = False
            self._cond.notify_all()


class _Python:
    """The passing fds of this process, where the native module is not there to keep them."""

    def __init__(self) -> None:
        self.lock = _ReadersWriter()
        self.kept: set[int] = set()
        os.register_at_fork(after_in_child=self._in_child)

    def _in_child(self) -> None:
        self.lock = _ReadersWriter()  # the child's one thread holds none of the parent's


_py = _Python() if _lib is None else None


@contextmanager
def region() -> Iterator[None]:
    """Where passing fds are made and closed; regions never nest."""
    if _lib is not None:
        _lib.lxkns_passing_begin()
        try:
            yield
        finally:
            _lib.lxkns_passing_end()
        return
    assert _py is not None
    lock = _py.lock
    lock.shared()
    try:
        yield
    finally:
        lock.release_shared()


def keep(fd: int) -> int:
    """Mark an fd made in the current region as passing after it (returns fd)."""
    if _lib is not None:
        return int(_lib.lxkns_passing_keep(fd))
    assert _py is not None
    _py.kept.add(fd)
    return fd


def drop(fd: int) -> None:
    """Close a kept fd (outside any region)."""
    if _lib is not None:
        _lib.lxkns_passing_drop(fd)
        return
    assert _py is not None
    with region():
        os.close(fd)  # before the mark goes: never open and unmarked outside a region
        _py.kept.discard(fd)


@contextmanager
def own() -> Iterator[None]:
    """Where this process' own fd directory is read: no region is open meanwhile."""
    if _lib is not None:
        _lib.lxkns_passing_own_begin()
        try:
            yield
        finally:
            _lib.lxkns_passing_own_end()
        return
    assert _py is not None
    lock = _py.lock
    lock.exclusive()
    try:
        yield
    finally:
        lock.release_exclusive()


def is_kept(fd: int) -> bool:
    """Whether an fd of ours is a kept passing fd (inside :func:`own`)."""
    if _lib is not None:
        return bool(_lib.lxkns_passing_is_kept(fd))
    assert _py is not None
    return fd in _py.kept


__all__ = ["drop", "is_kept", "keep", "own", "region"]
