"""Process and Task objects, made while the scanner still reads sockets and mount tables.

Everything a process is made of is known once the /proc walk is done, except its
namespace objects (they take sightings from sockets and bind mounts) and its
freezer state. So the objects are made early and given *unfilled* namespace
mappings: one read-only view per distinct set of links, over a dict that only
this discovery holds and that :meth:`MadeProcesses.fill` completes when the
namespace objects exist. Nothing here is seen by anyone before the Discovery is
handed out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from .._lowlevel import NTYPES, ProcRecord
from .._lowlevel.records import LINK_PID, LINK_PID_FOR_CHILDREN, LINK_TIME, LINK_TIME_FOR_CHILDREN
from ..model import Namespace, NamespaceType, Process, Task
from ..model._making import positional_maker, slot_setter
from ..model.types import LEXICAL_ORDER
from .builder import Builder

_set = object.__setattr__  # links of objects made here, before anyone else sees them
_NsMap = Mapping[NamespaceType, Namespace]
_NO_NAMESPACES: _NsMap = MappingProxyType({})


@dataclass(slots=True)
class MadeProcesses:
    """The process and thread objects of a discovery, and the mappings they still wait for."""

    procs: dict[int, Process] = field(default_factory=dict)
    tasks: dict[int, Task] = field(default_factory=dict)  # by TID, non-main threads
    # own links (ns[:NTYPES]) -> the dict behind the mapping; likewise for_children links
    own: dict[tuple[int, ...], dict[NamespaceType, Namespace]] = field(default_factory=dict)
    children: dict[tuple[int, int], dict[NamespaceType, Namespace]] = field(default_factory=dict)
    # a record's links -> its two mappings, shared by every record with equal links
    # and the processes with these links (as Builder.groups), in PID order
    views: dict[tuple[int, ...], tuple[_NsMap, _NsMap, list[Process]]] = field(default_factory=dict)

    def views_of(self, r: ProcRecord) -> tuple[_NsMap, _NsMap, list[Process]]:
        """The (namespaces, for_children) mappings of a process or thread with these links,
        and the list of the processes with them."""
        ns = r.ns
        found = self.views.get(ns)
        if found is not None:
            return found
        own_key = ns[:NTYPES]
        own = self.own.get(own_key)
        if own is None:
            own = self.own[own_key] = {}
        child_key = (ns[LINK_PID_FOR_CHILDREN], ns[LINK_TIME_FOR_CHILDREN])
        children = self.children.get(child_key)
        if children is None:
            children = self.children[child_key] = {}
        found = self.views[ns] = (MappingProxyType(own), MappingProxyType(children), [])
        return found

    def fill(self, nss: Mapping[tuple[int, int], Namespace]) -> None:
        """Complete every mapping with the namespace objects (types without one stay out)."""
        for links, own in self.own.items():
            own.update({LEXICAL_ORDER[k]: found for k in range(NTYPES)
                        if links[k] and (found := nss.get((k, links[k]))) is not None})
        for (pid_ino, time_ino), children in self.children.items():
            for ino, t in ((pid_ino, LINK_PID), (time_ino, LINK_TIME)):
                if ino and (found := nss.get((t, ino))) is not None:
                    children[LEXICAL_ORDER[t]] = found

    def set_frozen(self, b: Builder) -> None:
        """The freezer state of processes and threads whose freezer cgroup was read."""
        frozen = b.frozen
        if not frozen:
            return
        get, set_frozen = frozen.get, _set_frozen
        for objects in (self.procs.values(), self.tasks.values()):
            for p in objects:
                fridge = p.fridge_cgroup
                if fridge is not None and (state := get(fridge)) is not None:
                    set_frozen(p, state)


_make_process = positional_maker(
    Process, "pid", "ppid", "name", "starttime", "state", "nice", "priority", "policy", "cmdline",
    "cpu_cgroup", "fridge_cgroup", "affinity", "euid", "effective_caps", "namespaces", "for_children",
    "parent")
_make_task = positional_maker(
    Task, "tid", "process", "name", "starttime", "state", "nice", "priority", "policy", "cpu_cgroup",
    "fridge_cgroup", "affinity", "namespaces", "for_children")
_set_frozen = slot_setter(Process, "frozen")  # of Task too: a field of their common base


def make_processes(b: Builder) -> MadeProcesses:
    """Process objects (PID order) with their threads, parents and children.

    The hot loop of a discovery's Python side: one Process per process, made by
    a positional maker (the fields it names, straight into their slots) from the
    unpacked record; a parent made before its child (a lower PID, most of them)
    is given at once, the others are linked afterwards.
    """
    made = MadeProcesses()
    cgroups, affinity, credentials = b.cgroups, b.affinity, b.credentials
    linked = b.options.from_procs
    none2: tuple[None, None] = (None, None)
    no_views: tuple[_NsMap, _NsMap, list[Process]] = (_NO_NAMESPACES, _NO_NAMESPACES, [])
    procs, tasks, views = made.procs, made.tasks, made.views
    records, all_tasks = b.procs, b.tasks
    make, make_task = _make_process, _make_task
    children_of: dict[int, list[Process]] = {}
    orphans: list[Process] = []  # parent not made yet: a higher PID than its child
    for pid, r in records.items():  # in PID order (Builder.procs)
        _, _, ppid, state, start, nice, prio, policy, _, ns, comm, cmdline, _, _, _ = r
        if not linked:
            own, children, group = no_views
        elif (maps := views.get(ns)) is not None:
            own, children, group = maps
        else:
            own, children, group = made.views_of(r)
        cpu, fridge = cgroups.get(pid, none2)
        euid, caps = credentials.get(pid, none2) if credentials else none2
        parent = procs.get(ppid) if ppid != pid else None
        p = procs[pid] = make(pid, ppid, comm, start, state, nice, prio, policy, cmdline, cpu, fridge,
                              affinity.get(pid) if affinity else None, euid, caps, own, children, parent)
        if linked:
            group.append(p)
        if parent is not None:
            kids = children_of.get(ppid)
            if kids is None:
                children_of[ppid] = [p]
            else:
                kids.append(p)
        elif ppid != pid and ppid in records:
            orphans.append(p)
        extra = all_tasks.get(pid)
        if not extra:
            continue  # the main thread is made from the process when first asked for
        threads = []
        for t in extra:
            t_own, t_children, _ = made.views_of(t) if linked else no_views
            t_cpu, t_fridge = cgroups.get(t.pid, none2)
            task = make_task(t.pid, p, t.comm, t.starttime, t.state, t.nice, t.priority, t.policy, t_cpu,
                             t_fridge, affinity.get(t.pid), t_own, t_children)
            threads.append(task)
            tasks[t.pid] = task
        _set(p, "_threads", tuple(threads))
    for p in orphans:  # reparented to a process with a higher PID (PIDs wrapped around)
        _set(p, "parent", procs[p.ppid])
        children_of.setdefault(p.ppid, []).append(p)
    for pid, kids in children_of.items():
        if orphans:
            kids.sort(key=_pid)
        _set(procs[pid], "children", tuple(kids))
    return made


def _pid(p: Process) -> int:
    return p.pid
