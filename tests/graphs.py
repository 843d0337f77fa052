"""Plain-data summaries of discoveries, for comparing two of them field by field."""

from __future__ import annotations

from typing import Any

import lxkns


def namespace_summary(ns: lxkns.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ref": ns.ref,
        "stable_id": ns.stable_id,
        "sources": sorted(s.value for s in ns.sources),
        "owner": ns.owner.id.ino if ns.owner else None,
        "leaders": ns.leader_pids,
        "ealdorman": ns.ealdorman.pid if ns.ealdorman else None,
        "processes": sorted(p.pid for p in ns.processes),
        "loose": sorted(t.tid for t in ns.loose_threads),
        "holders": [p.pid for p in ns.holders],
    }
    if isinstance(ns, lxkns.HierarchicalNamespace):
        out["parent"] = ns.parent.id.ino if ns.parent else None
        out["children"] = [c.id.ino for c in ns.children]
    if isinstance(ns, lxkns.UserNamespace):
        out["uid"] = (ns.owner_uid, ns.owner_name)
        out["owned"] = sorted(n.id.ino for n in ns.owned_namespaces())
    return out


def process_summary(p: lxkns.Process) -> dict[str, Any]:
    def common(x: lxkns.Process | lxkns.Task) -> tuple[Any, ...]:
        return (x.name, x.starttime, x.cpu_cgroup, x.fridge_cgroup, x.frozen,
                sorted((t.type_name, ns.id.ino) for t, ns in x.namespaces.items()),
                sorted((t.type_name, ns.id.ino) for t, ns in x.for_children.items()))
    return {
        "ppid": p.ppid, "cmdline": p.cmdline, "common": common(p),
        "parent": p.parent.pid if p.parent else None,
        "children": [c.pid for c in p.children],
        "tasks": [(t.tid, common(t)) for t in p.tasks],
    }


def summary(d: lxkns.Discovery, skip_pids: set[int] = frozenset()) -> dict[str, Any]:  # type: ignore[assignment]
    return {
        "namespaces": {ns.type_id: namespace_summary(ns) for ns in d.all_namespaces()},
        "processes": {pid: process_summary(p) for pid, p in d.processes.items() if pid not in skip_pids},
        "initial": sorted(ns.type_id for ns in d.initial_namespaces.values()),
        "user_roots": [ns.id.ino for ns in d.user_roots],
        "pid_roots": [ns.id.ino for ns in d.pid_roots],
        "sockets": {k: v for k, v in d.socket_processes.items()},
    }
