"""nscaps: the capabilities a process has in a namespace.

Shown as the user namespace tree from the root down to the process' user
namespace and down to the target (its owning user namespace, for other
types): each user namespace is marked with what the process has there
(none, its effective capabilities, or all of them), the process lists its
effective capabilities and the target what the process may do in it.
From a dump, name the process with ``-p`` (the dump must have credentials:
``dumpns`` writes them).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

from ..errors import UnknownNamespaceError
from ..model import STANDARD, Discovery, Namespace, Process, UserNamespace
from . import EXIT_NOT_FOUND, EXIT_USAGE, Failure, common
from .caps import Power, names, power, process_user, user_namespace_of
from .names import namespace_data, namespace_text, process_text
from .pidtree import find_process, start
from .style import Text
from .tree import Node

MARKS = {"line": {Power.NONE: "⛔", Power.EFFECTIVE: "⛛", Power.ALL: "✓"},
         "ascii": {Power.NONE: "[-]", Power.EFFECTIVE: "[e]", Power.ALL: "[A]"}}
PER_LINE = 4


def _cap_lines(caps: list[str]) -> list[Text]:
    width = max((len(c) for c in caps), default=0)
    return [[("plain", "  ".join(c.ljust(width) for c in caps[i:i + PER_LINE]).rstrip())]
            for i in range(0, len(caps), PER_LINE)]


def _chain(user: UserNamespace) -> list[UserNamespace]:
    """The user namespaces from the root down to ``user``."""
    chain = [user]
    while chain[-1].parent is not None:
        chain.append(chain[-1].parent)
    return chain[::-1]


class _Caps:
    def __init__(self, d: Discovery, proc: Process, target: Namespace, out: common.Output, brief: bool,
                 marks: dict[Power, str]) -> None:
        self.proc, self.target, self.out, self.brief, self.marks = proc, target, out, brief, marks
        user = process_user(proc)
        if user is None:
            raise Failure(f"the user namespace of process {proc.pid} is not known", EXIT_NOT_FOUND)
        target_user = user_namespace_of(target)
        if target_user is None:
            raise Failure(f"the owner of {target.type_id} is not known", EXIT_NOT_FOUND)
        if proc.euid is None or proc.effective_caps is None:
            raise Failure(f"the credentials of process {proc.pid} are not known "
                          "(a dump needs them: dumpns writes them)", EXIT_NOT_FOUND)
        self.user, self.target_user, self.euid = user, target_user, proc.euid
        self.caps = names(proc.effective_caps)
        self.power = power(user, proc.euid, target_user)

    def _target_props(self) -> list[Text]:
        if self.power is Power.NONE:
            return [[("plain", "(no capabilities)")]]
        if self.power is Power.ALL:
            return [[("plain", "(ALL capabilities)")]]
        if self.brief:
            return [[("plain", "(process effective capabilities)")]]
        return _cap_lines(self.caps) or [[("plain", "(no effective capabilities)")]]

    def _process_node(self) -> Node:
        p = self.proc
        props = [] if self.brief else (_cap_lines(self.caps) or [[("plain", "(no effective capabilities)")]])
        return Node(process_text(p, self.out.naming), {
            "pid": p.pid, "name": p.name, "euid": p.euid, "effective-capabilities": self.caps,
        }, props)

    def _target_data(self) -> dict[str, object]:
        caps: object = {Power.NONE: [], Power.EFFECTIVE: self.caps, Power.ALL: "all"}[self.power]
        return {"target": True, "capabilities": caps, "power": self.power.value}

    def _user_node(self, user: UserNamespace) -> Node:
        p = power(self.user, self.euid, user)
        label: Text = [("plain", self.marks[p] + " ")]
        data = namespace_data(user, self.out.naming)
        data["power"] = p.value
        if user is self.target:
            label.append(("plain", "target "))
            data.update(self._target_data())
        label += namespace_text(user, self.out.naming)
        node = Node(label, data)
        if user is self.target:
            node.properties = self._target_props()
        return node

    def tree(self) -> list[Node]:
        nodes: dict[UserNamespace, Node] = {}
        roots: list[Node] = []
        kids: dict[UserNamespace, list[UserNamespace]] = {}
        for chain in (_chain(self.user), _chain(self.target_user)):
            for i, user in enumerate(chain):
                if user in nodes:
                    continue
                nodes[user] = self._user_node(user)
                if i == 0:
                    roots.append(nodes[user])
                else:
                    kids.setdefault(chain[i - 1], []).append(user)
        nodes[self.user].children.append(self._process_node())
        if not isinstance(self.target, UserNamespace):
            t = self.target
            label = [("plain", "target "), *namespace_text(t, self.out.naming)]
            data = namespace_data(t, self.out.naming)
            data.update(self._target_data())
            nodes[self.target_user].children.append(Node(label, data, self._target_props()))
        for parent, users in kids.items():
            nodes[parent].children += [nodes[u] for u in sorted(users, key=lambda u: u.id.ino)]
        return roots


LEGEND = """\
Marks: ⛔ (ascii [-]) the process has no capabilities in that user namespace,
⛛ ([e]) its effective capabilities, ✓ ([A]) all capabilities."""


def target_namespace(d: Discovery, text: str) -> Namespace:
    """The target by ``type:[ino]`` or by a bare inode (of whatever type it is)."""
    if not text.isdecimal():
        return d.namespace(text)
    ino = int(text)
    for ns in d.all_namespaces():
        if ns.id.ino == ino:
            return ns
    raise UnknownNamespaceError(f"no namespace with inode {ino} in this discovery")


def parser() -> argparse.ArgumentParser:
    """The argument parser of ``nscaps`` (also what its man page is made from)."""
    ap = common.parser("nscaps", "Show the capabilities a process has in a namespace.", legend=LEGEND)
    ap.add_argument("namespace", metavar="NAMESPACE",
                    help="the target namespace, as net:[4026531840] or its inode number")
    ap.add_argument("-p", "--pid", type=int, help="the process (default: nscaps itself)")
    ap.add_argument("-n", "--ns", metavar="PIDNS", help="the PID namespace the --pid is from")
    ap.add_argument("--brief", action="store_true", help="do not list capabilities")
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    """The ``nscaps`` command; returns the exit status."""
    ap = parser()
    args = common.parse(ap, argv)
    if args.ns is not None and args.pid is None:
        ap.error("--ns needs --pid")

    def body() -> str:
        if args.pid is None and not common.is_live(args):
            raise Failure("from a dump, name the process with --pid", EXIT_USAGE)
        live = common.is_live(args)
        d = common.discovery(args, STANDARD.replace(with_pid_map=True, with_credentials=True))
        target = target_namespace(d, args.namespace)
        pid = args.pid if args.pid is not None else os.getpid()
        proc = find_process(d, start(d, live), pid, args.ns)
        out = common.output(args)
        marks = MARKS["ascii" if args.treestyle == "ascii" else "line"]
        return out.tree(_Caps(d, proc, target, out, args.brief, marks).tree())

    return common.run("nscaps", body, args)


if __name__ == "__main__":
    raise SystemExit(main())
