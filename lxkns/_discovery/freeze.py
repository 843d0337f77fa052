"""The last step: turn the drafts into the immutable graph.

Objects are created first, then linked (both ways) before the Discovery is
handed out; after that nothing can be assigned. Process and Task objects are
made earlier, while the scanner still works (freeze_processes).
"""

from __future__ import annotations

from itertools import chain as _chain
from operator import attrgetter
from types import MappingProxyType

from .._lowlevel import ProcRecord
from .._lowlevel.records import (
    LINK_MNT,
    LINK_PID,
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
from ..model._making import positional_maker
from ..model.containers import Container, ContainerEngine, ContainerGroup
from ..model.mounts import MountNamespace
from ..model.types import LEXICAL_ORDER
from .builder import Builder, NsDraft
from .freeze_processes import MadeProcesses, make_processes
from .mounts import freeze_mounts

_Key = tuple[int, int]
_PID = attrgetter("pid")
_set = object.__setattr__  # links of objects made here, before anyone else sees them (as set_links)


def _tid(t: ProcRecord) -> int:
    return t.pid


_FIRST_FIELDS = ("id", "type", "stable_id", "ref", "sources")  # the rest are links, set later
_MAKERS = {LINK_USER: positional_maker(UserNamespace, *_FIRST_FIELDS),
           LINK_PID: positional_maker(HierarchicalNamespace, *_FIRST_FIELDS),
           LINK_MNT: positional_maker(MountNamespace, *_FIRST_FIELDS)}
_MAKE_PLAIN = positional_maker(Namespace, *_FIRST_FIELDS)
_make_id = positional_maker(NamespaceID, "dev", "ino")


def _make_namespace(d: NsDraft) -> Namespace:
    make = _MAKERS.get(d.link, _MAKE_PLAIN)
    return make(_make_id(d.dev, d.ino), LEXICAL_ORDER[d.link], d.stable_id, d.ref, frozenset(d.sources))


class _Freezer:
    def __init__(self, b: Builder, made: MadeProcesses) -> None:
        self.b = b
        self.ns: dict[_Key, Namespace] = {key: _make_namespace(d) for key, d in b.namespaces.items()}
        self.procs: dict[int, Process] = made.procs
        self.tasks: dict[int, Task] = made.tasks  # by TID, non-main threads
        # the processes of each link set (Builder.groups), as made: the views' third part
        self.groups: dict[tuple[int, ...], list[Process]] = {ns: v[2] for ns, v in made.views.items()}
        made.fill(self.ns)
        made.set_frozen(b)

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
        procs, tasks, nss, user_names, groups = self.procs, self.tasks, self.ns, b.user_names, self.groups
        children: dict[_Key, list[HierarchicalNamespace]] = {}
        owned: dict[_Key, dict[NamespaceType, list[Namespace]]] = {}
        for key, d in b.namespaces.items():
            ns = nss[key]
            if d.groups:
                if len(d.groups) == 1:
                    _set(ns, "processes", tuple(groups[d.groups[0]]))
                else:  # the groups' processes, merged (each group is in PID order)
                    _set(ns, "processes", tuple(sorted(_chain.from_iterable(groups[g] for g in d.groups),
                                                       key=_PID)))
            if d.leaders:
                _set(ns, "leaders", tuple([procs[r.pid] for r in d.leaders]))
            if d.ealdorman is not None:
                _set(ns, "ealdorman", procs[d.ealdorman.pid])
            if d.tasks:
                if len(d.tasks) == 1:  # most: a thread in a namespace of its own
                    loose = tasks.get(d.tasks[0].pid)
                    _set(ns, "loose_threads", (loose,) if loose is not None else ())
                else:
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
        self.link_namespaces()
        containers: tuple[Container, ...] = ()
        engines: tuple[ContainerEngine, ...] = ()
        groups: tuple[ContainerGroup, ...] = ()
        if b.engines:  # the container modules are imported only where there are containers
            from .freeze_containers import freeze_containers

            containers, engines, groups = freeze_containers(b.engines, self.procs)
        by_link: list[dict[NamespaceID, Namespace]] = [{} for _ in LEXICAL_ORDER]
        for key in sorted(self.ns):  # (type index, inode)
            ns = self.ns[key]
            by_link[key[0]][ns.id] = ns
        by_type = dict(zip(LEXICAL_ORDER, by_link, strict=True))
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


def freeze(b: Builder, made: MadeProcesses | None = None) -> Discovery:
    """The Discovery; ``made``: the process objects if they were made already (else now)."""
    return _Freezer(b, made if made is not None else make_processes(b)).discovery()
