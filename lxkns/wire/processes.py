"""Section ``processes`` (keyed by PID, threads in ``tasks``) and ``socket-processes``.

Go lxkns fields first; ours add ``state``, ``for-children`` (the
``pid_for_children``/``time_for_children`` namespaces where they differ
from the process' own), ``fridgefrozen-unknown`` (the freezer state could
not be read; the Go format only knows true and false), ``euid`` and
``effective-caps`` (credentials), and the top-level ``socket-processes``.
Empty cgroup paths mean "not known". Older Go dumps call ``cpucgroup``
``cgroup`` and have no tasks; both are read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from ..model import Discovery, Namespace, NamespaceType, Process, Task
from ._read import (
    INT32_MAX,
    UINT32_MAX,
    UINT64_MAX,
    Path,
    array,
    boolean,
    cpu_list,
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

_FOR_CHILDREN = (NamespaceType.PID, NamespaceType.TIME)
_NsIDs = dict[str, int]


def _ids(m: Mapping[NamespaceType, Namespace]) -> _NsIDs:
    return {t.type_name: ns.id.ino for t, ns in m.items()}


def _common(x: Process | Task, with_freezer: bool, cache: dict[int, _NsIDs]) -> dict[str, Any]:
    ns = cache.get(id(x.namespaces))
    if ns is None:
        ns = cache[id(x.namespaces)] = _ids(x.namespaces)
    out: dict[str, Any] = {
        "name": x.name,
        "starttime": x.starttime,
        "cpucgroup": x.cpu_cgroup or "",
        "fridgecgroup": x.fridge_cgroup or "",
        "fridgefrozen": bool(x.frozen),
        "namespaces": dict(ns),
    }
    if x.frozen is None and with_freezer and x.fridge_cgroup:
        out["fridgefrozen-unknown"] = True
    if x.state != "?":
        out["state"] = x.state
    if x.affinity is not None:
        out["affinity"] = [list(r) for r in x.affinity]
    if x.policy:
        out["policy"] = x.policy
    if x.priority:
        out["priority"] = x.priority
    if x.nice:
        out["nice"] = x.nice
    own, children = x.namespaces, x.for_children
    usual = (children.keys() == {t for t in _FOR_CHILDREN if t in own}
             and all(own[t] is ns for t, ns in children.items()))
    if not usual:  # a new PID or time namespace for the children to come
        out["for-children"] = _ids(children)
    return out


def _process(p: Process, with_freezer: bool, cache: dict[int, _NsIDs]) -> dict[str, Any]:
    out = _common(p, with_freezer, cache)
    out["pid"] = p.pid
    out["ppid"] = p.ppid
    out["cmdline"] = list(p.cmdline)
    out["tasks"] = [{"tid": t.tid, **_common(t, with_freezer, cache)} for t in p.tasks]
    if p.euid is not None:
        out["euid"] = p.euid
    if p.effective_caps is not None:
        out["effective-caps"] = p.effective_caps
    return out


def dump(d: Discovery) -> dict[str, Any]:
    """Every process with its threads."""
    with_freezer = d.options.with_freezer
    cache: dict[int, _NsIDs] = {}
    out: dict[str, Any] = {
        "processes": {str(pid): _process(p, with_freezer, cache) for pid, p in sorted(d.processes.items())},
    }
    if d.socket_processes:
        out["socket-processes"] = {str(ino): list(pids) for ino, pids in sorted(d.socket_processes.items())}
    return out


def _namespace_ids(value: Any, path: Path, ctx: LoadContext,
                   only: tuple[NamespaceType, ...] | None = None) -> dict[NamespaceType, int]:
    """``{"net": ino, ...}``, checked; most processes share theirs, so checked ones are kept."""
    key = (only, *obj(value, path).items())
    cached: dict[NamespaceType, int] | None
    try:
        cached = ctx.memo.get(key)
    except TypeError:  # unhashable values: check them, and fail
        cached = None
    if cached is not None and ctx.namespaces_complete:
        return cast("dict[NamespaceType, int]", cached)
    found = {}
    for name, ino in obj(value, path).items():
        t = namespace_type(name, path)
        if only is not None and t not in only:
            fail((*path, name), f"no {name}_for_children link exists")
        found[t] = positive(ino, (*path, name), "inode")
        ctx.need_namespace((*path, name), found[t], t)
    if ctx.namespaces_complete:
        ctx.memo[key] = found
    return found


def _affinity(value: Any, path: Path, ctx: LoadContext) -> tuple[tuple[int, int], ...] | None:
    """A CPU list, checked; most processes share theirs, so checked ones are kept."""
    if value is None:
        return None
    try:
        key = ("cpus", *(tuple(r) for r in value))
        cached: tuple[tuple[int, int], ...] | None = ctx.memo.get(key)
    except TypeError:  # not a list of lists of hashables: check it, and fail
        key, cached = None, None
    if cached is None:
        cached = cpu_list(value, path)
        if key is not None:
            ctx.memo[key] = cached
    return cached


def _common_fields(o: Mapping[str, Any], path: Path, ctx: LoadContext) -> dict[str, Any]:
    namespaces = _namespace_ids(required(o, "namespaces", path, obj), (*path, "namespaces"), ctx)
    if o.get("for-children") is not None:
        for_children = _namespace_ids(o["for-children"], (*path, "for-children"), ctx, _FOR_CHILDREN)
    elif ctx.ours:  # ours leave out for-children links that equal the own namespaces
        for_children = {t: namespaces[t] for t in _FOR_CHILDREN if t in namespaces}
    else:
        for_children = {}
    cpu = optional(o, "cpucgroup", path, string, None)
    if cpu is None:
        cpu = optional(o, "cgroup", path, string, "")
    fridge = optional(o, "fridgecgroup", path, string, "")
    frozen: bool | None = optional(o, "fridgefrozen", path, boolean, False)
    if optional(o, "fridgefrozen-unknown", path, boolean, False) or not ctx.options.with_freezer:
        frozen = None
    state = optional(o, "state", path, string, "?")
    if len(state) != 1:
        fail((*path, "state"), f"expected a one-letter process state, not {state!r}")
    policy = optional(o, "policy", path, lambda v, p: integer(v, p, 0, INT32_MAX), 0)
    return {
        "name": required(o, "name", path, string),
        "starttime": required(o, "starttime", path, lambda v, p: integer(v, p, 0)),
        "state": state,
        "nice": optional(o, "nice", path, lambda v, p: integer(v, p, -20, 19), 0),
        "priority": optional(o, "priority", path, lambda v, p: integer(v, p, 0, 99), 0),
        "policy": policy,  # 0 NORMAL, 1 FIFO, 2 RR, 3 BATCH, 5 IDLE, 6 DEADLINE, 7 EXT (Linux 6.12)
        "namespaces": namespaces,
        "for_children": for_children,
        "cpu_cgroup": cpu or None,
        "fridge_cgroup": fridge or None,
        "frozen": frozen,
        "affinity": _affinity(o.get("affinity"), (*path, "affinity"), ctx),
    }


def _load_one(key: str, value: Any, ctx: LoadContext, tasks_of: dict[int, list[tuple[Path, Any]]]) -> None:
    path: Path = ("processes", key)
    pid = decimal_key(key, path, "PID")
    o = obj(value, path)
    if required(o, "pid", path, lambda v, p: positive(v, p, "PID")) != pid:
        fail((*path, "pid"), f"pid differs from its key {key}")
    ppid = required(o, "ppid", path, lambda v, p: integer(v, p, 0, INT32_MAX))
    if pid > INT32_MAX:
        fail(path, f"PID {pid} is out of range")
    fields = _common_fields(o, path, ctx)
    euid = optional(o, "euid", path, lambda v, p: integer(v, p, 0, UINT32_MAX), None)
    caps = optional(o, "effective-caps", path, lambda v, p: integer(v, p, 0, UINT64_MAX), None)
    ctx.pids.add(pid)
    ctx.importer.add_process(pid, ppid, cmdline=optional(o, "cmdline", path, strings, ()), euid=euid,
                             effective_caps=caps, **fields)
    tasks = optional(o, "tasks", path, array, [])
    tasks_of[pid] = [((*path, "tasks", i), t) for i, t in enumerate(tasks)]


def _load_task(pid: int, path: Path, value: Any, ctx: LoadContext) -> None:
    o = obj(value, path)
    tid = required(o, "tid", path, lambda v, p: integer(v, p, 1, INT32_MAX))
    fields = _common_fields(o, path, ctx)
    if tid == pid:
        return  # the main thread is the process itself
    if tid in ctx.tids or tid in ctx.pids:
        fail((*path, "tid"), f"TID {tid} is taken by another thread or process")
    ctx.tids.add(tid)
    ctx.importer.add_task(pid, tid, **fields)


def _sockets(value: Any) -> dict[int, list[int]]:
    path: Path = ("socket-processes",)
    return {decimal_key(key, (*path, key), "socket inode"): positives(pids, (*path, key), "PID")
            for key, pids in obj(value, path).items()}


def load(doc: Mapping[str, Any], ctx: LoadContext) -> None:
    """Read the processes and their threads of a dump."""
    if "processes" not in doc:
        fail((), "missing 'processes': not an lxkns discovery")
    tasks_of: dict[int, list[tuple[Path, Any]]] = {}
    for key, value in obj(doc["processes"], ("processes",)).items():
        _load_one(key, value, ctx, tasks_of)
    for pid, tasks in tasks_of.items():  # TIDs are checked against every PID
        for path, value in tasks:
            _load_task(pid, path, value, ctx)
    if doc.get("socket-processes") is not None:
        ctx.importer.set_socket_processes(_sockets(doc["socket-processes"]))


SECTION = Section("processes", ("processes", "socket-processes"), dump, load)
