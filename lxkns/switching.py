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
  runs the function and sends its result back (pickled, and rebuilt here as
  plain data only: see its trust boundary).

Namespaces are given as discovered :class:`~lxkns.Namespace` objects (checked
to be the namespace their ref leads to now), as paths (``/proc/PID/ns/net``,
a bind mount, ``/proc/PID/fd/N``), or as ref chains (tuples of paths, see
:class:`~lxkns.mountineer.Mountineer`). Failures raise NamespaceOpenError,
NamespaceTypeError, SwitchNamespaceError or RestoreNamespaceError, each
naming the namespace.
"""

from __future__ import annotations

import builtins
import contextlib
import errno
import io
import os
import pickle
import struct
import sys
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any, TypeAlias, TypeVar

from typing_extensions import Self

from . import errors
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
#: default cap of what a run_in_process child may send back (result and output), bytes
MAX_RESULT = 64 << 20
_PLAIN_BUILTINS = frozenset({"complex", "bytearray", "set", "frozenset", "range", "slice"})


class _ResultUnpickler(pickle.Unpickler):
    """Rebuilds plain data and exceptions only, and classes the caller named.

    The child ran inside namespaces that others control; what it sends back is
    data, never code: a pickle naming any other callable is refused.
    """

    def __init__(self, data: bytes, allowed: dict[tuple[str, str], type]) -> None:
        super().__init__(io.BytesIO(data))
        self._allowed = allowed

    def find_class(self, module: str, name: str) -> Any:
        found = self._allowed.get((module, name))
        if found is not None:
            return found
        if module == "builtins":
            obj = getattr(builtins, name, None)
            if name in _PLAIN_BUILTINS or (isinstance(obj, type) and issubclass(obj, BaseException)):
                return obj
        if module == "lxkns.errors":
            obj = getattr(errors, name, None)
            if isinstance(obj, type) and issubclass(obj, BaseException):
                return obj
        raise pickle.UnpicklingError(
            f"the result holds a {module}.{name}, which run_in_process() does not rebuild "
            "(name its class in result_types=... to allow it)")


#: a class whose instances a run_in_process() result may hold (its result_types)
ResultClass: TypeAlias = type


def run_in_process(fn: Callable[[], T], /, *targets: Target, result_types: Iterable[ResultClass] = (),
                   max_result: int = MAX_RESULT) -> T:
    """fn() run in a forked child inside the namespaces; its result or exception.

    The child enters user namespaces first (for the capabilities they give),
    then the others in the order given. The namespaces are opened here,
    before the fork. ``fn`` runs in a copy of this process, so it may be a
    lambda or a closure. Forking a multi-threaded process copies only the
    calling thread: fn should not rely on locks other threads might have held.

    The trust boundary: the child is made non-dumpable before it enters
    anything, so that no process inside the namespaces (their root included)
    may ptrace it, open its /proc/PID/fd or take its fds; it keeps no fd of
    this process but its result pipe (the others are replaced by /dev/null);
    what fn writes to stdout and stderr is captured and written here
    afterwards. Its result comes back pickled, and is rebuilt here as *data*:
    None, bools, numbers, strings, bytes, tuples, lists, dicts and sets, and
    exceptions of the builtins and of lxkns.errors; instances of other classes
    only if ``result_types`` names them (LxknsError otherwise). At most
    ``max_result`` bytes come back. The values themselves are only as
    trustworthy as what fn read inside the namespaces.
    """
    allowed = {(t.__module__, t.__qualname__): t for t in result_types}
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
        data = _receive(r, max_result)
    finally:
        os.close(r)
        syscalls.reap(pid)
    try:
        kind, value, out, err = _ResultUnpickler(data, allowed).load()
    except Exception as exc:
        raise LxknsError(f"the helper process sent back what may not be rebuilt: {exc}") from None
    for stream, text in ((sys.stdout, out), (sys.stderr, err)):
        if text and isinstance(text, bytes):
            stream.write(text.decode("utf-8", "replace"))
    if kind == "ok":
        result: T = value
        return result
    if kind == "switch":
        index, errno_ = value
        raise SwitchNamespaceError(errno_, "cannot enter namespace", opened[index][2])
    if kind == "raised" and isinstance(value, BaseException):
        raise value
    raise LxknsError(f"the helper process failed: {value}")


def _receive(r: int, cap: int) -> bytes:
    """The child's one message: its length, then that many bytes (never more than cap)."""
    head = _read_exactly(r, _LEN.size)
    if len(head) < _LEN.size:
        raise LxknsError("the helper process ended without a result")
    (size,) = _LEN.unpack(head)
    if size > cap:
        raise LxknsError(f"the helper process sent back {size} bytes, more than {cap}")
    data = _read_exactly(r, size)
    if len(data) < size:
        raise LxknsError("the helper process ended in the middle of its result")
    return data


def _read_exactly(fd: int, n: int) -> bytes:
    chunks: list[bytes] = []
    while n:
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def _isolate(keep: set[int]) -> tuple[int, int]:  # pragma: no cover - runs in the forked child
    """Non-dumpable, and no fd of the parent but ``keep``: the others become /dev/null (so
    that objects still holding their numbers close nothing of ours); 0 reads /dev/null,
    1 and 2 write to memory files. Returns those two."""
    syscalls.set_non_dumpable()
    null = os.open("/dev/null", os.O_RDWR | os.O_CLOEXEC)
    out = os.memfd_create("lxkns-stdout"), os.memfd_create("lxkns-stderr")
    own = {null, *out, *keep}
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2 and fd not in own:
            with contextlib.suppress(OSError):
                os.dup2(null, fd, inheritable=False)
    os.dup2(null, 0)
    os.dup2(out[0], 1)
    os.dup2(out[1], 2)
    return out


def _captured(fd: int) -> bytes:  # pragma: no cover - runs in the forked child
    os.lseek(fd, 0, os.SEEK_SET)
    return syscalls.read_all(fd)


def _child(fn: Callable[[], Any], opened: list[tuple[int, NamespaceType, str]],
           w: int) -> None:  # pragma: no cover - runs in the forked child
    code = 0
    out = (-1, -1)

    def send(kind: str, value: Any) -> None:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        captured = tuple(_captured(fd) if fd >= 0 else b"" for fd in out)
        _send(w, (kind, value, *captured))

    try:
        out = _isolate({w, *(fd for fd, _, _ in opened)})
        for index, (fd, t, _) in enumerate(opened):
            try:
                syscalls.setns(fd, int(t))
            except OSError as exc:
                send("switch", (index, exc.errno or errno.EPERM))
                return
        syscalls.set_non_dumpable()  # a change of credentials may have reset it
        for fd, _, _ in opened:
            os.close(fd)
        try:
            value = fn()
        except BaseException as exc:
            try:
                send("raised", exc)
            except Exception as pickling:
                send("failed", f"{type(exc).__name__}: {exc} (not picklable: {pickling})")
            return
        try:
            send("ok", value)
        except Exception as pickling:
            send("failed", f"the result is not picklable: {pickling}")
    except BaseException:
        code = 70
    finally:
        os._exit(code)


def _send(w: int, message: tuple[Any, ...]) -> None:  # pragma: no cover - child side
    data = pickle.dumps(message)
    view = memoryview(_LEN.pack(len(data)) + data)
    while view:
        n = os.write(w, view)
        view = view[n:]


__all__ = ["MAX_RESULT", "THREAD_TYPES", "NamespaceThread", "ResultClass", "open_namespace", "run_in",
           "run_in_process"]
