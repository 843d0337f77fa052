"""The last step: turn the drafts into the immutable graph.

Objects are created first, then linked (both ways) before the Discovery is
handed out; after that nothing can be assigned.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from .._lowlevel import NTYPES, ProcRecord
from .._lowlevel.records import (
    LINK_PID,
    LINK_PID_FOR_CHILDREN,
    LINK_TIME,
    LINK_TIME_FOR_CHILDREN,
    LINK_USER,
)
from ..model import (
    Discovery,
    HierarchicalNamespace,
    Namespace,
    NamespacedPID,
    NamespaceID,
    NamespaceType,
    PIDMap,
    Process,
    Task,
    UserNamespace,
)
from ..model._linking import set_links
from ..model.types import LEXICAL_ORDER
from .builder import Builder, NsDraft

_Key = tuple[int, int]
_CHILD_LINKS = ((LINK_PID_FOR_CHILDREN, LINK_PID), (LINK_TIME_FOR_CHILDREN, LINK_TIME))


def _make_namespace(d: NsDraft) -> Namespace:
    cls: type[Namespace]
    if d.link == LINK_USER:
        cls = UserNamespace
    elif d.link == LINK_PID:
        cls = HierarchicalNamespace
    else:
        cls = Namespace
    return cls(id=NamespaceID(d.dev, d.ino), type=LEXICAL_ORDER[d.link], ref=d.ref,
               sources=frozenset(d.sources))


class _Freezer:
    def __init__(self, b: Builder) -> None:
        self.b = b
        self.ns: dict[_Key, Namespace] = {key: _make_namespace(d) for key, d in b.namespaces.items()}
        self.procs: dict[int, Process] = {}
        self.tasks: dict[int, Task] = {}  # by TID, non-main threads
        self.ns_maps: dict[tuple[int, ...], Mapping[NamespaceType, Namespace]] = {}

    def namespaces_of(self, r: ProcRecord) -> tuple[Mapping[NamespaceType, Namespace],
                                                    Mapping[NamespaceType, Namespace]]:
        """The namespace mappings of a process or thread; equal ones are shared."""
        key = r.ns
        own = self.ns_maps.get(key)
        if own is None:
            own = self.ns_maps[key] = MappingProxyType({
                LEXICAL_ORDER[k]: ns for k in range(NTYPES)
                if r.ns[k] and (ns := self.ns.get((k, r.ns[k]))) is not None
            })
        child_key = (-1, *key)
        children = self.ns_maps.get(child_key)
        if children is None:
            children = self.ns_maps[child_key] = MappingProxyType({
                LEXICAL_ORDER[t]: ns for k, t in _CHILD_LINKS
                if r.ns[k] and (ns := self.ns.get((t, r.ns[k]))) is not None
            })
        return own, children

    def common(self, r: ProcRecord, tid: int) -> dict[str, object]:
        b = self.b
        cpu, fridge = b.cgroups.get((r.tgid, tid), (None, None))
        own, children = self.namespaces_of(r)
        return {
            "name": r.comm, "starttime": r.starttime, "state": r.state, "nice": r.nice,
            "priority": r.priority, "policy": r.policy, "cpu_cgroup": cpu,
            "fridge_cgroup": fridge, "frozen": b.frozen.get(fridge) if fridge is not None else None,
            "affinity": b.affinity.get(r.pid), "namespaces": own, "for_children": children,
        }

    def build_processes(self) -> None:
        b = self.b
        for pid in sorted(b.procs):
            r = b.procs[pid]
            self.procs[pid] = Process(pid=pid, ppid=r.ppid, cmdline=r.cmdline, **self.common(r, 0))  # type: ignore[arg-type]
        children: dict[int, list[Process]] = {}
        for p in self.procs.values():
            if p.ppid in self.procs and p.ppid != p.pid:
                children.setdefault(p.ppid, []).append(p)
        for pid, p in self.procs.items():
            r = b.procs[pid]
            main = Task(tid=pid, process=p, **self.common(r, 0))  # type: ignore[arg-type]
            threads = [main]
            for t in b.tasks.get(pid, ()):
                task = Task(tid=t.pid, process=p, **self.common(t, t.pid))  # type: ignore[arg-type]
                threads.append(task)
                self.tasks[t.pid] = task
            set_links(p, parent=self.procs.get(p.ppid) if p.ppid != pid else None,
                      children=tuple(children.get(pid, ())), tasks=tuple(threads))

    def link_namespaces(self) -> None:
        b = self.b
        members: dict[_Key, list[Process]] = {}
        for pid, p in self.procs.items():
            r = b.procs[pid]
            for k in range(NTYPES):
                if r.ns[k]:
                    members.setdefault((k, r.ns[k]), []).append(p)
        children: dict[_Key, list[HierarchicalNamespace]] = {}
        owned: dict[_Key, dict[NamespaceType, list[Namespace]]] = {}
        for key, d in b.namespaces.items():
            ns = self.ns[key]
            links: dict[str, object] = {
                "processes": tuple(members.get(key, ())),
                "leaders": tuple(self.procs[r.pid] for r in d.leaders if r.pid in self.procs),
                "ealdorman": self.procs.get(d.ealdorman.pid) if d.ealdorman is not None else None,
                "loose_threads": tuple(self.tasks[t.pid] for t in sorted(d.tasks, key=lambda t: t.pid)
                                       if t.pid in self.tasks),
            }
            owner = self.ns.get((LINK_USER, d.owner)) if d.owner else None
            if isinstance(owner, UserNamespace):
                links["owner"] = owner
                owned.setdefault((LINK_USER, d.owner), {}).setdefault(ns.type, []).append(ns)
            if isinstance(ns, HierarchicalNamespace) and d.parent:
                parent = self.ns.get((d.link, d.parent))
                if isinstance(parent, HierarchicalNamespace):
                    links["parent"] = parent
                    children.setdefault((d.link, d.parent), []).append(ns)
            if isinstance(ns, UserNamespace):
                links["owner_uid"] = d.owner_uid
                links["owner_name"] = b.user_names.get(d.owner_uid) if d.owner_uid is not None else None
            set_links(ns, **links)
        for key, kids in children.items():
            set_links(self.ns[key], children=tuple(sorted(kids, key=lambda n: n.id.ino)))
        for key, by_type in owned.items():
            set_links(self.ns[key], owned=MappingProxyType({
                t: tuple(sorted(v, key=lambda n: n.id.ino))
                for t, v in sorted(by_type.items(), key=lambda kv: kv[0].type_name)
            }))

    def pid_map(self) -> PIDMap | None:
        if not self.b.options.with_pid_map:
            return None
        chains: dict[tuple[HierarchicalNamespace, int], tuple[NamespacedPID, ...]] = {}
        for chain, _is_task in self.b.pid_chains:
            entries = []
            for ino, pid in chain:
                ns = self.ns.get((LINK_PID, ino))
                if not isinstance(ns, HierarchicalNamespace):
                    break
                entries.append(NamespacedPID(pid, ns))
            else:
                value = tuple(entries)
                for e in value:
                    chains.setdefault((e.pidns, e.pid), value)
        return PIDMap(chains)

    def discovery(self) -> Discovery:
        b = self.b
        self.build_processes()
        self.link_namespaces()
        by_type: dict[NamespaceType, dict[NamespaceID, Namespace]] = {t: {} for t in LEXICAL_ORDER}
        for key in sorted(self.ns, key=lambda k: (k[0], k[1])):
            ns = self.ns[key]
            by_type[ns.type][ns.id] = ns
        roots_user = tuple(sorted((ns for ns in self.ns.values()
                                   if isinstance(ns, UserNamespace) and ns.parent is None),
                                  key=lambda n: n.id.ino))
        roots_pid = tuple(sorted((ns for ns in self.ns.values()
                                  if type(ns) is HierarchicalNamespace and ns.parent is None),
                                 key=lambda n: n.id.ino))
        initial = {LEXICAL_ORDER[k]: self.ns[(k, ino)] for k, ino in sorted(b.initial.items())
                   if (k, ino) in self.ns}
        return Discovery(
            options=b.options,
            namespaces=MappingProxyType({t: MappingProxyType(m) for t, m in by_type.items()}),
            processes=MappingProxyType(self.procs),
            initial_namespaces=MappingProxyType(initial),
            user_roots=roots_user,
            pid_roots=roots_pid,
            pid_map=self.pid_map(),
            socket_processes=MappingProxyType({k: tuple(v) for k, v in sorted(b.socket_processes.items())}),
            diagnostics=b.diagnostics.result(),
            online_cpus=b.online_cpus,
            nsfs_dev=b.scan.nsfs_dev,
            scanner=b.scan.implementation,
            procfs_root=b.procfs,
        )


def freeze(b: Builder) -> Discovery:
    return _Freezer(b).discovery()
