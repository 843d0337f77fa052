"""Shared machinery of the mountineer and the switching API: naming a namespace
by a ref, checking an opened namespace's type and identity, and a dedicated
thread parked inside a set of namespaces. Opening namespaces from refs (bind-mount
chains included) is the mountineer's, which builds on this.
"""

from __future__ import annotations

import errno
import os
import re
import threading
from collections.abc import Callable, Sequence
from typing import Any

from ._lowlevel import syscalls
from .errors import NamespaceOpenError, NamespaceTypeError, RestoreNamespaceError, SwitchNamespaceError
from .model import Namespace, NamespaceType
from .model.types import NamespaceRef, ref_text

#: what a caller may name a namespace by: a discovered Namespace, one path, or a ref chain
Target = Namespace | str | Sequence[str]

#: the name of helper threads; the scanner never reads a mount namespace through them
HELPER_THREAD_NAME = "lxkns-mntns"

_O_NS = os.O_RDONLY | os.O_CLOEXEC | os.O_NOCTTY
_O_ROOT = os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC
_PROC_MNT = re.compile(r"^(/proc|/.+)/(\d+)(?:/task/(\d+))?/ns/mnt$")


def label(target: Target) -> str:
    """How error messages name a namespace: ``net:[4026532201]``, with its ref if known."""
    if isinstance(target, Namespace):
        return f"{target.type_id} ({target.ref_text})" if target.ref else target.type_id
    if isinstance(target, str):
        return target
    return ref_text(tuple(target))


def ref_of(target: Target) -> NamespaceRef:
    """The ref (chain of paths) of a target; NamespaceOpenError if it has none."""
    if isinstance(target, Namespace):
        if not target.ref:
            raise NamespaceOpenError(errno.ENOENT, "no way to open (no ref) namespace", label(target))
        return target.ref
    ref = (target,) if isinstance(target, str) else tuple(target)
    if not ref or not all(isinstance(p, str) and p.startswith("/") for p in ref):
        raise NamespaceOpenError(errno.EINVAL, "a ref is one or more absolute paths, not", repr(target))
    return ref


def wormhole_root(path: str) -> str | None:
    """``/proc/PID[/task/TID]/root`` for a ``/proc/PID[/task/TID]/ns/mnt`` ref, else None."""
    m = _PROC_MNT.match(path)
    if m is None:
        return None
    base = f"{m.group(1)}/{m.group(2)}"
    return f"{base}/task/{m.group(3)}/root" if m.group(3) else f"{base}/root"


def type_of(fd: int, what: str) -> NamespaceType:
    """The type of a namespace fd (NamespaceOpenError if it is none)."""
    try:
        return NamespaceType(syscalls.ns_type(fd))
    except (OSError, ValueError) as exc:
        err = exc.errno if isinstance(exc, OSError) and exc.errno else errno.EINVAL
        raise NamespaceOpenError(err, "not a namespace:", what) from None


def check(fd: int, target: Target, want: NamespaceType | None) -> NamespaceType:
    """Check an opened namespace fd: its type against ``want``, its ID against a Namespace's."""
    what = label(target)
    t = type_of(fd, what)
    if want is not None and t != want:
        raise NamespaceTypeError(errno.EINVAL, f"expected a {want.type_name} namespace, got {t.type_name}:",
                                 what)
    if isinstance(target, Namespace):
        st = os.fstat(fd)
        if st.st_ino != target.id.ino or (target.id.dev and st.st_dev != target.id.dev) or t != target.type:
            raise NamespaceOpenError(errno.ESTALE, "the ref now leads to another namespace than", what)
    return t


class ParkedThread:
    """A dedicated OS thread that enters namespaces, runs calls there, and ends.

    It unshares its fs attributes first when a mount namespace is among them
    (setns() into a mount namespace needs that in a multi-threaded process).
    With ``restore``, it remembers its original namespaces (and working
    directory) and returns to them, in reverse order, before it ends; a
    thread that cannot return is never reused: it simply ends.
    """

    def __init__(self, fds: Sequence[tuple[int, NamespaceType, str]], *, restore: bool = False,
                 name: str = HELPER_THREAD_NAME) -> None:
        self._fds = list(fds)
        self._restore = restore
        self._name = name
        self._cond = threading.Condition()
        self._work: tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]] | None = None
        self._result: tuple[bool, Any] | None = None
        self._stop = False
        self._started = False
        self._error: BaseException | None = None
        self._restore_error: RestoreNamespaceError | None = None
        self.tid = 0
        #: after the thread ended: whether it returned to its original namespaces
        self.restored: bool | None = None
        self._thread = threading.Thread(target=self._main, name=name, daemon=True)

    # ---------------------------------------------------------------- caller side

    def start(self) -> None:
        """Start the thread and wait until it is inside; SwitchNamespaceError if it could not get in."""
        self._thread.start()
        with self._cond:
            self._cond.wait_for(lambda: self._started)
        if self._error is not None:
            self._thread.join()
            raise self._error

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run ``fn(*args, **kwargs)`` on the thread; its result, or its exception re-raised."""
        with self._cond:
            if self._stop or not self._thread.is_alive():
                raise RuntimeError("the namespace thread has ended")
            self._work = (fn, args, kwargs)
            self._result = None
            self._cond.notify_all()
            self._cond.wait_for(lambda: self._result is not None)
            outcome = self._result
            self._result = None
        assert outcome is not None
        if outcome[0]:
            return outcome[1]
        raise outcome[1]

    def stop(self) -> None:
        """Let the thread return to its namespaces (if asked to) and end; RestoreNamespaceError if
        it could not return."""
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        self._thread.join()
        if self._restore_error is not None:
            err, self._restore_error = self._restore_error, None
            raise err

    # ---------------------------------------------------------------- thread side

    def _main(self) -> None:
        syscalls.set_thread_name(self._name)
        originals: list[tuple[int, NamespaceType]] = []
        try:
            try:
                self._enter(originals)
            except BaseException as exc:
                self._error = exc
                return
            finally:
                with self._cond:
                    self._started = True
                    self._cond.notify_all()
            self._serve()
        finally:
            try:
                if self._restore and self._error is None:
                    self._leave(originals)
            finally:
                for fd, _ in originals:
                    os.close(fd)

    def _enter(self, originals: list[tuple[int, NamespaceType]]) -> None:
        if self._restore:  # before any setns(): /proc may look different afterwards
            for _, t, _ in self._fds:
                originals.append((os.open(f"/proc/thread-self/ns/{t.type_name}", _O_NS), t))
        if any(t == NamespaceType.MNT for _, t, _ in self._fds):
            try:
                syscalls.unshare(syscalls.CLONE_FS)
            except OSError as exc:
                raise SwitchNamespaceError(exc.errno or errno.EPERM,
                                           "cannot unshare fs attributes to enter", self._fds[0][2]) from None
        for fd, t, what in self._fds:
            try:
                syscalls.setns(fd, int(t))
            except OSError as exc:
                raise SwitchNamespaceError(exc.errno or errno.EPERM, "cannot enter namespace", what) from None
        self.tid = threading.get_native_id()

    def _serve(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._stop or self._work is not None)
                if self._work is None:
                    return
                fn, args, kwargs = self._work
                self._work = None
            try:
                result: tuple[bool, Any] = (True, fn(*args, **kwargs))
            except BaseException as exc:  # handed to the caller
                result = (False, exc)
            with self._cond:
                self._result = result
                self._cond.notify_all()

    def _leave(self, originals: list[tuple[int, NamespaceType]]) -> None:
        for (fd, t), (_, _, what) in zip(reversed(originals), reversed(self._fds), strict=True):
            try:
                syscalls.setns(fd, int(t))
            except OSError as exc:
                self.restored = False
                self._restore_error = RestoreNamespaceError(
                    exc.errno or errno.EPERM,
                    f"thread {self.tid} cannot return to its original {t.type_name} namespace from", what)
                return  # the thread ends here and is never used again
        self.restored = True


__all__ = ["HELPER_THREAD_NAME", "ParkedThread", "Target", "check", "label", "ref_of", "type_of",
           "wormhole_root"]
