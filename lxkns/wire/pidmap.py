"""Section ``pidmap``: the PIDs of each process (and thread) in every PID namespace it is in.

As in the OpenAPI ``PIDMap``: one array per process, ``{pid, nsid}`` from
its own PID namespace up to the topmost one. It is written when the
discovery has a PID map and read into one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..model import Discovery, NamespacedPID, NamespaceType
from ._read import INT32_MAX, Path, array, fail, integer, obj, positive, required
from ._sections import LoadContext, Section


def dump(d: Discovery) -> dict[str, Any]:
    """The PID map (if it was discovered): each process' PIDs in its PID namespaces."""
    if d.pid_map is None:
        return {}
    chains: dict[int, tuple[NamespacedPID, ...]] = {}
    for chain in d.pid_map.chains.values():
        chains.setdefault(id(chain), chain)
    ordered = sorted(chains.values(), key=lambda c: [(e.pidns.id.ino, e.pid) for e in c])
    return {"pidmap": [[{"pid": e.pid, "nsid": e.pidns.id.ino} for e in reversed(chain)]
                       for chain in ordered]}


def load(doc: Mapping[str, Any], ctx: LoadContext) -> None:
    """Read the PID map of a dump."""
    if doc.get("pidmap") is None:
        return
    for i, item in enumerate(array(doc["pidmap"], ("pidmap",))):
        path: Path = ("pidmap", i)
        entries = array(item, path)
        if not entries:
            fail(path, "a process has at least one PID")
        chain = []
        for j, entry in enumerate(entries):
            o = obj(entry, (*path, j))
            pid = required(o, "pid", (*path, j), lambda v, p: integer(v, p, 1, INT32_MAX))
            nsid = required(o, "nsid", (*path, j), positive)
            ctx.need_namespace((*path, j, "nsid"), nsid, NamespaceType.PID)
            chain.append((nsid, pid))
        chain.reverse()  # the importer wants the topmost PID namespace first
        ctx.importer.add_pid_chain(chain)


SECTION = Section("pidmap", ("pidmap",), dump, load)
