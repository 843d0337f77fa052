"""The lxkns JSON wire format (the Go lxkns' format, plus a few additions).

``to_dict`` / ``to_json`` export a discovery: namespaces keyed by inode,
processes keyed by PID (with their tasks), the discovery options, the
online CPUs, and -- additions that Go consumers ignore -- a schema version,
the producer, where each namespace was found and the diagnostics.
"""

from __future__ import annotations

import json
from typing import Any

from .model import Discovery, HierarchicalNamespace, Namespace, Process, Task, UserNamespace
from .model.types import LEXICAL_ORDER

SCHEMA_VERSION = 1
PRODUCER = "lxkns-python"

_OPTION_KEYS = {
    "from_procs": "from-procs",
    "from_tasks": "from-tasks",
    "from_fds": "from-fds",
    "from_sockets": "from-sockets",
    "from_bindmounts": "from-bindmounts",
    "with_hierarchy": "with-hierarchy",
    "with_ownership": "with-ownership",
    "with_freezer": "with-freezer",
    "with_pid_map": "with-pid-map",
    "with_affinity": "with-affinity-scheduling",
}


def _namespace(ns: Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {"nsid": ns.id.ino, "type": ns.type.type_name,
                           "sources": sorted(s.value for s in ns.sources)}
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
    if isinstance(ns, HierarchicalNamespace):
        if ns.parent is not None:
            out["parent"] = ns.parent.id.ino
        if ns.children:
            out["children"] = [c.id.ino for c in ns.children]
    if isinstance(ns, UserNamespace):
        out["user-id"] = ns.owner_uid if ns.owner_uid is not None else 0
        if ns.owner_name is not None:
            out["user-name"] = ns.owner_name
        owned = [n.id.ino for n in ns.owned_namespaces()]
        if owned:
            out["possessions"] = owned
    return out


def _common(p: Process | Task) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": p.name,
        "starttime": p.starttime,
        "cpucgroup": p.cpu_cgroup or "",
        "fridgecgroup": p.fridge_cgroup or "",
        "fridgefrozen": bool(p.frozen),
        "namespaces": {t.type_name: ns.id.ino for t, ns in sorted(p.namespaces.items(),
                                                                 key=lambda kv: kv[0].type_name)},
    }
    if p.affinity is not None:
        out["affinity"] = [list(r) for r in p.affinity]
    for key in ("policy", "priority", "nice"):
        value = getattr(p, key)
        if value:
            out[key] = value
    return out


def _process(p: Process) -> dict[str, Any]:
    out = {"pid": p.pid, "ppid": p.ppid, "cmdline": list(p.cmdline), **_common(p)}
    out["tasks"] = [{"tid": t.tid, **_common(t)} for t in p.tasks]
    return out


def to_dict(d: Discovery) -> dict[str, Any]:
    """The discovery as plain JSON-able data."""
    opts = d.options
    options: dict[str, Any] = {key: getattr(opts, attr) for attr, key in _OPTION_KEYS.items()}
    options["scanned-namespace-types"] = [t.type_name for t in LEXICAL_ORDER
                                          if int(opts.effective_types) & int(t)]
    options["with-mounts"] = False
    options["labels"] = {}
    return {
        "lxkns-schema": SCHEMA_VERSION,
        "producer": PRODUCER,
        "discovery-options": options,
        "namespaces": {str(ns.id.ino): _namespace(ns) for ns in d.all_namespaces()},
        "processes": {str(pid): _process(p) for pid, p in sorted(d.processes.items())},
        "containers": {},
        "container-engines": {},
        "container-groups": {},
        "cpus-online": [list(r) for r in d.online_cpus],
        "diagnostics": [
            {"kind": x.kind.value, "stage": x.stage, "message": x.message, "count": x.count,
             "errno": x.errno, "examples": list(x.examples)}
            for x in d.diagnostics
        ],
    }


def to_json(d: Discovery, *, indent: int | None = None) -> str:
    """The discovery as JSON text, keys sorted for reproducible dumps."""
    return json.dumps(to_dict(d), indent=indent, sort_keys=True)
