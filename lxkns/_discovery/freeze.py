"""The last step: turn the drafts into the immutable graph.

Objects are created first, then linked (both ways) before the Discovery is
handed out; after that nothing can be assigned.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from .._lowlevel import NTYPES, ProcRecord
from .._lowlevel.records import (
    LINK_MNT,
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
from ..model.mounts import MountNamespace
from ..model.types import LEXICAL_ORDER
from .builder import Builder, NsDraft
from .freeze_containers import freeze_containers
from .mounts import freeze_mounts

_Key = tuple[int, int]
_set = object.__setattr__  # links of objects made here, before anyone else sees them (as set_links)
_CHILD_LINKS = ((LINK_PID_FOR_CHILDREN, LINK_PID), (LINK_TIME_FOR_CHILDREN, LINK_TIME))


def _tid(t: ProcRecord) -> int:
    return t.pid


def _make_namespace(d: NsDraft) -> Namespace:
    cls: type[Namespace]
    if d.link == LINK_USER:
        cls = UserNamespace
    elif d.link == LINK_PID:
        cls = HierarchicalNamespace
    elif d.link == LINK_MNT:
        cls = MountNamespace
    else:
        cls = Namespace
    return cls(id=NamespaceID(d.dev, d.ino), type=LEXICAL_ORDER[d.link], stable_id=d.stable_id,
               ref=d.ref, sources=frozenset(d.sources))


class _Freezer:
    def __init__(self, b: Builder) -> None:
        self.b = b
        self.ns: dict[_Key, Namespace] = {key: _make_namespace(d) for key, d in b.namespaces.items()}
        self.procs: dict[int, Process] = {}
        self.tasks: dict[int, Task] = {}  # by TID, non-main threads
        # a process' links -> (its namespaces, its for_children namespaces), shared by equal links
        self.ns_maps: dict[tuple[int, ...], tuple[Mapping[NamespaceType, Namespace],
                                                  Mapping[NamespaceType, Namespace]]] = {}
        self.own_maps: dict[tuple[int, ...], Mapping[NamespaceType, Namespace]] = {}
        self.child_maps: dict[tuple[int, int], Mapping[NamespaceType, Namespace]] = {}

    def namespaces_of(self, r: ProcRecord) -> tuple[Mapping[NamespaceType, Namespace],
                                                    Mapping[NamespaceType, Namespace]]:
        """The namespace mappings of a process or thread; equal ones are shared."""
        ns = r.ns
        maps = self.ns_maps.get(ns)
        if maps is not None:
            return maps
        own = self.own_maps.get(ns[:NTYPES])
        if own is None:
            own = self.own_maps[ns[:NTYPES]] = MappingProxyType({
                LEXICAL_ORDER[k]: found for k in range(NTYPES)
                if ns[k] and (found := self.ns.get((k, ns[k]))) is not None
            })
        child_key = (ns[LINK_PID_FOR_CHILDREN], ns[LINK_TIME_FOR_CHILDREN])
        children = self.child_maps.get(child_key)
        if children is None:
            children = self.child_maps[child_key] = MappingProxyType({
                LEXICAL_ORDER[t]: found for k, t in _CHILD_LINKS
                if ns[k] and (found := self.ns.get((t, ns[k]))) is not None
            })
        maps = self.ns_maps[ns] = (own, children)
        return maps

    def build_processes(self) -> None:
        b = self.b
        cgroups, frozen, affinity, credentials = b.cgroups, b.frozen, b.affinity, b.credentials
        linked = b.options.from_procs
        none2: tuple[None, None] = (None, None)
        no_ns: Mapping[NamespaceType, Namespace] = MappingProxyType({})
        no_maps = (no_ns, no_ns)
        procs, tasks, ns_maps = self.procs, self.tasks, self.ns_maps
        all_tasks = b.tasks
        for pid in sorted(b.procs):
            r = b.procs[pid]
            if not linked:
                own, children = no_maps
            elif (maps := ns_maps.get(r.ns)) is not None:
                own, children = maps
            else:
                own, children = self.namespaces_of(r)
            cpu, fridge = cgroups.get(pid, none2)
            fridge_frozen = frozen.get(fridge) if fridge is not None else None
            cpus = affinity.get(pid) if affinity else None
            euid, caps = credentials.get(pid, none2) if credentials else none2
            p = procs[pid] = Process(
                pid=pid, ppid=r.ppid, cmdline=r.cmdline, euid=euid, effective_caps=caps,
                name=r.comm, starttime=r.starttime,
                state=r.state, nice=r.nice, priority=r.priority, policy=r.policy, cpu_cgroup=cpu,
                fridge_cgroup=fridge, frozen=fridge_frozen, affinity=cpus, namespaces=own,
                for_children=children)
            extra = all_tasks.get(pid)
            if not extra:
                continue  # the main thread is made from the process when first asked for
            threads = []
            for t in extra:
                t_own, t_children = self.namespaces_of(t) if linked else no_maps
                t_cpu, t_fridge = cgroups.get(t.pid, none2)
                task = Task(tid=t.pid, process=p, name=t.comm, starttime=t.starttime, state=t.state,
                            nice=t.nice, priority=t.priority, policy=t.policy, cpu_cgroup=t_cpu,
                            fridge_cgroup=t_fridge,
                            frozen=frozen.get(t_fridge) if t_fridge is not None else None,
                            affinity=affinity.get(t.pid), namespaces=t_own, for_children=t_children)
                threads.append(task)
                tasks[t.pid] = task
            _set(p, "_threads", tuple(threads))
        children_of: dict[int, list[Process]] = {}
        for pid, p in procs.items():
            ppid = p.ppid
            if ppid != pid and (parent := procs.get(ppid)) is not None:
                _set(p, "parent", parent)
                kids = children_of.get(ppid)
                if kids is None:
                    children_of[ppid] = [p]
                else:
                    kids.append(p)
        for pid, kids in children_of.items():
            _set(procs[pid], "children", tuple(kids))

    def holders(self, d: NsDraft) -> tuple[Process, ...]:
        """Processes holding a namespace open by an fd, or by a socket in it."""
        if not (d.fds or d.held_by or d.sockets):
            return ()
        pids = {f.pid for f in d.fds}
        pids.update(d.held_by)
        for sock in d.sockets:
            pids.update(self.b.socket_processes.get(sock, ()))
        return tuple(self.procs[pid] for pid in sorted(pids) if pid in self.procs)

    def link_namespaces(self) -> None:
        """Each namespace's processes, leaders, threads, holders, owner and parent; only links
        that are not the class' empty default are set (most namespaces have few)."""
        b = self.b
        procs, tasks, nss, user_names = self.procs, self.tasks, self.ns, b.user_names
        children: dict[_Key, list[HierarchicalNamespace]] = {}
        owned: dict[_Key, dict[NamespaceType, list[Namespace]]] = {}
        for key, d in b.namespaces.items():
            ns = nss[key]
            if d.procs:
                _set(ns, "processes", tuple([procs[r.pid] for r in d.procs]))
            if d.leaders:
                _set(ns, "leaders", tuple([procs[r.pid] for r in d.leaders]))
            if d.ealdorman is not None:
                _set(ns, "ealdorman", procs[d.ealdorman.pid])
            if d.tasks:
                _set(ns, "loose_threads", tuple(tasks[t.pid] for t in sorted(d.tasks, key=_tid)
                                                if t.pid in tasks))
            if d.fds or d.held_by or d.sockets:
                _set(ns, "holders", self.holders(d))
            if d.owner:
                owner = nss.get((LINK_USER, d.owner))
                if isinstance(owner, UserNamespace):
                    _set(ns, "owner", owner)
                    owned.setdefault((LINK_USER, d.owner), {}).setdefault(ns.type, []).append(ns)
            if d.parent and isinstance(ns, HierarchicalNamespace):
                parent = nss.get((d.link, d.parent))
                if isinstance(parent, HierarchicalNamespace):
                    _set(ns, "parent", parent)
                    children.setdefault((d.link, d.parent), []).append(ns)
            if d.owner_uid is not None and isinstance(ns, UserNamespace):
                _set(ns, "owner_uid", d.owner_uid)
                _set(ns, "owner_name", user_names.get(d.owner_uid))
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
        containers, engines, groups = freeze_containers(b.engines, self.procs)
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
            mounts=freeze_mounts(b, self.ns),
            socket_processes=MappingProxyType({k: tuple(v) for k, v in sorted(b.socket_processes.items())}),
            diagnostics=b.diagnostics.result(),
            containers=containers,
            container_engines=engines,
            container_groups=groups,
            online_cpus=b.online_cpus,
            nsfs_dev=b.scan.nsfs_dev,
            scanner=b.scan.implementation,
            procfs_root=b.procfs,
        )


def freeze(b: Builder) -> Discovery:
    return _Freezer(b).discovery()
