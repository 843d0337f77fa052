"""Model objects as HTML for Jupyter: collapsible sections, CSS only, no JavaScript.

Every view is one ``<div>`` holding the stylesheet, the text view in a
``<pre>`` and the HTML view, hidden by an inline style until the stylesheet
shows it (and hides the text): where a page strips ``<style>`` elements the
text shows instead. Sections fold with ``<details>``, which works without
JavaScript and without CSS (nbviewer, exported notebooks). Big objects are
cut: every list and table shows at most :data:`MAX_ROWS` rows and every tree
:data:`MAX_NODES` nodes, and says how many were left out, so a discovery of
ten thousand processes stays well under half a megabyte. Every text from
the host is escaped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from html import escape
from typing import Any, TypeVar

from ..model import (
    LEXICAL_ORDER,
    Container,
    ContainerEngine,
    ContainerGroup,
    Discovery,
    HierarchicalNamespace,
    MountNamespace,
    MountPath,
    MountPoint,
    MountTable,
    Namespace,
    NamespaceType,
    Process,
    Task,
    UserNamespace,
)
from . import facts as f
from .style import STYLE
from .text import text, user_line

#: most rows of one table or list
MAX_ROWS = 100
#: most rows of the tables that a discovery has one of per namespace type
MAX_TYPE_ROWS = 40
#: most nodes of one tree (user or PID namespaces)
MAX_NODES = 150

_T = TypeVar("_T")
_H = TypeVar("_H", bound=HierarchicalNamespace)
#: a table cell: its text, or its text and CSS class
Cell = str | tuple[str, str]


def html(obj: object) -> str:
    """The HTML view of a model object (with its text fallback)."""
    body = _BODIES.get(type(obj))
    if body is None:
        body = next((b for kind, b in _BODIES.items() if isinstance(obj, kind)), _generic)
    return (f'<div class="lxkns-repr">{STYLE}<pre class="lxkns-text">{escape(text(obj))}</pre>'
            f'<div class="lxkns-html" style="display:none">{body(obj)}</div></div>')


# ---------------------------------------------------------------- building blocks


def _head(kind: str, title: str, sub: str = "", badges: Iterable[str] = ()) -> str:
    extra = "".join(f'<span class="lxkns-badge">{escape(b)}</span>' for b in badges)
    sub_html = f'<span class="lxkns-sub">{escape(sub)}</span>' if sub else ""
    return (f'<div class="lxkns-head"><span class="lxkns-kind">{escape(kind)}</span>'
            f'<span class="lxkns-title">{escape(title)}</span>{sub_html}{extra}</div>')


def _facts(obj: object) -> str:
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in f.facts(obj))
    return f'<table class="lxkns-tab lxkns-facts"><tbody>{rows}</tbody></table>'


def _section(title: str, n: int | None, content: str, *, open: bool = False) -> str:
    count = f'<span class="lxkns-n">{n:,}</span>' if n is not None else ""
    return (f'<details{" open" if open else ""}><summary>{escape(title)}{count}</summary>'
            f"<div>{content}</div></details>")


def _cell(c: Cell) -> str:
    if isinstance(c, tuple):
        return f'<td class="{c[1]}">{escape(c[0])}</td>'
    return f"<td>{escape(c)}</td>"


def _more(left_out: int, noun: str) -> str:
    return f'<p class="lxkns-more">… {left_out:,} more {escape(noun)} not shown</p>' if left_out > 0 else ""


def _table(headers: Sequence[str], items: Sequence[_T], row: Callable[[_T], Sequence[Cell]],
           noun: str, *, limit: int = MAX_ROWS, row_class: Callable[[_T], str] | None = None) -> str:
    """A table of the first ``limit`` items, and a line counting the rest."""
    if not items:
        return f'<p class="lxkns-more">no {escape(noun)}</p>'
    if limit <= 0:
        return _more(len(items), noun)
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    rows = []
    for item in items[:limit]:
        cls = row_class(item) if row_class is not None else ""
        attr = f' class="{cls}"' if cls else ""
        rows.append(f"<tr{attr}>{''.join(_cell(c) for c in row(item))}</tr>")
    return (f'<div class="lxkns-scroll"><table class="lxkns-tab"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table></div>{_more(len(items) - limit, noun)}")


def _generic(obj: object) -> str:
    return _head(type(obj).__name__, repr(obj)) + _facts(obj)


# ---------------------------------------------------------------- rows


def _ns_row(ns: Namespace) -> list[Cell]:
    return [(ns.type_id, "lxkns-mono"), (f.clip(ns.ref_text, 120) or "-", "lxkns-mono"),
            f.owner_text(ns) if not isinstance(ns, UserNamespace) else f.user_name(ns),
            f"{len(ns.processes):,}", f.inline([str(p.pid) for p in ns.leaders], 4) or "-",
            f.inline([f.clip(n, 40) for n in ns.container_names()], 3) or "-"]


_NS_HEADERS = ("namespace", "ref", "owner", "processes", "leaders", "containers")
_OWNED_HEADERS = ("namespace", "ref", "processes", "leaders", "containers")


def _owned_row(ns: Namespace) -> list[Cell]:
    row = _ns_row(ns)
    return row[:2] + row[3:]


def _ns_class(ns: Namespace) -> str:
    return "lxkns-dim" if ns.hidden else ""


def _proc_row(p: Process) -> list[Cell]:
    return [str(p.pid), str(p.ppid), f.clip(p.name, 40), (f.clip(" ".join(p.cmdline), 160), "lxkns-wrap"),
            f.clip(p.container.name, 40) if p.container else ""]


_PROC_HEADERS = ("PID", "PPID", "name", "command line", "container")


def _proc_row_ns(initial: dict[NamespaceType, Namespace]) -> Callable[[Process], list[Cell]]:
    """Process rows with the namespaces that are not the initial ones."""
    def row(p: Process) -> list[Cell]:
        own = [ns.type_id for t, ns in sorted(p.namespaces.items(), key=lambda kv: kv[0].type_name)
               if initial.get(t) is not ns]
        return [*_proc_row(p), (" ".join(own), "lxkns-mono")]
    return row


def _container_row(c: Container) -> list[Cell]:
    return [f.clip(c.name, 60), c.type, c.flavor if c.flavor != c.type else "",
            "paused" if c.paused else "running", str(c.pid),
            f.inline([f.group_name(g) for g in c.groups], 2) or "", (f.clip(c.id, 16), "lxkns-mono")]


_CONTAINER_HEADERS = ("name", "type", "flavor", "state", "PID", "groups", "ID")


def _engine_row(e: ContainerEngine) -> list[Cell]:
    return [e.type, f.clip(e.version, 40), (f.clip(e.api, 100), "lxkns-mono"), str(e.pid),
            f"{len(e.containers):,}"]


_ENGINE_HEADERS = ("type", "version", "API", "PID", "containers")


def _mount_row(m: MountPoint) -> list[Cell]:
    return [str(m.mount_id), (f.clip(m.mount_point, 120), "lxkns-mono"), m.fstype,
            f.clip(m.source, 60), (f.clip(m.root, 60), "lxkns-mono"), m.propagation,
            "hidden" if m.hidden else "visible"]


_MOUNT_HEADERS = ("ID", "mount point", "type", "source", "root", "propagation", "state")


def _mount_class(m: MountPoint) -> str:
    return "lxkns-dim" if m.hidden else ""


def _path_row(p: MountPath) -> list[Cell]:
    top = p.visible
    state = "out of reach" if top is None else ("overmounted" if len(p.mounts) > 1 else "")
    hidden = [f"{m.fstype} {f.clip(m.source, 40)} ({m.mount_id})" for m in p.mounts if m.hidden]
    return [(f.clip(p.path, 120), "lxkns-mono"), str(len(p.mounts)),
            str(top.mount_id) if top else "-", top.fstype if top else "-",
            f.clip(top.source, 60) if top else "-", state, f.inline(hidden, 3)]


_PATH_HEADERS = ("path", "mounts", "visible mount", "type", "source", "state", "hidden here")


def _path_class(p: MountPath) -> str:
    return "lxkns-dim" if p.hidden else ("lxkns-warn" if len(p.mounts) > 1 else "")


def _ns_of(mapping: dict[NamespaceType, Namespace]) -> str:
    rows = sorted(mapping.items(), key=lambda kv: kv[0].type_name)
    return _table(("type", "namespace", "ref"), rows,
                  lambda kv: [kv[0].type_name, (kv[1].type_id, "lxkns-mono"),
                              (f.clip(kv[1].ref_text, 120) or "-", "lxkns-mono")], "namespaces")


# ---------------------------------------------------------------- trees


#: most table rows inside one tree (the owned namespaces of its user namespaces)
MAX_TREE_ROWS = 300


class _Budget:
    """How many tree nodes (and rows of tables in them) may still be shown, and how many
    nodes were not."""

    def __init__(self, limit: int) -> None:
        self.left = limit
        self.rows = MAX_TREE_ROWS
        self.skipped = 0


def _user_tree(ns: UserNamespace, budget: _Budget) -> str:
    budget.left -= 1
    owned = list(ns.owned_namespaces())
    rows = min(20, budget.rows)
    budget.rows -= min(rows, len(owned))
    inner = _section("owned namespaces", len(owned), _table(
        _OWNED_HEADERS, owned, _owned_row, "owned namespaces", limit=rows,
        row_class=_ns_class)) if owned else ""
    kids = []
    for child in ns.children:
        if budget.left <= 0:
            budget.skipped += sum(1 for _ in child.walk())
            continue
        kids.append(f"<li>{_user_tree(child, budget)}</li>")
    sub = f'<ul class="lxkns-tree">{"".join(kids)}</ul>' if kids else ""
    state = " open" if ns.depth < 2 else ""
    return f"<details{state}><summary>{escape(user_line(ns))}</summary><div>{inner}{sub}</div></details>"


def _pid_tree(ns: HierarchicalNamespace, budget: _Budget) -> str:
    budget.left -= 1
    line = (f"{ns.type_id}: {f.count(len(ns.processes), 'process', 'processes')}, "
            f"ealdorman {f.process_name(ns.ealdorman)}")
    kids = []
    for child in ns.children:
        if budget.left <= 0:
            budget.skipped += sum(1 for _ in child.walk())
            continue
        kids.append(f"<li>{_pid_tree(child, budget)}</li>")
    if not kids:
        return f'<div class="lxkns-leaf">{escape(line)}</div>'
    return (f"<details><summary>{escape(line)}</summary>"
            f'<ul class="lxkns-tree">{"".join(kids)}</ul></details>')


def _tree(roots: Sequence[_H], node: Callable[[_H, _Budget], str], noun: str) -> str:
    budget = _Budget(MAX_NODES)
    items = []
    for root in roots:
        if budget.left <= 0:
            budget.skipped += sum(1 for _ in root.walk())
            continue
        items.append(f"<li>{node(root, budget)}</li>")
    return f'<ul class="lxkns-tree">{"".join(items)}</ul>{_more(budget.skipped, noun)}'


# ---------------------------------------------------------------- bodies


def _discovery(d: Discovery) -> str:
    parts = [_head("Discovery", f"{f.count(len(d), 'namespace')}, "
                   f"{f.count(len(d.processes), 'process', 'processes')}",
                   f"{d.scanner} scanner on {d.procfs_root}",
                   [f.count(len(d.diagnostics), "diagnostic")] if d.diagnostics else ()),
             _facts(d)]
    by_type = []
    for t in LEXICAL_ORDER:
        nss = sorted(d.namespaces.get(t, {}).values(), key=lambda ns: ns.id.ino)
        if nss:
            by_type.append(_section(t.type_name, len(nss), _table(
                _NS_HEADERS, nss, _ns_row, f"{t.type_name} namespaces", limit=MAX_TYPE_ROWS,
                row_class=_ns_class)))
    parts.append(_section("Namespaces", len(d), "".join(by_type), open=True))
    if d.user_roots:
        parts.append(_section("User namespace tree", len(d.user_namespaces),
                              _tree(d.user_roots, _user_tree, "user namespaces")))
    if d.pid_roots:
        parts.append(_section("PID namespace tree", len(d.pid_namespaces),
                              _tree(d.pid_roots, _pid_tree, "PID namespaces")))
    procs = sorted(d.processes.values(), key=lambda p: p.pid)
    parts.append(_section("Processes", len(procs), _table(
        (*_PROC_HEADERS, "namespaces not the initial ones"), procs,
        _proc_row_ns(dict(d.initial_namespaces)), "processes")))
    if d.options.with_containers:
        parts.append(_section("Containers", len(d.containers), _table(
            _CONTAINER_HEADERS, d.containers, _container_row, "containers")))
        parts.append(_section("Container engines", len(d.container_engines), _table(
            _ENGINE_HEADERS, d.container_engines, _engine_row, "engines")))
    if d.options.with_mounts:
        tables = [t for t in d.mounts.values() if isinstance(t, MountTable)]
        parts.append(_section("Mount tables", len(d.mounts), _table(
            ("mount namespace", "paths", "mounts", "hidden mounts", "overmounted paths"), tables,
            lambda t: [(f"mnt:[{t.mntns_id.ino}]", "lxkns-mono"), f"{len(t):,}",
                       f"{len(t.mount_points):,}", f"{sum(1 for m in t.mount_points if m.hidden):,}",
                       f"{len(t.overmounted_paths):,}"], "mount tables")))
    if d.diagnostics:
        items = "".join(f"<li>{escape(f.diagnostic_text(x))}</li>" for x in d.diagnostics[:MAX_ROWS])
        parts.append(_section("Diagnostics", len(d.diagnostics),
                              f"<ul>{items}</ul>{_more(len(d.diagnostics) - MAX_ROWS, 'diagnostics')}"))
    return "".join(parts)


def _namespace(ns: Namespace) -> str:
    badges = ["hidden"] if ns.hidden else []
    kind = type(ns).__name__
    parts = [_head(kind, ns.type_id, f.clip(ns.ref_text, 120), badges), _facts(ns)]
    procs = sorted(ns.processes, key=lambda p: p.pid)
    if procs:
        parts.append(_section("Processes", len(procs), _table(_PROC_HEADERS, procs, _proc_row, "processes")))
    if isinstance(ns, UserNamespace):
        owned = list(ns.owned_namespaces())
        parts.append(_section("Owned namespaces", len(owned), _table(
            _NS_HEADERS, owned, _ns_row, "owned namespaces", row_class=_ns_class), open=True))
    if isinstance(ns, HierarchicalNamespace) and ns.children:
        parts.append(_section("Children", len(ns.children), _table(
            _NS_HEADERS, ns.children, _ns_row, "children", row_class=_ns_class)))
    if ns.loose_threads:
        parts.append(_section("Loose threads", len(ns.loose_threads), _table(
            ("TID", "process", "name"), ns.loose_threads,
            lambda t: [str(t.tid), f.process_name(t.process), f.clip(t.name, 40)], "threads")))
    if ns.holders:
        parts.append(_section("Held open by", len(ns.holders), _table(
            _PROC_HEADERS, ns.holders, _proc_row, "processes")))
    if isinstance(ns, MountNamespace) and ns.mounts:
        parts.append(_section("Mount table", len(ns.mounts), _paths(list(ns.mounts.values()))))
    return "".join(parts)


def _paths(paths: list[MountPath]) -> str:
    over = [p for p in paths if len(p.mounts) > 1 or p.hidden]
    out = ""
    if over:
        out += _section("Overmounted and unreachable paths", len(over), _table(
            _PATH_HEADERS, over, _path_row, "paths", row_class=_path_class), open=True)
    return out + _section("All paths", len(paths), _table(
        _PATH_HEADERS, paths, _path_row, "paths", row_class=_path_class), open=not over)


def _process(p: Process) -> str:
    parts = [_head("Process", f"{p.pid} {f.clip(p.name, 40)}", f.clip(" ".join(p.cmdline), 120)),
             _facts(p)]
    parent_ns = p.parent.namespaces if p.parent is not None else {}
    rows = sorted(p.namespaces.items(), key=lambda kv: kv[0].type_name)
    parts.append(_section("Namespaces", len(rows), _table(
        ("type", "namespace", "ref", "parent's"), rows,
        lambda kv: [kv[0].type_name, (kv[1].type_id, "lxkns-mono"),
                    (f.clip(kv[1].ref_text, 120) or "-", "lxkns-mono"),
                    "same" if parent_ns.get(kv[0]) is kv[1] else
                    (parent_ns[kv[0]].type_id if kv[0] in parent_ns else "-")],
        "namespaces"), open=True))
    if p.children:
        parts.append(_section("Children", len(p.children), _table(_PROC_HEADERS, p.children, _proc_row,
                                                                  "children")))
    if p.tasks:
        parts.append(_section("Threads", len(p.tasks), _table(
            ("TID", "name", "state", "loose in"), p.tasks,
            lambda t: [str(t.tid), f.clip(t.name, 40), t.state,
                       " ".join(t.namespaces[k].type_id for k in t.loose)], "threads")))
    return "".join(parts)


def _task(t: Task) -> str:
    return (_head("Task", f"{t.tid} {f.clip(t.name, 40)}", f"of process {t.pid}") + _facts(t)
            + _section("Namespaces", len(t.namespaces), _ns_of(dict(t.namespaces)), open=True))


def _container(c: Container) -> str:
    badges = ["paused"] if c.paused else []
    engine = c.engine.process.namespaces if c.engine is not None and c.engine.process is not None else {}
    rows = sorted(c.namespaces.items(), key=lambda kv: kv[0].type_name)
    parts = [_head("Container", f.clip(c.name, 80), c.type, badges), _facts(c),
             _section("Namespaces", len(rows), _table(
                 ("type", "namespace", "ref", "the engine's too?"), rows,
                 lambda kv: [kv[0].type_name, (kv[1].type_id, "lxkns-mono"),
                             (f.clip(kv[1].ref_text, 120) or "-", "lxkns-mono"),
                             ("shared" if engine.get(kv[0]) is kv[1] else "its own") if engine else "-"],
                 "namespaces"), open=True)]
    procs = list(c.walk_processes())
    if procs:
        parts.append(_section("Processes", len(procs), _table(_PROC_HEADERS, procs, _proc_row, "processes")))
    if c.labels:
        parts.append(_section("Labels", len(c.labels), _labels(c.labels.items())))
    return "".join(parts)


def _labels(items: Iterable[tuple[str, str]]) -> str:
    return _table(("label", "value"), sorted(items),
                  lambda kv: [(f.clip(kv[0], 120), "lxkns-mono"), (f.clip(kv[1]), "lxkns-wrap")], "labels")


def _engine(e: ContainerEngine) -> str:
    parts = [_head("Container engine", f"{e.type} {f.clip(e.version, 40)}", f.clip(e.api, 120)),
             _facts(e), _section("Containers", len(e.containers), _table(
                 _CONTAINER_HEADERS, e.containers, _container_row, "containers"), open=True)]
    if e.labels:
        parts.append(_section("Labels", len(e.labels), _labels(e.labels.items())))
    return "".join(parts)


def _group(g: ContainerGroup) -> str:
    return (_head("Container group", f.clip(g.name, 80), g.type) + _facts(g)
            + _section("Containers", len(g.containers), _table(
                _CONTAINER_HEADERS, g.containers, _container_row, "containers"), open=True))


def _mount_point(m: MountPoint) -> str:
    parts = [_head("Mount point", f"{m.mount_id} {f.clip(m.mount_point, 120)}", m.fstype,
                   ["hidden"] if m.hidden else []), _facts(m)]
    for title, group in (("Children", m.children), ("Peers", m.peers), ("Masters", m.masters),
                         ("Slaves", m.slaves)):
        if group:
            parts.append(_section(title, len(group), _table(_MOUNT_HEADERS, group, _mount_row, "mounts",
                                                            row_class=_mount_class)))
    return "".join(parts)


def _mount_path(p: MountPath) -> str:
    badges = ["out of reach"] if p.hidden else (["overmounted"] if len(p.mounts) > 1 else [])
    parts = [_head("Mount path", f.clip(p.path, 120), f"in mnt:[{p.mntns_id.ino}]", badges), _facts(p),
             _section("Mounts, bottom to top", len(p.mounts), _table(
                 _MOUNT_HEADERS, p.mounts, _mount_row, "mounts", row_class=_mount_class), open=True)]
    if p.children:
        parts.append(_section("Child paths", len(p.children), _table(
            _PATH_HEADERS, p.children, _path_row, "paths", row_class=_path_class)))
    return "".join(parts)


def _mount_table(t: MountTable) -> str:
    return (_head("Mount table", f"mnt:[{t.mntns_id.ino}]", f.count(len(t), "path")) + _facts(t)
            + _paths(list(t.values())))


_BODIES: dict[type, Callable[[Any], str]] = {
    Discovery: _discovery, Namespace: _namespace, HierarchicalNamespace: _namespace,
    UserNamespace: _namespace, MountNamespace: _namespace, Process: _process,
    Task: _task, Container: _container, ContainerEngine: _engine, ContainerGroup: _group,
    MountPoint: _mount_point, MountPath: _mount_path, MountTable: _mount_table,
}
