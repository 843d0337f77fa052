"""lsuns: the tree of user namespaces, with what each owns.

Each line: ``user:[ino]``, what is in it (its ealdorman process and cgroup,
or where it is referenced), and who created it. ``-d`` lists the non-user
namespaces each user namespace owns beneath it, by type name, then inode;
``-f TYPE`` (repeatable, implies ``-d``) only those types.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from ..model import STANDARD, Discovery, NamespaceType, UserNamespace
from . import common
from .names import namespace_data, namespace_text, ref_label
from .style import plain
from .tree import Node

# Go lxkns filter letters
_LETTERS = {"c": "cgroup", "i": "ipc", "m": "mnt", "n": "net", "p": "pid", "t": "time", "U": "user",
            "u": "uts"}


def filter_types(values: Sequence[str]) -> set[NamespaceType]:
    """Types from names or the letters ``c i m n p t U u``; ParseError for others."""
    found = set()
    for value in values:
        for name in value.split(","):
            name = name.strip()
            if name:
                found.add(NamespaceType.from_name(_LETTERS.get(name, name)))
    return found


def _node(ns: UserNamespace, out: common.Output, owned: set[NamespaceType] | None) -> Node:
    data = namespace_data(ns, out.naming)
    node = Node(namespace_text(ns, out.naming), data)
    if owned is not None:
        shown = [n for n in ns.owned_namespaces() if n.type in owned]
        node.properties = [namespace_text(n, out.naming) for n in shown]
        data["owned"] = [{"namespace": n.type_id, "label": plain(ref_label(n, out.naming))} for n in shown]
    node.children = [_node(c, out, owned) for c in sorted(ns.children, key=lambda c: c.id.ino)]
    return node


def tree(d: Discovery, out: common.Output, owned: set[NamespaceType] | None = None) -> list[Node]:
    """One tree per root user namespace, roots and children by inode."""
    return [_node(root, out, owned) for root in sorted(d.user_roots, key=lambda n: n.id.ino)]


def parser() -> argparse.ArgumentParser:
    """The argument parser of ``lsuns`` (also what its man page is made from)."""
    ap = common.parser("lsuns", "Show the tree of user namespaces.")
    ap.add_argument("-d", "--details", action="store_true", help="show the namespaces each one owns")
    ap.add_argument("-f", "--filter", metavar="TYPE", action="append", default=[],
                    help="only owned namespaces of these types (names or c i m n p t U u; repeatable)")
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    """The ``lsuns`` command; returns the exit status."""
    ap = parser()
    args = common.parse(ap, argv)

    def body() -> str:
        owned = None
        if args.filter:
            owned = filter_types(args.filter)
        elif args.details:
            owned = set(NamespaceType.all().members())
        d = common.discovery(args, STANDARD)
        return common.output(args).tree(tree(d, common.output(args), owned))

    return common.run("lsuns", body, args)


if __name__ == "__main__":
    raise SystemExit(main())
