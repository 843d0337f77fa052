"""The leak guard: what a test left behind, found by comparing two discoveries.

A :class:`Snapshot` is a discovery (namespaces from every source, processes
and threads, the mount tables) plus this process' open fds. Comparing the
snapshot before a test with one after it (:func:`leftovers`, through
:func:`lxkns.changes`) finds what appeared and is still there. Only what
the test can have made counts: this process and its descendants (processes,
their threads, the namespaces they are attached to or hold open), the mount
namespaces they are in (new mounts, bind-mounted namespace files such as an
``ip netns add`` leaves), and this process' fds and threads. Processes
elsewhere on the host are never counted, nor the namespaces that only they
keep alive.

The mount that ``ip netns add`` makes of ``/run/netns`` once per host is not
counted. Mounts carry no owner: a mount that someone else makes meanwhile in a
mount namespace the test shares counts too. Suites on a shared host run in
a mount namespace of their own (``unshare -m``) or switch the mount check
off (``lxkns_no_leaks(mounts=False)``; bind-mounted namespace files are not
counted then either).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Hashable, Iterable

import attrs

from .._discovery import discover
from ..model import STANDARD, Discovery, MountPoint, Namespace, NamespaceType, Process
from ..model.changes import changes, namespace_key, process_key

#: what a snapshot discovers: every namespace source, the mount tables, nothing slow
OPTIONS = STANDARD.replace(with_mounts=True, with_cgroups=False, with_freezer=False,
                           with_user_names=False, with_containers=False)

#: the kinds of leftovers, each of which can be switched off
CHECKS = ("namespaces", "processes", "threads", "fds", "mounts")

#: ``ip netns add`` makes the directory of its bind mounts a mount of its own, once per host
#: and for good: that mount is no leftover of a test (the namespace files on it are)
NETNS_DIRS = frozenset({"/run/netns", "/var/run/netns"})


@attrs.frozen
class Snapshot:
    """What exists at one moment, as far as the guard looks."""

    discovery: Discovery
    fds: dict[int, str]
    threads: dict[tuple[int, int], str]
    pid: int


def _fds() -> dict[int, str]:
    out = {}
    listing = os.listdir("/proc/self/fd")
    for name in listing:
        try:
            out[int(name)] = os.readlink(f"/proc/self/fd/{name}")
        except OSError:
            continue  # the fd of the listing itself, closed by now
    return out


def _threads() -> dict[tuple[int, int], str]:
    """(TID, start time) -> name of this process' threads (read after a discovery is done:
    the discovery's own scanner threads are gone by then)."""
    out = {}
    for name in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue  # ended meanwhile
        comm = stat[stat.index(b"(") + 1 : stat.rindex(b")")].decode(errors="replace")
        starttime = int(stat[stat.rindex(b")") + 2 :].split()[19])
        out[(int(name), starttime)] = comm
    return out


def snapshot() -> Snapshot:
    """Discover what exists now (and this process' fds and threads)."""
    d = discover(OPTIONS)
    return Snapshot(discovery=d, fds=_fds(), threads=_threads(), pid=os.getpid())


def _tree(d: Discovery, pid: int) -> dict[Hashable, Process]:
    """This process and its descendants, keyed by process key."""
    me = d.processes.get(pid)
    return {process_key(p): p for p in me.walk()} if me is not None else {}


def _pname(p: Process) -> str:
    cmd = " ".join(p.cmdline) or p.name
    return f"process {p.pid} {cmd[:80]!r}"


def _python_thread_names() -> dict[int, str]:
    return {t.native_id: t.name for t in threading.enumerate() if t.native_id is not None}


def _thread_name(tid: int, comm: str, names: dict[int, str]) -> str:
    py = names.get(tid)
    return f"thread {tid} {comm!r}" + (f" (Python thread {py!r})" if py else "")


def _mount_namespaces(tree: Iterable[Process]) -> set[Hashable]:
    return {namespace_key(p.namespaces[NamespaceType.MNT]) for p in tree if NamespaceType.MNT in p.namespaces}


def _mount_name(m: MountPoint) -> str:
    return f"mount {m.mount_id} {m.mount_point!r} ({m.fstype} {m.source!r}) in mnt:[{m.mntns_id.ino}]"


def leftovers(before: Snapshot, after: Snapshot, checks: Iterable[str] = CHECKS) -> list[str]:
    """One line for each thing that is in ``after`` but not in ``before`` and that the
    process of ``before`` or its descendants keep; [] if there is none."""
    wanted = set(checks)
    unknown = wanted - set(CHECKS)
    if unknown:
        raise ValueError(f"unknown leak checks {sorted(unknown)}: there are {', '.join(CHECKS)}")
    diff = changes(before.discovery, after.discovery)
    old_tree = _tree(before.discovery, before.pid)
    tree = _tree(after.discovery, before.pid)
    new_procs = [p for k, p in tree.items() if k not in old_tree]
    lines: list[str] = []

    # mounts in the mount namespaces the test's processes are in, which existed before
    ours = _mount_namespaces(tree.values())
    appeared_ns = {namespace_key(ns) for ns in diff.appeared_namespaces}
    new_mounts = [m for m in diff.appeared_mounts if m.mntns is not None
                  and namespace_key(m.mntns) in ours and namespace_key(m.mntns) not in appeared_ns
                  and m.mount_point not in NETNS_DIRS]
    # (without the mount check, bind mounts keep no namespace of the test either)
    nsfs = {m.root: m for m in new_mounts if m.fstype == "nsfs"} if "mounts" in wanted else {}
    reported_nsfs: set[str] = set()

    if "namespaces" in wanted:
        for ns in diff.appeared_namespaces:
            why = _kept_by(ns, tree, nsfs)
            if why:
                lines.append(f"{ns.type_id} ({ns.type.type_name} namespace) kept by {why}")
                reported_nsfs.add(ns.type_id)
    if "processes" in wanted:
        for p in sorted(new_procs, key=lambda p: p.pid):
            parent = f"child of {p.parent.pid} {p.parent.name!r}" if p.parent is not None else "orphan"
            lines.append(f"{_pname(p)} ({parent}, state {p.state})")
    if "threads" in wanted:
        names = _python_thread_names()
        lines += [_thread_name(tid, comm, names) for (tid, start), comm in sorted(after.threads.items())
                  if (tid, start) not in before.threads]
    if "fds" in wanted:
        for fd, target in sorted(after.fds.items()):
            if before.fds.get(fd) != target:
                lines.append(f"fd {fd} -> {target}")
    if "mounts" in wanted:
        lines += [_mount_name(m) for m in new_mounts
                  if not (m.fstype == "nsfs" and m.root in reported_nsfs)]
    return lines


def _kept_by(ns: Namespace, tree: dict[Hashable, Process], nsfs: dict[str, MountPoint]) -> str:
    """What of the test keeps ``ns`` alive ("" if nothing of the test does)."""
    reasons = []
    attached = [p for p in ns.processes if process_key(p) in tree]
    if attached:
        more = f" and {len(attached) - 1} more" if len(attached) > 1 else ""
        reasons.append(f"{_pname(attached[0])}{more}")
    threads = [t for t in ns.loose_threads if t.process is not None and process_key(t.process) in tree]
    if threads:
        reasons.append(f"thread {threads[0].tid} of process {threads[0].pid}")
    holders = [p for p in ns.holders if process_key(p) in tree]
    if holders:
        reasons.append(f"an open fd or socket of {_pname(holders[0])}")
    mount = nsfs.get(ns.type_id)
    if mount is not None:
        reasons.append(f"bind mount {mount.mount_point} "
                       f"(mount {mount.mount_id} in mnt:[{mount.mntns_id.ino}])")
    return ", ".join(reasons)


def settle(before: Snapshot, checks: Iterable[str], timeout: float,
           take: Callable[[], Snapshot] = snapshot) -> list[str]:
    """The leftovers, once they stop going away: things a test ends are not always gone
    at once (a killed child not yet reaped, a thread just ending). Waits up to
    ``timeout`` seconds for them to go."""
    checks = tuple(checks)
    deadline = time.monotonic() + timeout
    delay = 0.02
    while True:
        left = leftovers(before, take(), checks)
        if not left or time.monotonic() >= deadline:
            return left
        time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
        delay = min(delay * 2, 0.5)
