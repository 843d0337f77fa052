"""Stage: the best reference (ref) of every namespace.

A namespace may be reachable in several ways; the ref is the one most
likely to stay valid, ranked:

1. its ealdorman's /proc/PID/ns/TYPE (the oldest process lives longest);
2. /proc/PID/ns/{pid,time}_for_children of the oldest process showing it;
3. /proc/PID/task/TID/ns/TYPE of its oldest loose thread;
4. /proc/PID/fd/N of the oldest process holding it open;
5. a bind mount: the ref of the mount namespace it is mounted in, plus its
   path there -- the shortest such chain, then the one whose mount namespace
   ref starts at the oldest process. Paths that failed to open come last;
6. a loose thread that is a helper thread of lxkns (of this or another
   program's discovery, mountineer or switching): it is gone in a moment.

Namespaces found only through a socket, a parent or an owner have no ref.
The ranking does not depend on the order in which things were found.
"""

from __future__ import annotations

from .._lowlevel import BindMountRecord, FdRecord, MntnsRecord, ProcRecord
from .._lowlevel.records import HELPER_THREAD_NAMES, LINK_MNT, LINK_NAMES
from .builder import Builder, NsDraft

_Ref = tuple[str, ...]
_Key = tuple[int, int, int]  # (start time, pid, tid) of the process a ref starts at
_NEVER: _Key = (1 << 62, 0, 0)


def _age(r: ProcRecord) -> _Key:
    return (r.starttime, r.tgid, r.pid if r.tgid != r.pid else 0)


class _Refs:
    def __init__(self, b: Builder) -> None:
        self.b = b
        self.contexts: dict[int, MntnsRecord] = {m.ino: m for m in b.scan.mntns}
        self.mnt_cache: dict[int, tuple[_Ref, _Key]] = {}
        self.visiting: set[int] = set()
        self.mnt_sightings: dict[int, tuple[list[ProcRecord], list[ProcRecord], list[FdRecord],
                                            list[BindMountRecord]]] | None = None
        self.task_start: dict[int, int] = {t.pid: t.starttime for t in b.scan.tasks}

    def link_ref(self, r: ProcRecord, link: int) -> _Ref:
        base = self.b.proc_path(r.tgid, r.pid if r.tgid != r.pid else 0)
        return (f"{base}/ns/{LINK_NAMES[link]}",)

    def start_of(self, pid: int, tid: int) -> int:
        if tid and tid != pid:
            return self.task_start.get(tid, _NEVER[0])
        r = self.b.procs.get(pid)
        return r.starttime if r is not None else _NEVER[0]

    def context(self, mntns: int) -> tuple[_Ref, _Key] | None:
        """The ref of the mount namespace whose view showed a bind mount."""
        m = self.contexts.get(mntns)
        if m is None or m.err:
            return None
        if m.pid:
            base = self.b.proc_path(m.pid, m.tid)
            return (f"{base}/ns/mnt",), (self.start_of(m.pid, m.tid), m.pid, m.tid)
        return self.mount_namespace_ref(mntns)

    def mount_namespace_ref(self, ino: int) -> tuple[_Ref, _Key] | None:
        if ino in self.mnt_cache:
            return self.mnt_cache[ino]
        if ino in self.visiting:
            return None  # mount namespaces bind-mounted inside each other
        self.visiting.add(ino)
        try:
            d = self.b.namespaces.get((LINK_MNT, ino))
            if d is not None:
                found = self.best(d.ealdorman, d.for_children, d.tasks, d.fds, d.binds, LINK_MNT)
            else:
                procs, tasks, fds, binds = self.sightings_of_mnt(ino)
                oldest = min(procs, key=lambda p: (p.starttime, p.pid)) if procs else None
                found = self.best(oldest, [], tasks, fds, binds, LINK_MNT)
        finally:
            self.visiting.discard(ino)
        if found is not None:
            self.mnt_cache[ino] = found
        return found

    def sightings_of_mnt(self, ino: int) -> tuple[list[ProcRecord], list[ProcRecord], list[FdRecord],
                                                  list[BindMountRecord]]:
        """Sightings of mount namespaces this discovery does not report (MNT filtered out)."""
        if self.mnt_sightings is None:
            self.mnt_sightings = {}
            for p in self.b.procs.values():
                if p.ns[LINK_MNT]:
                    self.mnt_sightings.setdefault(p.ns[LINK_MNT], ([], [], [], []))[0].append(p)
            for t in self.b.scan.tasks:
                proc = self.b.procs.get(t.tgid)
                if t.ns[LINK_MNT] and (proc is None or proc.ns[LINK_MNT] != t.ns[LINK_MNT]):
                    self.mnt_sightings.setdefault(t.ns[LINK_MNT], ([], [], [], []))[1].append(t)
            for f in self.b.scan.fds:
                if f.kind == 0 and f.link == LINK_MNT:
                    self.mnt_sightings.setdefault(f.ino, ([], [], [], []))[2].append(f)
            for m in self.b.scan.bindmounts:
                if m.link == LINK_MNT:
                    self.mnt_sightings.setdefault(m.ino, ([], [], [], []))[3].append(m)
        return self.mnt_sightings.get(ino, ([], [], [], []))

    def best(self, ealdorman: ProcRecord | None,
             for_children: list[ProcRecord], tasks: list[ProcRecord], fds: list[FdRecord],
             binds: list[BindMountRecord], link: int) -> tuple[_Ref, _Key] | None:
        if ealdorman is not None:
            return self.link_ref(ealdorman, link), _age(ealdorman)
        if for_children:
            r = min(for_children, key=_age)
            child_link = {4: 8, 5: 9}.get(link, link)
            return self.link_ref(r, child_link), _age(r)
        steady = [t for t in tasks if t.comm not in HELPER_THREAD_NAMES]
        if steady:
            t = min(steady, key=_age)
            return self.link_ref(t, link), _age(t)
        if fds:
            f = min(fds, key=lambda f: (self.start_of(f.pid, 0), f.pid, f.fd))
            return (f"{self.b.proc_path(f.pid)}/fd/{f.fd}",), (self.start_of(f.pid, 0), f.pid, 0)
        candidates = []
        for m in binds:
            ctx = self.context(m.mntns)
            if ctx is None:
                continue
            ref = (*ctx[0], m.path)
            candidates.append(((m.err > 0, len(ref), ctx[1], ref), ref, ctx[1]))
        if candidates:
            _, ref, key = min(candidates)
            return ref, key
        if tasks:  # only helper threads
            t = min(tasks, key=_age)
            return self.link_ref(t, link), _age(t)
        return None


def add_refs(b: Builder) -> None:
    refs = _Refs(b)
    for d in b.namespaces.values():
        found = refs.best(d.ealdorman, d.for_children, d.tasks, d.fds, d.binds, d.link)
        d.ref = found[0] if found is not None else ()


__all__ = ["NsDraft", "add_refs"]
