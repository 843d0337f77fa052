"""Section ``discovery-options``: what the discovery looked at.

The Go lxkns' keys come first; keys it never wrote are our additions. Dumps
of older Go versions name some options ``skipped-*`` (true meaning *not*
done); they are read as well. A dump without options is taken to come from
a standard discovery.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import ParseError
from ..model import Discovery, DiscoveryOptions, NamespaceType
from ..model.types import ALL_TYPES
from ._read import Path, array, boolean, fail, namespace_type, obj, string, strings
from ._sections import LoadContext, Section

KEY = "discovery-options"

# (attribute, key, key of older Go versions meaning the opposite)
_GO_FLAGS = (
    ("from_procs", "from-procs", "skipped-procs"),
    ("from_tasks", "from-tasks", "skipped-tasks"),
    ("from_fds", "from-fds", "skipped-fds"),
    ("from_bindmounts", "from-bindmounts", "skipped-bindmounts"),
    ("with_hierarchy", "with-hierarchy", "skipped-hierarchy"),
    ("with_ownership", "with-ownership", "skipped-ownership"),
    ("with_freezer", "with-freezer", "skipped-freezer"),
)
# (attribute, key) of options the Go lxkns does not write
_OUR_FLAGS = (
    ("from_sockets", "from-sockets"),
    ("with_user_names", "with-user-names"),
    ("with_cmdline", "with-cmdline"),
    ("with_cgroups", "with-cgroups"),
    ("with_pid_map", "with-pid-map"),
    ("with_credentials", "with-credentials"),
    ("with_containers", "with-containers"),
    ("listmount", "listmount"),
    ("detect_engines", "detect-engines"),
)


def _type_names(mask: NamespaceType) -> list[str]:
    """Type names in the Go lxkns' order: by CLONE_NEW* bit."""
    return [t.type_name for t in sorted(mask.members(), key=int)]


def dump(d: Discovery) -> dict[str, Any]:
    """The discovery options, Go's flags and ours."""
    o = d.options
    out: dict[str, Any] = {key: getattr(o, attr) for attr, key, _ in _GO_FLAGS}
    out.update({key: getattr(o, attr) for attr, key in _OUR_FLAGS})
    out["with-affinity-scheduling"] = o.with_affinity
    out["with-task-affinity-scheduling"] = o.with_affinity
    out["with-mounts"] = o.with_mounts
    out["engine-endpoints"] = list(o.engine_endpoints)
    out["engine-timeout"] = o.engine_timeout
    out["scanned-namespace-types"] = _type_names(o.effective_types)
    out["types"] = _type_names(o.types)
    out["labels"] = {}
    return {KEY: out}


def _types(value: Any, path: Path) -> NamespaceType:
    mask = NamespaceType(0)
    for i, item in enumerate(array(value, path)):
        mask |= namespace_type(item, (*path, i))
    return mask


def _flag(o: Mapping[str, Any], key: str, path: Path) -> bool | None:
    value = o.get(key)
    return None if value is None else boolean(value, (*path, key))


def load(doc: Mapping[str, Any], ctx: LoadContext) -> None:
    """Read the discovery options of a dump (Go's, ours, or the OpenAPI text's name)."""
    key = KEY if KEY in doc or "options" not in doc else "options"  # the OpenAPI text says "options"
    has_pid_map = doc.get("pidmap") is not None
    if doc.get(key) is None:
        ctx.options = DiscoveryOptions(with_pid_map=has_pid_map)
        return
    path: Path = (key,)
    o = obj(doc[key], path)
    changes: dict[str, Any] = {}
    for attr, new, old in _GO_FLAGS:
        value = _flag(o, new, path)
        if value is None:
            skipped = _flag(o, old, path)
            value = not skipped if skipped is not None else False
        changes[attr] = value
    defaults = {"from_sockets": changes["from_fds"], "with_user_names": True, "with_cmdline": True,
                "with_cgroups": True, "with_pid_map": has_pid_map, "with_credentials": False,
                "with_containers": bool(doc.get("containers")), "listmount": True,
                "detect_engines": True}
    for attr, name in _OUR_FLAGS:
        value = _flag(o, name, path)
        changes[attr] = defaults[attr] if value is None else value
    leaders = _flag(o, "with-affinity-scheduling", path)
    tasks = _flag(o, "with-task-affinity-scheduling", path)
    changes["with_affinity"] = bool(leaders or tasks)
    scanned = o.get("scanned-namespace-types")
    types = o.get("types")
    if types is not None:
        changes["types"] = _types(types, (*path, "types"))
    elif scanned is not None:
        changes["types"] = _types(scanned, (*path, "scanned-namespace-types"))
    else:
        changes["types"] = ALL_TYPES
    if scanned is not None and types is not None:
        _types(scanned, (*path, "scanned-namespace-types"))
    labels = o.get("labels")
    if labels is not None:
        for name, value in obj(labels, (*path, "labels")).items():
            string(value, (*path, "labels", name))
    mounts = _flag(o, "with-mounts", path)
    changes["with_mounts"] = mounts if mounts is not None else doc.get("mounts") is not None
    endpoints = o.get("engine-endpoints")
    if endpoints is not None:
        changes["engine_endpoints"] = strings(endpoints, (*path, "engine-endpoints"))
    timeout = o.get("engine-timeout")
    if timeout is not None:
        if type(timeout) not in (int, float) or not 0 < timeout <= 300:
            fail((*path, "engine-timeout"), "expected seconds, more than 0 and at most 300")
        changes["engine_timeout"] = float(timeout)
    if changes["with_pid_map"] and not has_pid_map and ctx.ours:
        fail(path, "with-pid-map is true but the dump has no pidmap")
    try:
        ctx.options = DiscoveryOptions(**changes)
    except ParseError as exc:  # an engine endpoint that makes no sense
        fail((*path, "engine-endpoints"), exc.reason)


SECTION = Section("options", (KEY,), dump, load)
