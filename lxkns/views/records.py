"""A discovery as tables of plain records: one dict per namespace, process, mount or
container, with plain values only (str, int, bool, None), in the same columns for
every row, so ``pandas.DataFrame.from_records(d.process_records())`` takes them as
they are, and so does the csv module."""

from __future__ import annotations

from collections.abc import Callable

from ..model import LEXICAL_ORDER, Discovery, HierarchicalNamespace, MountTable, UserNamespace
from ..model.rendering import Record


def _ino(ns: object) -> int | None:
    return getattr(getattr(ns, "id", None), "ino", None)


def namespaces(d: Discovery) -> list[Record]:
    """One record per namespace: identity, ref, sources, hierarchy, owner, leaders, counts."""
    rows: list[Record] = []
    for ns in d.all_namespaces():
        user = ns if isinstance(ns, UserNamespace) else None
        parent = ns.parent if isinstance(ns, HierarchicalNamespace) else None
        rows.append({
            "type": ns.type.type_name, "ino": ns.id.ino, "dev": ns.id.dev, "type_id": ns.type_id,
            "ref": ns.ref_text or None, "sources": ",".join(sorted(s.value for s in ns.sources)),
            "hidden": ns.hidden, "owner_ino": _ino(ns.owner), "parent_ino": _ino(parent),
            "owner_uid": user.owner_uid if user is not None else None,
            "owner_name": user.owner_name if user is not None else None,
            "ealdorman_pid": ns.ealdorman.pid if ns.ealdorman is not None else None,
            "leader_pids": " ".join(str(p.pid) for p in ns.leaders),
            "processes": len(ns.processes), "loose_threads": len(ns.loose_threads),
            "holders": len(ns.holders), "containers": ",".join(ns.container_names()) or None,
        })
    return rows


def processes(d: Discovery) -> list[Record]:
    """One record per process, by PID, with the inode of each of its namespaces."""
    rows: list[Record] = []
    for p in sorted(d.processes.values(), key=lambda p: p.pid):
        row: Record = {
            "pid": p.pid, "ppid": p.ppid, "name": p.name, "cmdline": " ".join(p.cmdline) or None,
            "starttime": p.starttime, "state": p.state, "threads": len(p.tasks), "euid": p.euid,
            "cpu_cgroup": p.cpu_cgroup, "frozen": p.frozen,
            "container": p.container.name if p.container is not None else None,
        }
        for t in LEXICAL_ORDER:
            row[f"{t.type_name}_ino"] = _ino(p.namespaces.get(t))
        rows.append(row)
    return rows


def mounts(d: Discovery) -> list[Record]:
    """One record per mount point of every mount table."""
    rows: list[Record] = []
    for table in d.mounts.values():
        points = table.mount_points if isinstance(table, MountTable) else sorted(
            (m for path in table.values() for m in path.mounts), key=lambda m: m.mount_id)
        for m in points:
            rows.append({
                "mntns_ino": m.mntns_id.ino, "mount_id": m.mount_id, "parent_id": m.parent_id,
                "mount_point": m.mount_point, "root": m.root, "fstype": m.fstype, "source": m.source,
                "dev": m.dev, "options": ",".join(m.mount_options),
                "super_options": ",".join(m.super_options), "propagation": m.propagation,
                "peer_group": m.peer_group, "master_group": m.master_group, "hidden": m.hidden,
            })
    return rows


def containers(d: Discovery) -> list[Record]:
    """One record per container, with its engine, groups and the inode of each namespace."""
    rows: list[Record] = []
    for c in d.containers:
        rows.append({
            "name": c.name, "id": c.id, "type": c.type, "flavor": c.flavor, "pid": c.pid,
            "paused": c.paused, "engine_api": c.engine.api if c.engine is not None else None,
            "engine_version": c.engine.version if c.engine is not None else None,
            "groups": ",".join(f"{g.type}={g.name}" for g in c.groups) or None,
            "labels": len(c.labels),
            **{f"{t.type_name}_ino": _ino(c.namespaces.get(t)) for t in LEXICAL_ORDER},
        })
    return rows


KINDS: dict[str, Callable[[Discovery], list[Record]]] = {
    "namespaces": namespaces, "processes": processes, "mounts": mounts, "containers": containers}


def records(d: Discovery, kind: str) -> list[Record]:
    """The records of one ``kind`` (a key of :data:`KINDS`); ValueError for another."""
    try:
        return KINDS[kind](d)
    except KeyError:
        raise ValueError(f"no records of {kind!r}; there are {', '.join(KINDS)}") from None
