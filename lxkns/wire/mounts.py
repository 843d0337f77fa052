"""Section ``mounts``: the mount paths of each mount namespace (and our ``mount-tables-via``).

``mounts`` maps a mount namespace's inode to its mount paths, each with the
mount points on that path in mount order (later ones on top), a path ID
(numbering the sorted paths from 1) and its parent path's ID (0 for none).
It is written only when mounts were discovered, as the Go lxkns does. Ours
adds ``mount-tables-via``: how each table was read (listmount, mountinfo).

Reading takes the ``hidden`` flags as the dump says (the Go lxkns computes
them the same way) and rebuilds the mount tree, path tree and propagation
links like a live discovery. A dump does not keep the order of mounts
across paths, so ``MountNamespace.mount_points`` of an imported discovery
is ordered by mount ID; the mounts on each path keep their order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._lowlevel.parsers import MountInfo
from ..model import Discovery, MountPath, MountPoint, NamespaceType
from ._read import (
    UINT32_MAX,
    Path,
    array,
    boolean,
    decimal_key,
    fail,
    integer,
    obj,
    required,
    string,
    strings,
)
from ._sections import LoadContext, Section

KEY = "mounts"
VIA = "mount-tables-via"


def _mount(m: MountPoint) -> dict[str, Any]:
    return {
        "mountid": m.mount_id, "parentid": m.parent_id, "major": m.major, "minor": m.minor,
        "root": m.root, "mountpoint": m.mount_point, "mountoptions": list(m.mount_options),
        "tags": dict(m.tags), "fstype": m.fstype, "source": m.source,
        "superoptions": ",".join(m.super_options), "hidden": m.hidden,
    }


def _paths(paths: Mapping[str, MountPath]) -> dict[str, Any]:
    ids = {path: i for i, path in enumerate(sorted(paths), 1)}
    return {
        path: {"mounts": [_mount(m) for m in mp.mounts], "pathid": ids[path],
               "parentid": ids[mp.parent.path] if mp.parent is not None else 0}
        for path, mp in paths.items()
    }


def dump(d: Discovery) -> dict[str, Any]:
    """The mount paths of every mount namespace (if mounts were discovered)."""
    if not d.options.with_mounts:
        return {}
    mounts = {str(nsid.ino): _paths(paths) for nsid, paths in sorted(d.mounts.items())}
    via = {}
    for nsid in d.mounts:
        ns = d.namespaces[NamespaceType.MNT].get(nsid)
        how = getattr(ns, "mount_table_via", "")
        if how:
            via[str(nsid.ino)] = how
    return {KEY: mounts, VIA: via}


def _tags(value: Any, path: Path) -> tuple[tuple[str, str], ...]:
    tags = obj(value, path)
    for name, tag in tags.items():
        string(tag, (*path, name))
    return tuple(tags.items())


def _mount_point(value: Any, path: Path, on: str) -> tuple[MountInfo, bool]:
    m = obj(value, path)
    mount_point = required(m, "mountpoint", path, string)
    if mount_point != on:
        fail((*path, "mountpoint"), f"mount point {mount_point!r} is not on its path {on!r}")
    superoptions = required(m, "superoptions", path, string)
    info = MountInfo(
        mount_id=required(m, "mountid", path, lambda v, p: integer(v, p, 0, UINT32_MAX)),
        parent_id=required(m, "parentid", path, lambda v, p: integer(v, p, 0, UINT32_MAX)),
        major=required(m, "major", path, lambda v, p: integer(v, p, 0, UINT32_MAX)),
        minor=required(m, "minor", path, lambda v, p: integer(v, p, 0, UINT32_MAX)),
        root=required(m, "root", path, string),
        mount_point=mount_point,
        mount_options=required(m, "mountoptions", path, strings),
        tags=required(m, "tags", path, _tags),
        fstype=required(m, "fstype", path, string),
        source=required(m, "source", path, string),
        super_options=tuple(superoptions.split(",")) if superoptions else (),
    )
    return info, required(m, "hidden", path, boolean)


def _table(value: Any, path: Path) -> tuple[list[MountInfo], list[bool]]:
    entries: list[tuple[MountInfo, bool]] = []
    ids: dict[int, str] = {}
    parents: list[tuple[Path, int]] = []
    for on, raw in obj(value, path).items():
        where = (*path, on)
        if not on.startswith("/"):
            fail(where, "a mount path must be absolute")
        entry = obj(raw, where)
        pathid = required(entry, "pathid", where, lambda v, p: integer(v, p, 1, UINT32_MAX))
        if pathid in ids:
            fail((*where, "pathid"), f"path ID {pathid} is used by {ids[pathid]!r} too")
        ids[pathid] = on
        parents.append(((*where, "parentid"),
                        required(entry, "parentid", where, lambda v, p: integer(v, p, 0, UINT32_MAX))))
        mounts = required(entry, "mounts", where, array)
        if not mounts:
            fail((*where, "mounts"), "a mount path has at least one mount point")
        for i, m in enumerate(mounts):
            entries.append(_mount_point(m, (*where, "mounts", i), on))
    for where, parent in parents:
        if parent and parent not in ids:
            fail(where, f"dangling reference: no path ID {parent} in this mount namespace")
    seen: set[int] = set()
    for info, _ in entries:
        if info.mount_id in seen:
            fail(path, f"mount ID {info.mount_id} appears twice")
        seen.add(info.mount_id)
    # a dump keeps the order on each path, not across paths: order by mount ID, but keep the
    # dump's order on each path (the kernel reuses freed mount IDs: a later mount on a path
    # may have a lower ID than the one it covers)
    order = sorted(range(len(entries)), key=lambda i: entries[i][0].mount_id)
    on_path: dict[str, list[int]] = {}
    for i, (info, _) in enumerate(entries):
        on_path.setdefault(info.mount_point, []).append(i)
    slots: dict[str, list[int]] = {}
    for pos, i in enumerate(order):
        slots.setdefault(entries[i][0].mount_point, []).append(pos)
    for point, members in on_path.items():
        for pos, i in zip(slots[point], members, strict=True):
            order[pos] = i
    return [entries[i][0] for i in order], [entries[i][1] for i in order]


def load(doc: Mapping[str, Any], ctx: LoadContext) -> None:
    """Read the mount tables of a dump."""
    raw = doc.get(KEY)
    via = obj(doc[VIA], (VIA,)) if doc.get(VIA) is not None else {}
    for key, how in via.items():
        decimal_key(key, (VIA, key), "mount namespace inode")
        string(how, (VIA, key))
    if raw is None:
        return
    for key, paths in obj(raw, (KEY,)).items():
        path: Path = (KEY, key)
        ino = decimal_key(key, path, "mount namespace inode")
        ctx.need_namespace(path, ino, NamespaceType.MNT)
        table, hidden = _table(paths, path)
        ctx.importer.add_mount_table(ino, table, str(via.get(key, "")), hidden)


SECTION = Section("mounts", (KEY, VIA), dump, load)
