"""lsallns: every namespace in one table, by inode.

Columns: NAMESPACE (inode), TYPE, CONTAINER (of the ealdorman: on a live
host the container engines found are asked, unless ``--no-containers``),
PID and PROCESS of the ealdorman -- or the TID
and ``[name]`` of the oldest loose thread --, and a COMMENT: the cgroup of
the ealdorman, the process a loose thread belongs to, ``bound:`` and the
ref of a namespace without processes, who holds it open, or ``???``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from typing import Any

from ..model import STANDARD, Discovery, Namespace
from . import common
from .names import Naming, container_name
from .table import format_table

HEADER = ("NAMESPACE", "TYPE", "CONTAINER", "PID", "PROCESS/[TASK]", "COMMENT")


def row(ns: Namespace, naming: Naming) -> dict[str, Any]:
    """One namespace as a row (what ``--json`` shows of it)."""
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
    """Every namespace, by inode, as rows."""
    ordered = sorted(d.all_namespaces(), key=lambda ns: (ns.id.ino, ns.type.type_name))
    return [row(ns, naming) for ns in ordered]


def table(found: list[dict[str, Any]]) -> str:
    """The rows as an aligned table with a header."""
    cells = [HEADER] + [(str(r["namespace"]), r["type"], r["container"] or "-",
                         str(r["pid"]) if r["pid"] is not None else "-", r["process"] or "-", r["comment"])
                        for r in found]
    return format_table(cells)


def parser() -> argparse.ArgumentParser:
    """The argument parser of ``lsallns`` (also what its man page is made from)."""
    ap = common.parser("lsallns", "List every namespace, by inode.", tree=False)
    ap.add_argument("--no-containers", action="store_true",
                    help="do not ask the container engines found for their containers")
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    """The ``lsallns`` command; returns the exit status."""
    ap = parser()
    args = common.parse(ap, argv)

    def body() -> str:
        d = common.discovery(args, STANDARD.replace(with_containers=not args.no_containers))
        found = rows(d, common.output(args).naming)
        return json.dumps(found, indent=2) if args.json else table(found)

    return common.run("lsallns", body, args)


if __name__ == "__main__":
    raise SystemExit(main())
