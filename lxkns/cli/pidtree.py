"""pidtree: processes in the tree of PID namespaces, with their PIDs in each.

It starts at the PID namespace of the tool itself (from a dump: at the
topmost PID namespaces). Below a PID namespace come its leaders, below a
process its children; a child in another PID namespace than its parent
gets a node for that PID namespace first. Processes show their PIDs from
the starting PID namespace down to their own (``1300/3/1``). ``-p PID``
shows only the branch down to that process; ``-n PIDNS`` says in which PID
namespace that PID is (``pid:[ino]`` or the inode).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

from ..errors import UnknownProcessError
from ..model import STANDARD, Discovery, HierarchicalNamespace, NamespaceType, Process
from . import EXIT_USAGE, Failure, common
from .names import cgroup_text, process_text, type_id_text
from .style import Text, plain
from .tree import Node

PID = NamespaceType.PID


def pid_namespace(d: Discovery, text: str) -> HierarchicalNamespace:
    """A PID namespace by ``pid:[ino]`` or inode; UnknownNamespaceError if not there."""
    ns = d.namespace(int(text), PID) if text.isdecimal() else d.namespace(text)
    if not isinstance(ns, HierarchicalNamespace) or ns.type is not PID:
        raise Failure(f"{text} is not a PID namespace", EXIT_USAGE)
    return ns


def _pidns(p: Process) -> HierarchicalNamespace | None:
    ns = p.namespaces.get(PID)
    return ns if isinstance(ns, HierarchicalNamespace) else None


class _Tree:
    def __init__(self, d: Discovery, top: HierarchicalNamespace | None, out: common.Output,
                 only: set[int] | None) -> None:
        self.d, self.top, self.out, self.only = d, top, out, only
        self.seen: set[int] = set()

    def pids(self, p: Process) -> str:
        """``1300/3/1``: the PIDs from the top PID namespace down to the process' own."""
        pidns = p.namespaces.get(PID)
        if pidns is None:
            return f"{p.pid}/???"
        if self.d.pid_map is None or self.top is None:
            return str(p.pid)
        chain = self.d.pid_map.namespaced_pids(p.pid, self.top)
        names = [e.pidns for e in chain]
        if self.top not in names:
            return str(p.pid)
        return "/".join(str(e.pid) for e in chain[names.index(self.top):])

    def pidns_node(self, ns: HierarchicalNamespace | None) -> Node:
        if ns is None:
            return Node([("pid", "pid:[???]")], {"namespace": None})
        label: Text = type_id_text(ns)
        data: dict[str, object] = {"namespace": ns.type_id, "ino": ns.id.ino}
        if ns.owner is not None:
            uid = ns.owner.owner_uid
            name = f' ("{ns.owner.owner_name}")' if ns.owner.owner_name is not None else ""
            label = [*label, ("plain", ", owned by "), ("owner", f"UID {uid}{name}")]
            data["owner"] = ns.owner.type_id
            data["user-id"] = uid
        return Node(label, data)

    def process_node(self, p: Process) -> Node:
        pids = self.pids(p)
        label = process_text(p, self.out.naming, pids=pids) + cgroup_text(p, self.out.naming)
        node = Node(label, {"pid": p.pid, "pids": pids, "name": p.name, "label": plain(label)})
        self.seen.add(p.pid)
        pidns = _pidns(p)
        groups: dict[HierarchicalNamespace | None, Node] = {}
        for child in p.children:
            if child.pid in self.seen or (self.only is not None and child.pid not in self.only):
                continue  # a loop in a malformed process table, or not on the branch asked for
            child_ns = _pidns(child)
            if child_ns is pidns and pidns is not None:
                node.children.append(self.process_node(child))
                continue
            group = groups.get(child_ns)
            if group is None:
                group = groups[child_ns] = self.pidns_node(child_ns)
                node.children.append(group)
            group.children.append(self.process_node(child))
        return node

    def namespace_tree(self, ns: HierarchicalNamespace) -> Node:
        node = self.pidns_node(ns)
        for leader in sorted(ns.leaders, key=lambda p: p.pid):
            if self.only is None or leader.pid in self.only:
                node.children.append(self.process_node(leader))
        return node


def start(d: Discovery, live: bool) -> list[HierarchicalNamespace]:
    """Where the tree starts: our own PID namespace when discovering, else the roots."""
    if live:
        me = d.processes.get(os.getpid())
        own = me.namespaces.get(PID) if me is not None else None
        if isinstance(own, HierarchicalNamespace):
            return [own]
    return sorted(d.pid_roots, key=lambda n: n.id.ino)


def tree(d: Discovery, out: common.Output, *, live: bool = False, pid: int | None = None,
         pidns: str | None = None) -> list[Node]:
    """The process trees below the starting PID namespaces; with ``pid``, only its branch."""
    tops = start(d, live)
    only = None
    if pid is not None:
        target = find_process(d, tops, pid, pidns)
        only = {target.pid, *(p.pid for p in target.ancestors())}
        tops = [t for t in tops if target.namespaces.get(PID) in (t, *t.walk())] or tops
    return [_Tree(d, top, out, only).namespace_tree(top) for top in tops]


def find_process(d: Discovery, tops: list[HierarchicalNamespace], pid: int, pidns: str | None) -> Process:
    """The process ``pid``, a PID as seen in ``pidns`` (default: where the tree starts)."""
    if pidns is None:
        return d.process(pid)
    ns = pid_namespace(d, pidns)
    if d.pid_map is None:
        raise Failure("the discovery has no PID map to translate PIDs with", EXIT_USAGE)
    for top in tops:
        found = d.pid_map.translate(pid, ns, top)
        if found is not None:
            return d.process(found)
    raise UnknownProcessError(f"no process with PID {pid} in {ns.type_id}")


def parser() -> argparse.ArgumentParser:
    """The argument parser of ``pidtree`` (also what its man page is made from)."""
    ap = common.parser("pidtree", "Show the processes in the tree of PID namespaces.")
    ap.add_argument("-p", "--pid", type=int, help="show only the branch down to this process")
    ap.add_argument("-n", "--ns", metavar="PIDNS", help="the PID namespace the --pid is from")
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    """The ``pidtree`` command; returns the exit status."""
    ap = parser()
    args = common.parse(ap, argv)
    if args.ns is not None and args.pid is None:
        ap.error("--ns needs --pid")

    def body() -> str:
        d = common.discovery(args, STANDARD.replace(with_pid_map=True))
        out = common.output(args)
        return out.tree(tree(d, out, live=common.is_live(args), pid=args.pid, pidns=args.ns))

    return common.run("pidtree", body, args)


if __name__ == "__main__":
    raise SystemExit(main())

