"""Section ``namespaces`` (keyed by inode) and ``initial-namespaces`` (our addition).

Relations are written as inodes and PIDs: ``owner``, ``parent``,
``children``, ``possessions`` (owned non-user namespaces, which the Go
lxkns declares but never writes), ``leaders``, ``ealdorman``,
``loose-threads``; ours add ``sources`` (where it was found),
``holders`` (processes keeping it open), ``dev`` (only where its device
is not the discovery's ``nsfs-dev``) and ``stable-id`` (the kernel's 64-bit
namespace ID, NS_GET_ID, where known; dumps without it still load). Reading takes ``parent`` and
``owner`` (and ``loose-threads``) as the truth; children, possessions,
leaders and the ealdorman follow from them and from the process table, as
in a live discovery, and are only checked to name things that exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..model import Discovery, HierarchicalNamespace, Namespace, NamespaceType, Source, UserNamespace
from ._read import (
    UINT32_MAX,
    UINT64_MAX,
    Path,
    array,
    decimal_key,
    fail,
    integer,
    namespace_type,
    obj,
    optional,
    positive,
    positives,
    required,
    string,
    strings,
)
from ._sections import LoadContext, Section

_HIERARCHICAL = (NamespaceType.PID, NamespaceType.USER)
_SOURCES = {s.value: s for s in Source}


def _namespace(ns: Namespace, nsfs_dev: int) -> dict[str, Any]:
    out: dict[str, Any] = {"nsid": ns.id.ino, "type": ns.type.type_name,
                           "sources": sorted(s.value for s in ns.sources)}
    if ns.id.dev != nsfs_dev:  # not on the nsfs (a fake procfs tree)
        out["dev"] = ns.id.dev
    if ns.stable_id is not None:
        out["stable-id"] = ns.stable_id
    if ns.owner is not None:
        out["owner"] = ns.owner.id.ino
    if ns.ref:
        out["reference"] = list(ns.ref)
    if ns.leaders:
        out["leaders"] = [p.pid for p in ns.leaders]
    if ns.ealdorman is not None:
        out["ealdorman"] = ns.ealdorman.pid
    if ns.loose_threads:
        out["loose-threads"] = [t.tid for t in ns.loose_threads]
    if ns.holders:
        out["holders"] = [p.pid for p in ns.holders]
    if isinstance(ns, HierarchicalNamespace):
        if ns.parent is not None:
            out["parent"] = ns.parent.id.ino
        if ns.children:
            out["children"] = [c.id.ino for c in ns.children]
    if isinstance(ns, UserNamespace):
        if ns.owner_uid is not None:
            out["user-id"] = ns.owner_uid
        if ns.owner_name is not None:
            out["user-name"] = ns.owner_name
        owned = [n.id.ino for n in ns.owned_namespaces()]
        if owned:
            out["possessions"] = owned
    return out


def dump(d: Discovery) -> dict[str, Any]:
    """Every namespace, and the initial namespaces."""
    return {
        "namespaces": {str(ns.id.ino): _namespace(ns, d.nsfs_dev) for ns in d.all_namespaces()},
        "initial-namespaces": {t.type_name: ns.id.ino
                               for t, ns in sorted(d.initial_namespaces.items(), key=lambda kv: int(kv[0]))},
    }


def _inode_or_zero(value: Any, path: Path) -> int:
    return integer(value, path, 0, UINT64_MAX)


def _ref(value: Any, path: Path) -> tuple[str, ...]:
    if isinstance(value, str):  # dumps of the Go lxkns before refs became lists
        return (value,) if value else ()
    return strings(value, path)


def _sources(value: Any, path: Path) -> set[Source]:
    found = set()
    for i, item in enumerate(array(value, path)):
        source = _SOURCES.get(string(item, (*path, i)))
        if source is None:
            fail((*path, i), f"unknown namespace source {item!r}")
        found.add(source)
    return found


def _load_one(key: str, value: Any, ctx: LoadContext) -> None:
    path: Path = ("namespaces", key)
    ino = decimal_key(key, path, "namespace inode")
    o = obj(value, path)
    nsid = required(o, "nsid", path, positive)
    if nsid != ino:
        fail((*path, "nsid"), f"nsid {nsid} differs from its key {key}")
    t = required(o, "type", path, namespace_type)
    ctx.namespaces[ino] = t
    ref = optional(o, "reference", path, _ref, ())
    owner = optional(o, "owner", path, _inode_or_zero, 0)  # 0: none, as the Go lxkns reads it
    if owner:
        if t is NamespaceType.USER:
            fail((*path, "owner"), "a user namespace has no owner (its parent owns it)")
        ctx.need_namespace((*path, "owner"), owner, NamespaceType.USER)
    parent = optional(o, "parent", path, _inode_or_zero, 0)
    if parent:
        if t not in _HIERARCHICAL:
            fail((*path, "parent"), f"a {t.type_name} namespace has no parent")
        ctx.need_namespace((*path, "parent"), parent, t)
    for i, child in enumerate(optional(o, "children", path, lambda v, p: positives(v, p, "inode"), [])):
        if t not in _HIERARCHICAL:
            fail((*path, "children"), f"a {t.type_name} namespace has no children")
        ctx.need_namespace((*path, "children", i), child, t)
    for i, owned in enumerate(optional(o, "possessions", path, lambda v, p: positives(v, p, "inode"), [])):
        if t is not NamespaceType.USER:
            fail((*path, "possessions"), f"a {t.type_name} namespace owns nothing")
        ctx.need_non_user_namespace((*path, "possessions", i), owned)
    for i, pid in enumerate(optional(o, "leaders", path, lambda v, p: positives(v, p, "PID"), [])):
        ctx.need_process((*path, "leaders", i), pid)
    ealdorman = optional(o, "ealdorman", path, lambda v, p: integer(v, p, 0), 0)
    if ealdorman:
        ctx.need_process((*path, "ealdorman"), ealdorman)
    loose = optional(o, "loose-threads", path, lambda v, p: positives(v, p, "TID"), [])
    for i, tid in enumerate(loose):
        ctx.need_task((*path, "loose-threads", i), tid)
    # ours leaves out empty holder lists; the Go lxkns' dumps never say: derive them
    holders = optional(o, "holders", path, lambda v, p: positives(v, p, "PID"), [] if ctx.ours else None)
    for i, pid in enumerate(holders or ()):
        ctx.need_process((*path, "holders", i), pid)
    uid = optional(o, "user-id", path, lambda v, p: integer(v, p, 0, UINT32_MAX), None)
    name = optional(o, "user-name", path, string, None)
    sources = optional(o, "sources", path, _sources, None)
    dev = optional(o, "dev", path, lambda v, p: integer(v, p, 0, UINT64_MAX), None)
    stable_id = optional(o, "stable-id", path, lambda v, p: integer(v, p, 1, UINT64_MAX), None)
    if t is not NamespaceType.USER:
        uid = name = None  # older Go versions wrote a user name for every namespace
    ctx.importer.add_namespace(t, ino, ref=ref, parent=parent, owner=owner, owner_uid=uid,
                               owner_name=name, sources=sources, holders=holders, loose_threads=loose,
                               dev=dev, stable_id=stable_id)


def _initial(value: Any, ctx: LoadContext) -> dict[NamespaceType, int]:
    path: Path = ("initial-namespaces",)
    found = {}
    for name, ino in obj(value, path).items():
        t = namespace_type(name, path)
        found[t] = positive(ino, (*path, name), "inode")
        ctx.need_namespace((*path, name), found[t], t)
    return found


def load(doc: Mapping[str, Any], ctx: LoadContext) -> None:
    """Read the namespaces and the initial namespaces of a dump."""
    if "namespaces" not in doc:
        fail((), "missing 'namespaces': not an lxkns discovery")
    for key, value in obj(doc["namespaces"], ("namespaces",)).items():
        _load_one(key, value, ctx)
    ctx.namespaces_complete = True
    if doc.get("initial-namespaces") is not None:
        ctx.importer.set_initial(_initial(doc["initial-namespaces"], ctx))


SECTION = Section("namespaces", ("namespaces", "initial-namespaces"), dump, load)
