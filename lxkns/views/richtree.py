"""Model objects as rich Trees (``rich.print(d)``), with rich as an optional extra.

Every text from the host goes into ``rich.text.Text`` objects, never into
console markup, so a process named ``[bold]`` prints as it is named.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..model import (
    LEXICAL_ORDER,
    Container,
    Discovery,
    HierarchicalNamespace,
    MountPath,
    MountTable,
    Namespace,
    Process,
    UserNamespace,
)
from . import facts as f
from .text import user_line

if TYPE_CHECKING:
    from rich.tree import Tree

#: most nodes of one tree; the rest are counted
MAX_NODES = 200
#: most children shown below one node
MAX_CHILDREN = 50


def _rich() -> Any:
    try:
        import rich.text
        import rich.tree
    except ImportError:
        raise ImportError("showing lxkns objects with rich needs rich: pip install 'lxkns[rich]'") from None
    return rich


class _Budget:
    def __init__(self) -> None:
        self.left = MAX_NODES


def _label(text: str, style: str = "") -> Any:
    return _rich().text.Text(text, style=style)


def _tree(title: str, kind: str, sub: str = "") -> Tree:
    r = _rich()
    label = r.text.Text.assemble((kind + " ", "dim"), (title, "bold"), ("  " + sub if sub else "", "dim"))
    tree: Tree = r.tree.Tree(label, guide_style="dim")
    return tree


def _add_facts(tree: Tree, obj: object, skip: tuple[str, ...] = ()) -> None:
    r = _rich()
    for label, value in f.facts(obj):
        if label not in skip:
            tree.add(r.text.Text.assemble((label + ": ", "dim"), value))


def _add_more(tree: Tree, left_out: int, noun: str) -> None:
    if left_out > 0:
        tree.add(_label(f"… {left_out:,} more {noun} not shown", "dim italic"))


def _user_node(parent: Tree, ns: UserNamespace, budget: _Budget) -> None:
    budget.left -= 1
    node = parent.add(_label(user_line(ns), "bold"))
    owned = list(ns.owned_namespaces())
    for o in owned[:MAX_CHILDREN]:
        node.add(_label(f"{o.type_id}  {f.clip(o.ref_text, 80) or '(no ref)'}",
                        "dim" if o.hidden else ""))
    _add_more(node, len(owned) - MAX_CHILDREN, "owned namespaces")
    skipped = 0
    for child in ns.children:
        if budget.left <= 0:
            skipped += sum(1 for _ in child.walk())
            continue
        _user_node(node, child, budget)
    _add_more(node, skipped, "user namespaces")


def _hier_node(parent: Tree, ns: HierarchicalNamespace, budget: _Budget) -> None:
    budget.left -= 1
    node = parent.add(_label(f"{ns.type_id}  {f.count(len(ns.processes), 'process', 'processes')}"))
    skipped = 0
    for child in ns.children:
        if budget.left <= 0:
            skipped += sum(1 for _ in child.walk())
            continue
        _hier_node(node, child, budget)
    _add_more(node, skipped, "namespaces")


def _discovery(d: Discovery) -> Tree:
    tree = _tree(f"{f.count(len(d), 'namespace')}, {f.count(len(d.processes), 'process', 'processes')}",
                 "Discovery", f"{d.scanner} scanner on {d.procfs_root}")
    _add_facts(tree, d, skip=("namespaces",))
    types = tree.add(_label("namespaces", "bold"))
    for t in LEXICAL_ORDER:
        if d.namespaces.get(t):
            types.add(_label(f"{t.type_name}: {len(d.namespaces[t]):,}"))
    if d.user_roots:
        users = tree.add(_label("user namespaces", "bold"))
        budget = _Budget()
        skipped = 0
        for root in d.user_roots:
            if budget.left <= 0:
                skipped += sum(1 for _ in root.walk())
                continue
            _user_node(users, root, budget)
        _add_more(users, skipped, "user namespaces")
    if d.containers:
        node = tree.add(_label("containers", "bold"))
        for c in d.containers[:MAX_CHILDREN]:
            state = "  paused" if c.paused else ""
            node.add(_label(f"{f.clip(c.name, 60)}  {c.type}  pid {c.pid}{state}"))
        _add_more(node, len(d.containers) - MAX_CHILDREN, "containers")
    if d.diagnostics:
        node = tree.add(_label("diagnostics", "bold"))
        for x in d.diagnostics[:MAX_CHILDREN]:
            node.add(_label(f.diagnostic_text(x), "yellow"))
        _add_more(node, len(d.diagnostics) - MAX_CHILDREN, "diagnostics")
    return tree


def _namespace(ns: Namespace) -> Tree:
    tree = _tree(ns.type_id, type(ns).__name__, f.clip(ns.ref_text, 80))
    _add_facts(tree, ns, skip=("children",))
    if isinstance(ns, UserNamespace):
        budget = _Budget()
        _user_node(tree, ns, budget)
    elif isinstance(ns, HierarchicalNamespace) and ns.children:
        budget = _Budget()
        for child in ns.children[:MAX_CHILDREN]:
            _hier_node(tree, child, budget)
        _add_more(tree, len(ns.children) - MAX_CHILDREN, "children")
    return tree


def _process(p: Process) -> Tree:
    tree = _tree(f"{p.pid} {f.clip(p.name, 40)}", "Process", f.clip(" ".join(p.cmdline), 80))
    _add_facts(tree, p, skip=("PID", "name", "command line"))
    node = tree.add(_label("namespaces", "bold"))
    for _, ns in sorted(p.namespaces.items(), key=lambda kv: kv[0].type_name):
        node.add(_label(f"{ns.type_id}  {f.clip(ns.ref_text, 80)}"))
    return tree


def _container(c: Container) -> Tree:
    tree = _tree(f.clip(c.name, 60), "Container", c.type + ("  paused" if c.paused else ""))
    _add_facts(tree, c, skip=("name",))
    node = tree.add(_label("namespaces", "bold"))
    for _, ns in sorted(c.namespaces.items(), key=lambda kv: kv[0].type_name):
        node.add(_label(ns.type_id))
    return tree


def _path_node(parent: Tree, p: MountPath, budget: _Budget) -> None:
    budget.left -= 1
    top = p.visible
    what = f"{top.fstype} {f.clip(top.source, 50)}" if top is not None else "out of reach"
    stack = f"  ({len(p.mounts)} stacked)" if len(p.mounts) > 1 else ""
    style = "dim" if p.hidden else ("yellow" if len(p.mounts) > 1 else "")
    node = parent.add(_label(f"{f.clip(p.path, 100)}  {what}{stack}", style))
    skipped = 0
    for child in p.children:
        if budget.left <= 0:
            skipped += sum(1 for _ in child.walk())
            continue
        _path_node(node, child, budget)
    _add_more(node, skipped, "paths")


def _mount_table(t: MountTable) -> Tree:
    tree = _tree(f"mnt:[{t.mntns_id.ino}]", "Mount table", f.count(len(t), "path"))
    budget = _Budget()
    roots = [p for p in t.values() if p.parent is None]
    for p in roots:
        _path_node(tree, p, budget)
    return tree


def _mount_path(p: MountPath) -> Tree:
    tree = _tree(f.clip(p.path, 100), "Mount path", f"in mnt:[{p.mntns_id.ino}]")
    _add_facts(tree, p, skip=("path",))
    node = tree.add(_label("mounts, bottom to top", "bold"))
    for m in p.mounts:
        node.add(_label(f"{m.mount_id}  {m.fstype}  {f.clip(m.source, 60)}  root {f.clip(m.root, 60)}",
                        "dim" if m.hidden else ""))
    return tree


def rich(obj: object) -> Tree:
    """A rich Tree of any model object that shows itself."""
    for kind, build in _TREES:
        if isinstance(obj, kind):
            return build(obj)
    tree = _tree(repr(obj), type(obj).__name__)
    _add_facts(tree, obj)
    return tree


_TREES: tuple[tuple[type, Callable[[Any], Tree]], ...] = (
    (Discovery, _discovery), (Namespace, _namespace), (Process, _process), (Container, _container),
    (MountTable, _mount_table), (MountPath, _mount_path))
