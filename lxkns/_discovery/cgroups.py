"""Stages: cgroup paths of processes and threads, and the freezer state of each.

Paths in /proc/PID/cgroup are relative to the reader's cgroup namespace. The
freezer state is read from the cgroup hierarchies as the initial mount
namespace sees them: the v1 ``freezer`` hierarchy if there is one
(``freezer.state``), else the unified one (``cgroup.events``).
"""

from __future__ import annotations

import os

from .._lowlevel import parsers
from .._lowlevel.records import LINK_MNT
from ..errors import ParseError
from ..model.diagnostics import DiagnosticKind
from .builder import Builder


def add_cgroups(b: Builder) -> None:
    cache: dict[str, parsers.CgroupPaths | None] = {}
    for r in (*b.procs.values(), *b.scan.tasks):
        if not r.cgroup:
            continue
        if r.cgroup in cache:
            paths = cache[r.cgroup]
        else:
            try:
                paths = cache[r.cgroup] = parsers.parse_cgroup(r.cgroup)
            except ParseError as exc:
                paths = cache[r.cgroup] = None
                b.diagnostics.add(DiagnosticKind.MALFORMED, "cgroups", str(exc),
                                  example=f"{b.proc_path(r.tgid)}/cgroup")
        if paths is not None:
            b.cgroups[r.pid] = (paths.cpu, paths.freezer)


def initial_mount_context(b: Builder) -> str:
    """A /proc/PID path whose mount view is the initial mount namespace's, else our own."""
    ino = b.initial.get(LINK_MNT)
    if ino:
        d = b.namespaces.get((LINK_MNT, ino))
        if d is not None and d.ealdorman is not None:
            return b.proc_path(d.ealdorman.pid)
        for m in b.scan.mntns:
            if m.ino == ino and m.pid and not m.err:
                return b.proc_path(m.pid, m.tid)
        oldest = min((p for p in b.procs.values() if p.ns[LINK_MNT] == ino),
                     key=lambda p: (p.starttime, p.pid), default=None)
        if oldest is not None:
            return b.proc_path(oldest.pid)
    own = f"{b.procfs}/self"
    return own if os.path.exists(own) else "/proc/self"  # a procfs of another PID namespace


def _freezer_root(b: Builder, ctx: str) -> tuple[str, str, bool] | None:
    """(directory of the hierarchy root, cgroup path mounted there, is v1) of the freezer."""
    try:
        with open(f"{ctx}/mountinfo", encoding="utf-8", errors="surrogateescape") as f:
            mounts, _ = parsers.parse_mountinfo(f.read())
    except OSError as exc:
        b.diagnostics.oserror("freezer", "cannot read the initial mount table", exc.errno or 0,
                              example=f"{ctx}/mountinfo")
        return None
    v1 = [m for m in mounts if m.fstype == "cgroup" and "freezer" in m.super_options]
    v2 = [m for m in mounts if m.fstype == "cgroup2"]
    chosen = v1[0] if v1 else (v2[0] if v2 else None)
    if chosen is None:
        b.diagnostics.add(DiagnosticKind.UNAVAILABLE, "freezer", "no freezer cgroup hierarchy mounted",
                          example=f"{ctx}/mountinfo")
        return None
    return f"{ctx}/root{chosen.mount_point}", chosen.root, bool(v1)


def _is_frozen(directory: str, v1: bool) -> bool | None:
    try:
        if v1:
            with open(f"{directory}/freezer.state", encoding="ascii", errors="replace") as f:
                return f.read().strip() in ("FROZEN", "FREEZING")
        with open(f"{directory}/cgroup.events", encoding="ascii", errors="replace") as f:
            return any(line.strip() == "frozen 1" for line in f)
    except FileNotFoundError:
        return False  # the root cgroup has no freezer files: never frozen
    except OSError:
        return None


def add_freezer(b: Builder) -> None:
    paths = {fridge for _, fridge in b.cgroups.values() if fridge is not None}
    if not paths:
        return
    found = _freezer_root(b, initial_mount_context(b))
    if found is None:
        return
    top, mounted, v1 = found
    prefix = mounted.rstrip("/")
    for path in sorted(paths):
        if path != mounted and not path.startswith(prefix + "/"):
            continue  # outside the part of the hierarchy that is mounted
        directory = os.path.join(top, path[len(prefix):].lstrip("/")).rstrip("/")
        state = _is_frozen(directory, v1)
        if state is None:
            b.diagnostics.add(DiagnosticKind.UNAVAILABLE, "freezer", "cannot read a freezer state",
                              example=directory)
        else:
            b.frozen[path] = state
