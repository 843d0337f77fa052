"""Finding engine API sockets without configuration.

Engine daemons are recognized by their process names. Which unix sockets a
daemon listens on is read from ``/proc/PID/net/unix`` (every unix socket of
its network namespace, with the path it was bound to) crossed with the
socket inodes among its open fds. The bound path means something in the
daemon's own mount namespace and root, so it is reached through
``/proc/PID/root``, with symlinks resolved inside that root: an engine in a
container is found just like one on the host.

systemd (or anything else named like an activator) may hold a podman socket
for a podman service that is not running yet; connecting to it starts one.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Mapping
from typing import NamedTuple

from .records import Endpoint

#: process names (comm) of engine daemons, and the kind of API each serves
ENGINE_PROCESSES: Mapping[str, str] = {
    "dockerd": "docker",
    "containerd": "containerd",
    "crio": "cri",
    "podman": "podman",
}
ACTIVATORS = frozenset({"systemd"})
ACTIVATED_SUFFIX = "podman.sock"

_ACCEPTCON = 0x10000
_SOCK_STREAM = 1
_MAX_HOPS = 40


class Candidate(NamedTuple):
    """A process that looks like an engine daemon (or an activator)."""

    pid: int
    comm: str
    kind: str  # "docker", "containerd", "cri", "podman", or "activator"


def candidates(procs: Iterable[tuple[int, str, tuple[str, ...]]]) -> list[Candidate]:
    """Engine daemons and activators among (pid, comm, cmdline) of a process table.

    A podman process is an engine only when it runs the API service
    (``podman system service``); ``podman run`` and friends are clients.
    """
    found = []
    for pid, comm, cmdline in procs:
        kind = ENGINE_PROCESSES.get(comm)
        if kind == "podman" and not ("system" in cmdline[1:] and "service" in cmdline[1:]):
            continue
        if kind is None and comm in ACTIVATORS:
            kind = "activator"
        if kind is not None:
            found.append(Candidate(pid, comm, kind))
    return found


def parse_net_unix(text: str) -> dict[int, str]:
    """Listening stream sockets with a path, by inode, from a /proc/PID/net/unix text."""
    out: dict[int, str] = {}
    for line in text.splitlines()[1:]:
        fields = line.split(None, 7)
        if len(fields) < 8:
            continue  # unbound socket: no path
        try:
            flags, typ, ino = int(fields[3], 16), int(fields[4], 16), int(fields[6])
        except ValueError:
            continue
        path = fields[7]
        if flags & _ACCEPTCON and typ == _SOCK_STREAM and path.startswith("/"):
            out[ino] = path
    return out


def listening_sockets(procfs: str, pid: int | str) -> dict[int, str]:
    """Listening unix sockets of PID's network namespace, by inode; {} if unreadable."""
    try:
        with open(f"{procfs}/{pid}/net/unix", encoding="utf-8", errors="surrogateescape") as f:
            return parse_net_unix(f.read())
    except OSError:
        return {}


def socket_inodes(procfs: str, pid: int) -> set[int] | None:
    """Inodes of the sockets among PID's open fds; None if they may not be read."""
    found: set[int] = set()
    fd_dir = f"{procfs}/{pid}/fd"
    try:
        names = os.listdir(fd_dir)
    except PermissionError:
        return None
    except OSError:
        return found
    for name in names:
        try:
            link = os.readlink(f"{fd_dir}/{name}")
        except OSError:
            continue
        if link.startswith("socket:[") and link.endswith("]") and link[8:-1].isdigit():
            found.add(int(link[8:-1]))
    return found


def resolve_in_root(root: str, path: str) -> str | None:
    """``path`` as seen by a process whose root is ``root`` (a /proc/PID/root), reachable
    from here; symlinks are followed inside that root. None if it does not exist."""
    pending = [p for p in path.split("/") if p and p != "."]
    done: list[str] = []
    hops = 0
    while pending:
        part = pending.pop(0)
        if part == "..":
            if done:
                done.pop()
            continue
        here = "/".join([root, *done, part])
        try:
            st = os.lstat(here)
        except OSError:
            return None
        if stat.S_ISLNK(st.st_mode):
            hops += 1
            if hops > _MAX_HOPS:
                return None
            try:
                target = os.readlink(here)
            except OSError:
                return None
            if target.startswith("/"):
                done = []
            pending = [p for p in target.split("/") if p and p != "."] + pending
            continue
        done.append(part)
    return "/".join([root, *done])


def _same_view(procfs: str, pid: int) -> bool:
    """Whether PID sees the file system as we do (same mount namespace and root)."""
    try:
        mine, theirs = os.stat("/proc/self/ns/mnt"), os.stat(f"{procfs}/{pid}/ns/mnt")
        if (mine.st_dev, mine.st_ino) != (theirs.st_dev, theirs.st_ino):
            return False
        mine, theirs = os.stat("/"), os.stat(f"{procfs}/{pid}/root")
        return (mine.st_dev, mine.st_ino) == (theirs.st_dev, theirs.st_ino)
    except OSError:
        return False


def reachable(procfs: str, pid: int, path: str) -> str | None:
    """How this process reaches a socket path bound by PID; None if it cannot."""
    if _same_view(procfs, pid):
        return path if os.path.exists(path) else None
    return resolve_in_root(f"{procfs}/{pid}/root", path)


class Sockets(NamedTuple):
    """The listening sockets of one candidate: (socket inode, reachable path) pairs,
    the paths it listens on that cannot be reached from here, and whether its
    fds could not be read at all."""

    reachable: list[tuple[int, str]]
    unreachable: list[str]
    denied: bool = False


def sockets_of(procfs: str, cand: Candidate, fd_sockets: set[int] | None) -> Sockets:
    """The unix sockets a candidate listens on; ``fd_sockets`` are its socket inodes
    when the scan already read them (None or empty: read them here)."""
    held = fd_sockets or socket_inodes(procfs, cand.pid)
    if held is None:
        return Sockets([], [], denied=True)
    listening = listening_sockets(procfs, cand.pid)
    out = Sockets([], [])
    for ino in sorted(held & listening.keys()):
        path = listening[ino]
        if path.endswith(".ttrpc"):
            continue  # containerd's shim-facing ttrpc socket
        if cand.kind == "activator" and not path.endswith(ACTIVATED_SUFFIX):
            continue
        where = reachable(procfs, cand.pid, path)
        if where is None:
            out.unreachable.append(path)
        else:
            out.reachable.append((ino, where))
    return out


Lost = list[tuple[Candidate, Sockets]]


def endpoints(procfs: str, cands: Iterable[Candidate],
              fd_sockets: Mapping[int, set[int]] | None) -> tuple[list[Endpoint], Lost]:
    """Endpoints of all candidates, a socket held by several (an activator and the podman
    it started) once; and candidates (not activators) without a reachable socket."""
    by_ino: dict[int, Endpoint] = {}
    lost: Lost = []
    ordered = sorted(cands, key=lambda c: (c.kind == "activator", c.pid))
    for cand in ordered:
        found = sockets_of(procfs, cand, None if fd_sockets is None else fd_sockets.get(cand.pid))
        if not found.reachable and cand.kind != "activator":
            lost.append((cand, found))
        for ino, path in found.reachable:
            if ino in by_ino:
                continue
            if cand.kind == "activator":
                by_ino[ino] = Endpoint(path, "podman", 0, activator=cand.pid)
            else:
                by_ino[ino] = Endpoint(path, cand.kind, cand.pid)
    return list(by_ino.values()), lost
