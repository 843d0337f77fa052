"""lsallns: every namespace in one table, by inode.

Columns: NAMESPACE (inode), TYPE, CONTAINER (of the ealdorman, when
containers are discovered), PID and PROCESS of the ealdorman -- or the TID
and ``[name]`` of the oldest loose thread --, and a COMMENT: the cgroup of
the ealdorman, the process a loose thread belongs to, ``bound:`` and the
ref of a namespace without processes, who holds it open, or ``???``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from .._table import format_table
from ..model import STANDARD, Discovery, Namespace
from . import common
from .names import Naming, container_name

HEADER = ("NAMESPACE", "TYPE", "CONTAINER", "PID", "PROCESS/[TASK]", "COMMENT")


def row(ns: Namespace, naming: Naming) -> dict[str, Any]:
    out: dict[str, Any] = {"namespace": ns.id.ino, "type": ns.type.type_name, "container": "",
                           "pid": None, "process": "", "comment": ""}
    leader = ns.ealdorman
    if leader is not None:
        out.update(container=container_name(leader) or "", pid=leader.pid, process=naming.process(leader),
                   comment=f"cgroup:{naming.cgroup_path(leader.cpu_cgroup)}" if leader.cpu_cgroup else "")
        return out
    task = min(ns.loose_threads, key=lambda t: (t.starttime, t.tid), default=None)
    if task is not None and task.process is not None:
        out.update(pid=task.tid, process=f"[{task.name}]",
                   comment=f"thread of {naming.process(task.process)} ({task.process.pid})")
    elif ns.ref:
        out["comment"] = f"bound:{ns.ref_text}"
    elif ns.holders:
        out["comment"] = f"held by {naming.process(ns.holders[0])} ({ns.holders[0].pid})"
    else:
        out["comment"] = "???"
    return out


def rows(d: Discovery, naming: Naming) -> list[dict[str, Any]]:
    ordered = sorted(d.all_namespaces(), key=lambda ns: (ns.id.ino, ns.type.type_name))
    return [row(ns, naming) for ns in ordered]


def table(found: list[dict[str, Any]]) -> str:
    cells = [HEADER] + [(str(r["namespace"]), r["type"], r["container"] or "-",
                         str(r["pid"]) if r["pid"] is not None else "-", r["process"] or "-", r["comment"])
                        for r in found]
    return format_table(cells)


def main(argv: Sequence[str] | None = None) -> int:
    ap = common.parser("lsallns", "List every namespace, by inode.", tree=False)
    args = common.parse(ap, argv)

    def body() -> str:
        d = common.discovery(args, STANDARD)
        found = rows(d, common.output(args).naming)
        return json.dumps(found, indent=2) if args.json else table(found)

    return common.run("lsallns", body)


if __name__ == "__main__":
    raise SystemExit(main())
