"""lspidns: the tree of PID namespaces; with ``-u``, the user namespaces owning them.

With ``-u`` the owning user namespaces are shown between PID namespaces: a
user namespace node holds the PID namespaces it owns whose parent has
another owner; below a PID namespace, its children with the same owner
follow directly, the others under a node of their owner. A PID namespace
whose owner is not known (an unprivileged caller may not see it) is shown
directly, marked as such, instead of breaking the tree.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from ..model import STANDARD, Discovery, HierarchicalNamespace, UserNamespace
from . import common
from .names import namespace_data, namespace_text
from .tree import Node


def _pid_node(ns: HierarchicalNamespace, out: common.Output, users: bool) -> Node:
    label = namespace_text(ns, out.naming)
    data = namespace_data(ns, out.naming)
    if users and ns.owner is None:
        label += [("plain", ", "), ("unknown", "owner unknown")]
    if ns.owner is not None:
        data["owner"] = ns.owner.type_id
    node = Node(label, data)
    node.children = _level(sorted(ns.children, key=lambda c: c.id.ino), ns.owner, out, users)
    return node


def _user_node(user: UserNamespace, pidns: list[HierarchicalNamespace], out: common.Output) -> Node:
    label = namespace_text(user, out.naming)
    node = Node(label, namespace_data(user, out.naming))
    node.children = [_pid_node(ns, out, True) for ns in pidns]
    return node


def _level(pidns: list[HierarchicalNamespace], owner: UserNamespace | None, out: common.Output,
           users: bool) -> list[Node]:
    """Nodes for PID namespaces side by side; with ``users``, grouped under their owners
    where these differ from ``owner`` (the owner of the PID namespace above them)."""
    if not users:
        return [_pid_node(ns, out, False) for ns in pidns]
    nodes: list[Node] = []
    groups: dict[UserNamespace, list[HierarchicalNamespace]] = {}
    for ns in pidns:
        if ns.owner is None or (ns.owner is owner and owner is not None):
            nodes.append(_pid_node(ns, out, True))
        else:
            groups.setdefault(ns.owner, []).append(ns)
    for user in sorted(groups, key=lambda u: u.id.ino):
        nodes.append(_user_node(user, groups[user], out))
    return nodes


def tree(d: Discovery, out: common.Output, users: bool = False) -> list[Node]:
    """The PID namespace trees from the roots; with ``users``, grouped under their owners."""
    return _level(sorted(d.pid_roots, key=lambda n: n.id.ino), None, out, users)


def parser() -> argparse.ArgumentParser:
    """The argument parser of ``lspidns`` (also what its man page is made from)."""
    ap = common.parser("lspidns", "Show the tree of PID namespaces.")
    ap.add_argument("-u", "--user", action="store_true", help="show the owning user namespaces too")
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    """The ``lspidns`` command; returns the exit status."""
    ap = parser()
    args = common.parse(ap, argv)

    def body() -> str:
        d = common.discovery(args, STANDARD)
        out = common.output(args)
        return out.tree(tree(d, out, args.user))

    return common.run("lspidns", body, args)


if __name__ == "__main__":
    raise SystemExit(main())
