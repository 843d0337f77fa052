"""Running code inside other namespaces.

Two ways, for what the kernel allows where:

* :class:`NamespaceThread` (and :func:`run_in`): a dedicated thread of this
  process enters the namespaces and runs functions there. A thread can
  switch its network, UTS, IPC, cgroup, mount and PID namespaces (PID: for
  the children it forks only); for a mount namespace it first unshares its
  fs attributes. At the end it returns to its original namespaces, in
  reverse order; a thread that cannot is never used again (it ends anyway:
  the calling thread itself never switches).
* :func:`run_in_process`: a forked child enters the namespaces -- user
  namespaces first, which only a single-threaded process may enter, so a
  multi-threaded program (Jupyter, pytest-xdist) cannot do it in a thread --
  runs the function and sends its result back (pickled).

Namespaces are given as discovered :class:`~lxkns.Namespace` objects (checked
to be the namespace their ref leads to now), as paths (``/proc/PID/ns/net``,
a bind mount, ``/proc/PID/fd/N``), or as ref chains (tuples of paths, see
:class:`~lxkns.mountineer.Mountineer`). Failures raise NamespaceOpenError,
NamespaceTypeError, SwitchNamespaceError or RestoreNamespaceError, each
naming the namespace.
"""

from __future__ import annotations

import contextlib
import errno
import os
import pickle
import struct
import sys
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

from typing_extensions import Self

from ._entering import ParkedThread, Target, label, type_of
from ._lowlevel import syscalls
from .errors import LxknsError, NamespaceTypeError, SwitchNamespaceError
from .model import NamespaceType
from .mountineer import open_namespace as _open_namespace

T = TypeVar("T")

#: the namespace types a thread of a multi-threaded process may switch to
THREAD_TYPES = (NamespaceType.CGROUP | NamespaceType.IPC | NamespaceType.MNT | NamespaceType.NET
                | NamespaceType.PID | NamespaceType.UTS)


def open_namespace(target: Target, type: NamespaceType | None = None) -> int:
    """An fd of a namespace (the caller closes it), checked for its type if ``type`` is given,
    and for its identity if ``target`` is a Namespace."""
    return _open_namespace(target, type)


def _open_all(targets: tuple[Target, ...]) -> list[tuple[int, NamespaceType, str]]:
    if not targets:
        raise ValueError("no namespace given")
    opened: list[tuple[int, NamespaceType, str]] = []
    try:
        for target in targets:
            fd = _open_namespace(target)
            opened.append((fd, type_of(fd, label(target)), label(target)))
    except BaseException:
        for fd, _, _ in opened:
            os.close(fd)
        raise
    return opened


class NamespaceThread:
    """A dedicated thread inside a set of namespaces, for the duration of a ``with`` block.

    >>> with NamespaceThread(netns, utsns) as t:     # doctest: +SKIP
    ...     names = t.run(socket.if_nameindex)

    Entering raises if any namespace cannot be opened or entered (nothing is
    left running then); user and time namespaces raise NamespaceTypeError
    (use :func:`run_in_process`). Leaving returns the thread to its original
    namespaces before it ends, and raises RestoreNamespaceError if it could not.
    """

    def __init__(self, *targets: Target) -> None:
        self._targets = targets
        self._thread: ParkedThread | None = None
        #: after the block: True if the thread returned to its original namespaces, False if not
        self.restored: bool | None = None

    def __enter__(self) -> Self:
        opened = _open_all(self._targets)
        try:
            for _, t, what in opened:
                if not t & THREAD_TYPES:
                    raise NamespaceTypeError(
                        errno.EINVAL, f"a thread cannot enter a {t.type_name} namespace "
                        "(a single-threaded process can: run_in_process()):", what)
            thread = ParkedThread(opened, restore=True, name="lxkns-switch")
            thread.start()
        finally:
            for fd, _, _ in opened:
                os.close(fd)
        self._thread = thread
        return self

    @property
    def tid(self) -> int:
        """The thread's ID (for /proc/PID/task/TID/...)."""
        if self._thread is None:
            raise RuntimeError("the namespace thread is not running")
        return self._thread.tid

    def run(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Call ``fn(*args, **kwargs)`` inside the namespaces; its result, or its exception."""
        if self._thread is None:
            raise RuntimeError("the namespace thread is not running")
        result: T = self._thread.call(fn, *args, **kwargs)
        return result

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            try:
                thread.stop()  # RestoreNamespaceError if it could not return
            finally:
                self.restored = thread.restored


def run_in(fn: Callable[[], T], /, *targets: Target) -> T:
    """fn() run on a dedicated thread inside the namespaces (see :class:`NamespaceThread`)."""
    with NamespaceThread(*targets) as t:
        return t.run(fn)


_LEN = struct.Struct("=Q")


def run_in_process(fn: Callable[[], T], /, *targets: Target) -> T:
    """fn() run in a forked child inside the namespaces; its result (pickled back) or exception.

    The child enters user namespaces first (for the capabilities they give),
    then the others in the order given. The namespaces are opened here,
    before the fork. ``fn`` runs in a copy of this process, so it may be a
    lambda or a closure; its result and exceptions must be picklable. Forking
    a multi-threaded process copies only the calling thread: fn should not
    rely on locks other threads might have held.
    """
    opened = _open_all(targets)
    opened.sort(key=lambda o: o[1] != NamespaceType.USER)
    try:
        r, w = os.pipe2(os.O_CLOEXEC)
        try:
            pid = os.fork()
        except BaseException:
            os.close(r)
            os.close(w)
            raise
        if pid == 0:  # pragma: no cover - the child; its outcome is checked through the pipe
            os.close(r)
            _child(fn, opened, w)
        os.close(w)
    finally:
        for fd, _, _ in opened:
            os.close(fd)
    try:
        data = syscalls.read_all(r)
    finally:
        os.close(r)
        syscalls.reap(pid)
    if len(data) < _LEN.size:
        raise LxknsError("the helper process ended without a result")
    kind, value = pickle.loads(data[_LEN.size :])
    if kind == "ok":
        result: T = value
        return result
    if kind == "switch":
        index, err = value
        raise SwitchNamespaceError(err, "cannot enter namespace", opened[index][2])
    if kind == "raised":
        raise value
    raise LxknsError(f"the helper process failed: {value}")


def _child(fn: Callable[[], Any], opened: list[tuple[int, NamespaceType, str]],
           w: int) -> None:  # pragma: no cover - runs in the forked child
    code = 0
    try:
        for index, (fd, t, _) in enumerate(opened):
            try:
                syscalls.setns(fd, int(t))
            except OSError as exc:
                _send(w, ("switch", (index, exc.errno or errno.EPERM)))
                return
        try:
            value = fn()
        except BaseException as exc:
            try:
                _send(w, ("raised", exc))
            except Exception as pickling:
                _send(w, ("failed", f"{type(exc).__name__}: {exc} (not picklable: {pickling})"))
            return
        try:
            _send(w, ("ok", value))
        except Exception as pickling:
            _send(w, ("failed", f"the result is not picklable: {pickling}"))
    except BaseException:
        code = 70
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)


def _send(w: int, message: tuple[str, Any]) -> None:  # pragma: no cover - child side
    data = pickle.dumps(message)
    view = memoryview(_LEN.pack(len(data)) + data)
    while view:
        n = os.write(w, view)
        view = view[n:]


__all__ = ["THREAD_TYPES", "NamespaceThread", "open_namespace", "run_in", "run_in_process"]
