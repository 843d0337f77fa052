"""Read files inside other mount namespaces with ordinary file I/O.

A :class:`Mountineer` gives access to the files of one mount namespace:

* where a process is in it, through that process' ``/proc/PID/root``;
* otherwise through a helper: a dedicated thread of this process that
  unshares its fs attributes and enters the mount namespace, then waits
  until the mountineer is closed (``/proc/PID/task/TID/root``);
* where the mount namespace belongs to a user namespace that only entering
  it first gives the rights to (an unprivileged caller and its own
  containers), through a forked single-threaded child that enters the user
  namespace and then the mount namespace.

Its methods resolve paths *inside* that namespace's root: absolute symlinks
and ``..`` never lead out of it (openat2() with RESOLVE_IN_ROOT, or the walk of
lxkns._lowlevel.inroot on kernels before 5.6). They open regular files and
directories only, never a FIFO or a device someone put in a file's place.
``root`` and :meth:`resolve` give paths for other tools, valid while the
mountineer is open (another tool resolves them again, unconfined).

>>> with Mountineer(ns) as m:                  # doctest: +SKIP
...     print(m.read_text("/etc/os-release"))
"""

from __future__ import annotations

import errno
import os
import stat
import threading
from typing import IO, Any

from typing_extensions import Self

from ._entering import (
    ParkedThread,
    Target,
    check,
    label,
    ref_of,
    wormhole_root,
)
from ._lowlevel import inroot, safeopen, sandbox, syscalls
from .errors import NamespaceOpenError, SwitchNamespaceError
from .model import NamespaceType
from .model.types import NamespaceRef

_O_NS = os.O_RDONLY | os.O_CLOEXEC | os.O_NOCTTY
_O_ROOT = os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC


def open_in_root(rootfd: int, path: str, flags: int = _O_NS) -> int:
    """Open a path inside a root directory fd, symlinks and ``..`` confined to it.

    The path is resolved to an O_PATH fd first (lxkns._lowlevel.inroot) and what it
    names is looked at before it is opened: with ``O_PATH`` in ``flags`` that fd
    itself is returned; otherwise only a regular file or a directory is reopened
    with ``flags`` (O_NONBLOCK added for the open itself), anything else (a FIFO, a
    device, a socket) is refused with EMEDIUMTYPE.
    """
    follow = not flags & os.O_NOFOLLOW
    pfd = inroot.open_path(rootfd, path, follow=follow)
    if flags & os.O_PATH:
        return pfd
    try:
        mode = inroot.quick_stat(pfd).mode
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            raise OSError(inroot.EWRONGTYPE, "not a regular file or directory", path)
        fd = safeopen.reopen(pfd, (flags & ~os.O_NOFOLLOW) | os.O_NONBLOCK)
    finally:
        os.close(pfd)
    if not flags & os.O_NONBLOCK:
        os.set_blocking(fd, True)
    return fd


def open_namespace_at(rootfd: int, path: str) -> int:
    """A namespace bind-mounted at ``path`` inside a root: never anything else opened."""
    return safeopen.open_nsfs(path, rootfd, in_root=True)


class Mountineer:
    """File access inside one mount namespace, until :meth:`close` (or the end of ``with``).

    ``target`` is a discovered mount :class:`~lxkns.Namespace` or a ref: a path
    of a mount namespace (``/proc/PID/ns/mnt``, ``/proc/PID/fd/N``, a bind
    mount), or a chain of them where each further path is a bind mount inside
    the mount namespace before it (as discovery gives for namespaces only
    bind-mounted inside process-less mount namespaces). A Namespace is checked
    to be the one its ref leads to now.

    Raises NamespaceOpenError (cannot open), NamespaceTypeError (not a mount
    namespace) or SwitchNamespaceError (cannot enter); each names the
    namespace. Paths given to the methods are paths inside the namespace.
    """

    def __init__(self, target: Target, *, native: bool | None = None) -> None:
        self._ref: NamespaceRef = ref_of(target)
        self._what = label(target)
        self._native = native
        self._lock = threading.Lock()
        self._rootfd = -1
        self._root = ""
        self._pid = 0
        self._via = ""
        self._helper: ParkedThread | None = None
        self._sandbox: tuple[int, int] | None = None
        try:
            self._open(target)
        except BaseException:
            self.close()
            raise

    # ---------------------------------------------------------------- opening

    def _open(self, target: Target) -> None:
        ref = self._ref
        last = len(ref) - 1
        first = ref[0]
        verify = target if last == 0 else first
        wormhole = wormhole_root(first)
        if wormhole is not None:
            self._use_wormhole(wormhole, first, verify)
        else:
            self._enter(self._open_ns(lambda: safeopen.open_nsfs(first), first), verify)
        for i, path in enumerate(ref[1:], start=1):
            where = " » ".join(ref[: i + 1])
            fd = self._open_ns(lambda p=path: open_namespace_at(self._rootfd, p), where)
            self._enter(fd, target if i == last else where)

    @staticmethod
    def _open_ns(opener: Any, what: str) -> int:
        try:
            fd: int = opener()
        except OSError as exc:
            raise NamespaceOpenError(exc.errno or errno.EIO, "cannot open mount namespace", what) from None
        return fd

    def _use_wormhole(self, root: str, nspath: str, verify: Target) -> None:
        """A process in it: its /proc/PID/root, opened before the namespace is checked
        (so that a PID reused meanwhile is noticed)."""
        try:
            rootfd = os.open(root, _O_ROOT)
        except OSError as exc:
            raise NamespaceOpenError(exc.errno or errno.EIO, "cannot open the root of mount namespace",
                                     label(verify)) from None
        try:
            nsfd = self._open_ns(lambda: safeopen.open_nsfs(nspath), label(verify))
            try:
                check(nsfd, verify, NamespaceType.MNT)
            finally:
                os.close(nsfd)
        except BaseException:
            os.close(rootfd)
            raise
        self._rootfd, self._root, self._via = rootfd, root, "process"
        self._pid = int(root.split("/")[-2])

    def _enter(self, fd: int, verify: Target) -> None:
        """No process in it: a helper thread enters it (else a forked helper, through its user
        namespace); consumes fd."""
        what = label(verify)
        try:
            check(fd, verify, NamespaceType.MNT)
            helper: ParkedThread | None = ParkedThread([(fd, NamespaceType.MNT, what)])
            sandboxed: tuple[int, int, int] | None = None
            try:
                helper.start()  # type: ignore[union-attr]
            except SwitchNamespaceError as exc:
                helper = None
                if exc.errno != errno.EPERM:
                    raise
                sandboxed = self._sandboxed(fd, what, exc)
        finally:
            os.close(fd)
        if helper is not None:
            root, pid, via = f"/proc/{os.getpid()}/task/{helper.tid}/root", helper.tid, "thread"
            try:
                rootfd = os.open(root, _O_ROOT)
            except OSError as exc:
                helper.stop()
                raise NamespaceOpenError(exc.errno or errno.EIO, "cannot open the root of mount namespace",
                                         what) from None
        else:  # the forked helper is non-dumpable: its root comes as an fd, named through ours
            assert sandboxed is not None
            pid, via, rootfd = sandboxed[0], "process", sandboxed[2]
            root = f"/proc/{os.getpid()}/fd/{rootfd}"
        self._release()
        self._rootfd, self._root, self._pid, self._via = rootfd, root, pid, via
        self._helper = helper
        self._sandbox = None if sandboxed is None else (sandboxed[0], sandboxed[1])

    def _sandboxed(self, fd: int, what: str, cause: SwitchNamespaceError) -> tuple[int, int, int]:
        """Enter through the owning user namespace, in a forked single-threaded child."""
        try:
            userns = syscalls.ns_owner(fd)
        except OSError:
            raise cause from None
        try:
            return sandbox.start(userns, fd, native=self._native)
        except OSError as exc:
            raise SwitchNamespaceError(
                exc.errno or errno.EPERM,
                f"cannot enter mount namespace (nor through its {exc.filename or 'user'} namespace)",
                what) from None
        finally:
            os.close(userns)

    def _release(self) -> None:
        if self._rootfd >= 0:
            os.close(self._rootfd)
            self._rootfd = -1
        helper, self._helper = self._helper, None
        sandboxed, self._sandbox = self._sandbox, None
        if helper is not None:
            helper.stop()
        if sandboxed is not None:
            sandbox.stop(*sandboxed)

    # ---------------------------------------------------------------- what it is

    @property
    def ref(self) -> NamespaceRef:
        return self._ref

    @property
    def root(self) -> str:
        """The namespace's root directory as a path of ours (``/proc/PID/root``)."""
        self._check_open()
        return self._root

    @property
    def pid(self) -> int:
        """The process (or thread) whose root is used."""
        self._check_open()
        return self._pid

    @property
    def via(self) -> str:
        """``"process"`` (a process' root, or a forked helper's) or ``"thread"`` (a helper thread)."""
        return self._via

    @property
    def closed(self) -> bool:
        return self._rootfd < 0

    def _check_open(self) -> None:
        if self._rootfd < 0:
            raise ValueError(f"the mountineer of {self._what} is closed")

    # ---------------------------------------------------------------- file access

    def resolve(self, path: str) -> str:
        """``path`` as a path of ours: the root, then the path with its symlinks resolved
        inside the namespace."""
        self._check_open()
        fd, parts = inroot.walk(self._rootfd, path, missing_ok=True)
        if fd >= 0:
            os.close(fd)
        return self._root + ("/" + "/".join(parts) if parts else "")

    def open_fd(self, path: str, flags: int = os.O_RDONLY) -> int:
        """An fd of a file inside the namespace (the caller closes it).

        With ``O_PATH`` in ``flags``, of anything; otherwise only of a regular
        file or a directory: a FIFO, device or socket is refused (OSError with
        EMEDIUMTYPE), since opening one may block or act on it.
        """
        self._check_open()
        return open_in_root(self._rootfd, path, flags | os.O_CLOEXEC)

    def open_namespace_fd(self, path: str) -> int:
        """An fd of a namespace bind-mounted at ``path`` inside this mount namespace."""
        self._check_open()
        return open_namespace_at(self._rootfd, path)

    def open(self, path: str, mode: str = "r", *, encoding: str | None = None,
             errors: str | None = None, newline: str | None = None) -> IO[Any]:
        """A file inside the namespace, for reading (``"r"`` or ``"rb"``)."""
        if mode not in ("r", "rt", "rb"):
            raise ValueError(f"a mountineer opens files for reading only, not {mode!r}")
        fd = self.open_fd(path, os.O_RDONLY | os.O_NOCTTY)
        try:
            if mode == "rb":
                return open(fd, "rb")
            return open(fd, encoding=encoding or "utf-8", errors=errors, newline=newline)
        except BaseException:
            os.close(fd)
            raise

    def read_bytes(self, path: str, *, limit: int | None = None) -> bytes:
        """The contents of a regular file; OSError (EFBIG) if it has more than ``limit`` bytes."""
        self._check_open()
        if limit is None:
            with self.open(path, "rb") as f:
                data: bytes = f.read()
                return data
        return safeopen.read_regular(path, self._rootfd, cap=limit)

    def read_text(self, path: str, encoding: str = "utf-8", errors: str = "strict", *,
                  limit: int | None = None) -> str:
        """The text of a regular file (see :meth:`read_bytes`)."""
        return self.read_bytes(path, limit=limit).decode(encoding, errors)

    def listdir(self, path: str = "/") -> list[str]:
        """The names in a directory inside the namespace."""
        fd = self.open_fd(path, os.O_RDONLY | os.O_DIRECTORY)
        try:
            return os.listdir(fd)
        finally:
            os.close(fd)

    def stat(self, path: str, *, follow_symlinks: bool = True) -> os.stat_result:
        """``os.stat`` of ``path`` in the mount namespace (of a symlink itself if not ``follow_symlinks``)."""
        fd = self.open_fd(path, os.O_PATH | (0 if follow_symlinks else os.O_NOFOLLOW))
        try:
            return os.fstat(fd)
        finally:
            os.close(fd)

    def exists(self, path: str) -> bool:
        """Whether ``path`` exists in the mount namespace (a dangling symlink does not)."""
        try:
            self.stat(path)
        except (FileNotFoundError, NotADirectoryError):
            return False
        return True

    def readlink(self, path: str) -> str:
        """The target of a symlink inside the namespace (as written, not resolved)."""
        fd = self.open_fd(path, os.O_PATH | os.O_NOFOLLOW)
        try:
            return os.readlink("", dir_fd=fd)
        finally:
            os.close(fd)

    # ---------------------------------------------------------------- life cycle

    def close(self) -> None:
        """Release the root and end the helper, if any. Closing twice does nothing."""
        with self._lock:
            self._release()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        if getattr(self, "_rootfd", -1) >= 0 or getattr(self, "_helper", None) is not None:
            self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else f"root {self._root} ({self._via})"
        return f"<Mountineer {self._what} {state}>"


def open_namespace(target: Target, want: NamespaceType | None = None) -> int:
    """An fd of a namespace, checked for type (and identity, for a Namespace).

    Multi-element refs are bind-mount chains: element 0 opens a mount namespace
    in ours, every further element is a path inside the mount namespace before
    it; the last one is the namespace wanted.
    """
    ref = ref_of(target)
    what = label(target)
    if len(ref) == 1:
        try:
            fd = safeopen.open_nsfs(ref[0])
        except OSError as exc:
            raise NamespaceOpenError(exc.errno or errno.EIO, "cannot open namespace", what) from None
    else:
        with Mountineer(ref[:-1]) as mnt:
            try:
                fd = mnt.open_namespace_fd(ref[-1])
            except OSError as exc:
                raise NamespaceOpenError(exc.errno or errno.EIO, "cannot open namespace", what) from None
    try:
        check(fd, target, want)
    except BaseException:
        os.close(fd)
        raise
    return fd


__all__ = ["Mountineer", "open_in_root", "open_namespace", "open_namespace_at"]
