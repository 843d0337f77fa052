"""Reaching an engine's unix socket without trusting the path to it.

An engine inside a container binds its socket below the container's root, a
directory its root user controls: a component of the path may be swapped for
a symlink between our look and our ``connect()``, which resolves the path
again. So a socket is opened with ``O_PATH`` inside the engine's root
(symlinks confined to it, lxkns._lowlevel.inroot), checked to be a socket, and
connected to as ``/proc/self/fd/N``: the very socket file that was checked.

Where the listening socket's inode is known, the process that answers
(SO_PEERCRED: the one that called ``listen()``) must hold that very socket,
so that no path, whoever controls it, leads root's connection to another
process' socket (a host socket bind-mounted into a container, a fake engine).
"""

from __future__ import annotations

import contextlib
import os
import socket
import stat
import struct
from collections.abc import Iterator

from .._lowlevel import inroot, safeopen
from .errors import EngineImpostor, EngineUnreachable, from_oserror
from .records import Endpoint

_O_ROOT = os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC
_UCRED = struct.Struct("=iII")


def endpoint_of(target: Endpoint | str) -> Endpoint:
    """An Endpoint for a plain path (the caller's own, connected to as given)."""
    return target if isinstance(target, Endpoint) else Endpoint(target, "", explicit=True)


def owner_guard(root: str) -> inroot.MountGuard | None:
    """The guard of the mount namespace behind ``/proc/PID/root``, if it belongs to another
    user namespace than ours (None: ours, or not a process' root, walked as is)."""
    base, _, last = root.rpartition("/")
    if last != "root" or not base.rpartition("/")[2].isdecimal():
        return None
    try:
        if os.stat(f"{base}/ns/user").st_ino == os.stat("/proc/self/ns/user").st_ino:
            return None
        text = safeopen.read_regular(f"{base}/mountinfo", cap=256 << 20, in_root=False)
    except OSError:
        return inroot.MountGuard(())  # cannot tell: no mount may be passed
    from .._lowlevel.parsers import mount_ids_and_types

    return inroot.MountGuard.of_table(mount_ids_and_types(text))


def resolve(root: str, path: str) -> tuple[str, str] | None:
    """(how we name it, path inside the root) of a socket an engine with root ``root``
    bound at ``path``; None if it cannot be reached or is no socket."""
    if not root:
        try:
            os.close(safeopen.open_socket(path, in_root=False))
        except OSError:
            return None
        return path, path
    try:
        rootfd = os.open(root, _O_ROOT)
    except OSError:
        return None
    try:
        fd, parts = inroot.walk(rootfd, path, guard=owner_guard(root))
        try:
            if not stat.S_ISSOCK(inroot.quick_stat(fd).mode):
                return None
        finally:
            os.close(fd)
    except OSError:
        return None
    finally:
        os.close(rootfd)
    inner = "/" + "/".join(parts)
    return root + inner, inner


@contextlib.contextmanager
def socket_fd(ep: Endpoint) -> Iterator[int]:
    """An O_PATH fd of the endpoint's socket file, resolved inside its root (EngineUnreachable,
    EngineDenied)."""
    try:
        if ep.root:
            rootfd = os.open(ep.root, _O_ROOT)
            try:
                fd = safeopen.open_socket(ep.inner or "/", rootfd, guard=owner_guard(ep.root))
            finally:
                os.close(rootfd)
        else:
            fd = safeopen.open_socket(ep.inner or ep.path, in_root=False)
    except OSError as exc:
        raise from_oserror(ep.path, exc) from None
    try:
        yield fd
    finally:
        os.close(fd)


def connect(sock: socket.socket, ep: Endpoint) -> None:
    """connect() to the endpoint through an fd of its socket file, then check who answers."""
    with socket_fd(ep) as fd:
        sock.connect(f"/proc/self/fd/{fd}")
    check_peer(sock, ep)


def check_peer(sock: socket.socket, ep: Endpoint) -> None:
    """EngineImpostor unless the listening process holds the socket the engine was seen on."""
    if not ep.listener:
        return
    pid, _, _ = _UCRED.unpack(sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _UCRED.size))
    held = holds(pid, ep.listener) if pid else False
    if held is None:  # it ended right after it accepted: nobody to ask
        raise EngineUnreachable(f"{ep.path}: the process that listened (PID {pid}) has ended")
    if not held:
        raise EngineImpostor(f"{ep.path}: answered by PID {pid}, which does not hold "
                             f"socket:[{ep.listener}]")


def probe(ep: Endpoint, timeout: float) -> None:
    """One connection to check who answers (for clients that connect on their own, gRPC)."""
    if not ep.listener:
        return
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC) as sock:
        sock.settimeout(timeout)
        try:
            connect(sock, ep)
        except EngineImpostor:
            raise
        except OSError as exc:
            raise from_oserror(ep.path, exc) from None


def holds(pid: int, ino: int, proc: str = "/proc") -> bool | None:
    """Whether process ``pid`` (of our PID namespace) has socket ``ino`` among its fds;
    None if it has ended, or is ending (its fds are being closed)."""
    want = f"socket:[{ino}]"
    fd_dir = f"{proc}/{pid}/fd"
    try:
        names = os.listdir(fd_dir)
    except (FileNotFoundError, ProcessLookupError):
        return None
    except OSError:
        return False
    for name in names:
        try:
            if os.readlink(f"{fd_dir}/{name}") == want:
                return True
        except OSError:
            continue
    return None if _ended(f"{proc}/{pid}/stat") else False


_PF_EXITING = 0x4  # include/linux/sched.h: set as do_exit() begins, before the fds are closed


def _ended(stat_path: str) -> bool:
    """Whether a process has ended or is ending: gone, a zombie, or killed and in do_exit()
    (where its fd table may already be empty though it is no zombie yet)."""
    try:
        with open(stat_path, "rb") as f:
            stat_line = f.read()
    except OSError:
        return True
    fields = stat_line[stat_line.rfind(b")") + 2 :].split()
    if not fields or fields[0] in (b"Z", b"X"):
        return True
    try:
        return bool(int(fields[6]) & _PF_EXITING)  # field 9 of the line: the task's flags
    except (IndexError, ValueError):
        return False


__all__ = ["check_peer", "connect", "endpoint_of", "holds", "owner_guard", "probe", "resolve",
           "socket_fd"]
