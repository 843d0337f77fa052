"""Stage: the mount table of every mount namespace, as mount points and mount paths.

The scanner read each table once in its mount phase -- with listmount() and
statmount() where it could, else as mountinfo text. Here the tables are
collected (malformed lines skipped, with a diagnostic), and when the graph is
frozen they become MountPoint and MountPath objects: the mount tree, the
sparse path tree, visibility, and propagation across mount namespaces.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from .._lowlevel import MntnsRecord
from .._lowlevel.parsers import MountInfo, parse_mountinfo
from .._lowlevel.records import LINK_MNT
from ..model import Namespace, NamespaceID
from ..model._linking import set_links
from ..model.diagnostics import DiagnosticKind
from ..model.mounts import MountNamespace, MountPath, MountPoint, MountTable
from .builder import Builder
from .visibility import ancestors, hidden_mounts

STAGE = "mounts"
_NO_TAGS: Mapping[str, str] = MappingProxyType({})


def _table(b: Builder, rec: MntnsRecord) -> tuple[list[MountInfo], str] | None:
    label = f"mnt:[{rec.ino}]"
    if rec.mounts is not None:
        mounts, via = list(rec.mounts), "listmount"
    elif rec.mountinfo is not None:
        mounts, errors = parse_mountinfo(rec.mountinfo)
        via = "mountinfo"
        for exc in errors:
            b.diagnostics.add(DiagnosticKind.MALFORMED, STAGE, "malformed mountinfo line skipped",
                              example=f"{label}: {exc.reason}")
    else:
        return None
    seen: set[int] = set()
    unique = []
    for m in mounts:
        if m.mount_id in seen:
            b.diagnostics.add(DiagnosticKind.MALFORMED, STAGE, "repeated mount ID skipped",
                              example=f"{label}: mount {m.mount_id}")
            continue
        seen.add(m.mount_id)
        unique.append(m)
    return unique, via


def add_mounts(b: Builder) -> None:
    """Collect the mount tables of the mount namespaces this discovery reports."""
    for rec in b.scan.mntns:
        if rec.err or (LINK_MNT, rec.ino) not in b.namespaces:
            continue  # failures are reported by the failures stage
        found = _table(b, rec)
        if found is not None:
            b.mount_tables[rec.ino] = found


def _order(m: MountPoint) -> tuple[int, int]:
    return (m.mntns_id.ino, m.mount_id)


def _freeze_table(ns: MountNamespace, table: list[MountInfo], via: str,
                  hidden: list[bool] | None = None) -> MountTable:
    if hidden is None:
        hidden = hidden_mounts([(m.mount_id, m.parent_id, m.mount_point) for m in table])
    nsid = ns.id
    points = [
        MountPoint(mntns_id=nsid, mount_id=m.mount_id, parent_id=m.parent_id, major=m.major,
                   minor=m.minor, root=m.root, mount_point=m.mount_point,
                   mount_options=m.mount_options,
                   tags=MappingProxyType(dict(m.tags)) if m.tags else _NO_TAGS,
                   fstype=m.fstype, source=m.source, super_options=m.super_options,
                   hidden=h, mntns=ns)
        for m, h in zip(table, hidden, strict=True)
    ]
    by_id = {p.mount_id: p for p in points}
    parents: list[MountPoint | None] = []
    kids: dict[int, list[MountPoint]] = {}
    on_path: dict[str, list[MountPoint]] = {}
    for p in points:
        parent = by_id.get(p.parent_id)
        if parent is p:
            parent = None
        parents.append(parent)
        if parent is not None:
            kids.setdefault(parent.mount_id, []).append(p)
        on_path.setdefault(p.mount_point, []).append(p)
    paths = {path: MountPath(mntns_id=nsid, path=path, mounts=tuple(ms), mntns=ns)
             for path, ms in sorted(on_path.items())}
    for p, parent in zip(points, parents, strict=True):
        children = kids.get(p.mount_id)
        set_links(p, parent=parent, children=tuple(children) if children else (),
                  path=paths[p.mount_point])
    sub: dict[str, list[MountPath]] = {}
    up: dict[str, MountPath] = {}
    for path in paths:
        parent_path = next((a for a in ancestors(path) if a in paths), None)
        if parent_path is not None:
            up[path] = paths[parent_path]
            sub.setdefault(parent_path, []).append(paths[path])
    for path, mp in paths.items():
        children_paths = sub.get(path)
        if children_paths is not None or path in up:
            set_links(mp, parent=up.get(path), children=tuple(children_paths) if children_paths else ())
    frozen = MountTable(nsid, paths, ns)
    set_links(ns, mounts=frozen, mount_points=tuple(points), mount_table_via=via)
    return frozen


def _link_propagation(namespaces: list[MountNamespace]) -> None:
    """Peers, masters and slaves: mounts sharing a peer group, in any mount namespace."""
    members: dict[int, list[MountPoint]] = {}
    slaves: dict[int, list[MountPoint]] = {}
    for ns in namespaces:
        for m in ns.mount_points:
            group = m.peer_group
            if group is not None:
                members.setdefault(group, []).append(m)
            master = m.master_group
            if master is not None:
                slaves.setdefault(master, []).append(m)
    for group_list in (*members.values(), *slaves.values()):
        group_list.sort(key=_order)
    for ns in namespaces:
        for m in ns.mount_points:
            links: dict[str, object] = {}
            group, master = m.peer_group, m.master_group
            if group is not None:
                links["peers"] = tuple(p for p in members[group] if p is not m)
                links["slaves"] = tuple(slaves.get(group, ()))
            if master is not None:
                links["masters"] = tuple(members.get(master, ()))
            if links:
                set_links(m, **links)


def freeze_mounts(b: Builder, namespaces: Mapping[tuple[int, int], Namespace]
                  ) -> Mapping[NamespaceID, Mapping[str, MountPath]]:
    """Build the mount model of every mount namespace with a table; the Discovery's mounts."""
    out: dict[NamespaceID, Mapping[str, MountPath]] = {}
    frozen: list[MountNamespace] = []
    for ino in sorted(b.mount_tables):
        ns = namespaces.get((LINK_MNT, ino))
        if not isinstance(ns, MountNamespace):
            continue
        table, via = b.mount_tables[ino]
        out[ns.id] = _freeze_table(ns, table, via, b.mount_hidden.get(ino))
        frozen.append(ns)
    _link_propagation(frozen)
    return MappingProxyType(out)


__all__ = ["add_mounts", "freeze_mounts"]
