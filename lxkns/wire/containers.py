"""Sections ``containers``, ``container-engines`` and ``container-groups``.

Containers are keyed by the PID of their initial process (containers whose
PID could not be translated into the discovery's PID namespace cannot be
keyed and are left out, as in the Go lxkns); engines and groups by
reference IDs numbered from 1, which containers use to name their engine
and groups. Ours adds ``container`` to an engine that runs inside a
container: that container's PID, so that imports know the chain of
enclosing containers. The three objects are always written (the format
requires them), empty without container discovery.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..decorators import ContainerDraft, EngineDraft, GroupDraft
from ..model import Container, ContainerEngine, ContainerGroup, Discovery
from ._read import (
    INT32_MAX,
    Path,
    array,
    boolean,
    decimal_key,
    fail,
    integer,
    obj,
    optional,
    required,
    string,
)
from ._sections import LoadContext, Section

CONTAINERS, ENGINES, GROUPS = "containers", "container-engines", "container-groups"
KEYS = (CONTAINERS, ENGINES, GROUPS)


def _labels(labels: Mapping[str, str]) -> dict[str, str]:
    return dict(sorted(labels.items()))


def dump(d: Discovery) -> dict[str, Any]:
    """The containers, their engines and groups, as the wire format has them."""
    engine_ids: dict[ContainerEngine, int] = {e: i for i, e in enumerate(d.container_engines, 1)}
    group_ids: dict[ContainerGroup, int] = {g: i for i, g in enumerate(d.container_groups, 1)}
    keyed: dict[int, Container] = {}
    for c in d.containers:
        if c.pid and c.pid not in keyed:
            keyed[c.pid] = c
    containers = {
        str(pid): {"id": c.id, "name": c.name, "type": c.type, "flavor": c.flavor, "pid": pid,
                   "paused": c.paused, "labels": _labels(c.labels),
                   "engine": engine_ids[c.engine] if c.engine is not None else 0,
                   "groups": [group_ids[g] for g in c.groups if g in group_ids]}
        for pid, c in keyed.items()
    }
    engines: dict[str, Any] = {}
    for e, i in engine_ids.items():
        entry = {"id": e.id, "type": e.type, "version": e.version, "api": e.api, "pid": e.pid,
                 "labels": _labels(e.labels),
                 "containers": [c.pid for c in e.containers if keyed.get(c.pid) is c]}
        if e.container is not None and keyed.get(e.container.pid) is e.container:
            entry["container"] = e.container.pid
        engines[str(i)] = entry
    groups = {
        str(i): {"name": g.name, "type": g.type, "flavor": g.flavor, "labels": _labels(g.labels),
                 "containers": [c.pid for c in g.containers if keyed.get(c.pid) is c]}
        for g, i in group_ids.items()
    }
    return {CONTAINERS: containers, ENGINES: engines, GROUPS: groups}


def _labels_of(value: Any, path: Path) -> dict[str, str]:
    labels = obj(value, path)
    for name, label in labels.items():
        string(label, (*path, name))
    return dict(labels)


def _pid(value: Any, path: Path) -> int:
    return integer(value, path, 1, INT32_MAX)


def _pids(value: Any, path: Path) -> list[int]:
    return [_pid(v, (*path, i)) for i, v in enumerate(array(value, path))]


def _ref(value: Any, path: Path, refs: Mapping[int, Any], what: str) -> Any:
    ref = integer(value, path, 1, INT32_MAX)
    if ref not in refs:
        fail(path, f"dangling reference: no {what} {ref} in the dump")
    return refs[ref]


def load(doc: Mapping[str, Any], ctx: LoadContext) -> None:
    """Read the containers, their engines and groups of a dump."""
    raw = {key: obj(doc[key], (key,)) if doc.get(key) is not None else {} for key in KEYS}
    engines: dict[int, EngineDraft] = {}
    inner: list[tuple[Path, EngineDraft, int]] = []
    for key, value in raw[ENGINES].items():
        path: Path = (ENGINES, key)
        e = obj(value, path)
        engine_draft = EngineDraft(id=required(e, "id", path, string), type=required(e, "type", path, string),
                            version=required(e, "version", path, string),
                            api=required(e, "api", path, string),
                            pid=required(e, "pid", path, lambda v, p: integer(v, p, 0, INT32_MAX)),
                            labels=optional(e, "labels", path, _labels_of, {}))
        engines[decimal_key(key, path, "engine reference ID")] = engine_draft
        enclosing = optional(e, "container", path, _pid, 0)
        if enclosing:
            inner.append(((*path, "container"), engine_draft, enclosing))
    groups: dict[int, GroupDraft] = {}
    for key, value in raw[GROUPS].items():
        path = (GROUPS, key)
        g = obj(value, path)
        groups[decimal_key(key, path, "group reference ID")] = GroupDraft(
            name=required(g, "name", path, string), type=required(g, "type", path, string),
            flavor=required(g, "flavor", path, string), labels=required(g, "labels", path, _labels_of))
    containers: dict[int, ContainerDraft] = {}
    for key, value in raw[CONTAINERS].items():
        path = (CONTAINERS, key)
        co = obj(value, path)
        pid = required(co, "pid", path, _pid)
        if decimal_key(key, path, "container PID") != pid:
            fail((*path, "pid"), f"a container keyed {key} has PID {pid}")
        engine: EngineDraft = required(co, "engine", path, lambda v, p: _ref(v, p, engines, "engine"))
        container = ContainerDraft(
            id=required(co, "id", path, string), name=required(co, "name", path, string),
            type=required(co, "type", path, string), flavor=required(co, "flavor", path, string),
            pid=pid, paused=required(co, "paused", path, boolean),
            labels=required(co, "labels", path, _labels_of), engine=engine)
        container.groups = [_ref(v, (*path, "groups", i), groups, "group")
                            for i, v in enumerate(required(co, "groups", path, array))]
        containers[pid] = container

    def members(value: Any, path: Path) -> list[ContainerDraft]:
        out = []
        for i, pid in enumerate(_pids(value, path)):
            if pid not in containers:
                fail((*path, i), f"dangling reference: no container {pid} in the dump")
            out.append(containers[pid])
        return out

    for key, value in raw[ENGINES].items():
        path = (ENGINES, key)
        this = engines[int(key)]
        this.containers = members(required(obj(value, path), "containers", path, array),
                                  (*path, "containers"))
        for member in this.containers:
            if member.engine is not this:
                fail((*path, "containers"), f"container {member.pid} names another engine")
    for key, value in raw[GROUPS].items():
        path = (GROUPS, key)
        groups[int(key)].containers = members(required(obj(value, path), "containers", path, array),
                                              (*path, "containers"))
    for path, outer, pid in inner:
        if pid not in containers:
            fail(path, f"dangling reference: no container {pid} in the dump")
        outer.container = containers[pid]
    orphans = [c.pid for c in containers.values() if c not in c.engine.containers]
    if orphans:
        fail((CONTAINERS, str(orphans[0])), "a container its engine does not list")
    ctx.importer.add_engines([engines[i] for i in sorted(engines)])


SECTION = Section("containers", KEYS, dump, load)
