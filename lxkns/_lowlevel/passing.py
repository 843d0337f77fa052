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
from typing import Any

try:
    from lxkns._native import lib as _lib
except ImportError:  # pragma: no cover - exercised by the tests without the native module
    _lib = None
if _lib is not None and not hasattr(_lib, "lxkns_passing_begin"):
    _lib = None  # a module built before it had them: the pure scanner keeps a lock of its own


class _Python:
    """The lock and marks where the native module is not there to keep them: a readers-writer
    lock where a waiting writer goes first (it waits for one short read of an fd directory;
    readers are many and come all the time)."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._readers = 0
        self._writing = False
        self._waiting = 0
        self._kept: set[int] = set()
        os.register_at_fork(after_in_child=self._in_child)

    def _in_child(self) -> None:
        # the child's one thread holds none of the parent's regions
        self._cond = threading.Condition(threading.Lock())
        self._readers = self._waiting = 0
        self._writing = False

    def lxkns_passing_begin(self) -> None:
        with self._cond:
            while self._writing or self._waiting:
                self._cond.wait()
            self._readers += 1

    def lxkns_passing_end(self) -> None:
        with self._cond:
            self._readers -= 1
            if not self._readers:
                self._cond.notify_all()

    def lxkns_passing_own_begin(self) -> None:
        with self._cond:
            self._waiting += 1
            while self._writing or self._readers:
                self._cond.wait()
            self._waiting -= 1
            self._writing = True

    def lxkns_passing_own_end(self) -> None:
        with self._cond:
            self._writing = False
            self._cond.notify_all()

    def lxkns_passing_keep(self, fd: int) -> int:
        self._kept.add(fd)
        return fd

    def lxkns_passing_drop(self, fd: int) -> None:
        self.lxkns_passing_begin()
        try:
            os.close(fd)  # before the mark goes: never open and unmarked outside a region
            self._kept.discard(fd)
        finally:
            self.lxkns_passing_end()

    def lxkns_passing_is_kept(self, fd: int) -> bool:
        return fd in self._kept


#: the native module's functions, or the same made in Python
_impl: Any = _lib if _lib is not None else _Python()


@contextmanager
def region() -> Iterator[None]:
    """Where passing fds are made and closed; regions never nest."""
    _impl.lxkns_passing_begin()
    try:
        yield
    finally:
        _impl.lxkns_passing_end()


@contextmanager
def own() -> Iterator[None]:
    """Where this process' own fd directory is read: no region is open meanwhile."""
    _impl.lxkns_passing_own_begin()
    try:
        yield
    finally:
        _impl.lxkns_passing_own_end()


def keep(fd: int) -> int:
    """Mark an fd made in the current region as passing after it (returns fd)."""
    return int(_impl.lxkns_passing_keep(fd))


def drop(fd: int) -> None:
    """Close a kept fd (outside any region)."""
    _impl.lxkns_passing_drop(fd)


def is_kept(fd: int) -> bool:
    """Whether an fd of ours is a kept passing fd (inside :func:`own`)."""
    return bool(_impl.lxkns_passing_is_kept(fd))


__all__ = ["drop", "is_kept", "keep", "own", "region"]
