"""The facts worth showing about each kind of model object, as (label, text) pairs.

The IPython text, the HTML tables and the rich trees all show these, so
the three views say the same things. Texts come from a host that others
control (process names, command lines, labels, paths): they are clipped
here and escaped by whoever renders them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ..model import (
    LEXICAL_ORDER,
    Container,
    ContainerEngine,
    ContainerGroup,
    Diagnostic,
    Discovery,
    HierarchicalNamespace,
    MountNamespace,
    MountPath,
    MountPoint,
    MountTable,
    Namespace,
    Process,
    Task,
    UserNamespace,
)

#: longest text shown for one value (command lines, labels, paths)
MAX_TEXT = 200
#: most objects named inline in one value ("leaders 1, 2, 3, ... and 40 more")
MAX_INLINE = 12

Facts = list[tuple[str, str]]


def clip(text: str, limit: int = MAX_TEXT) -> str:
    """``text`` cut to ``limit`` characters, saying how much was cut; control
    characters shown as escapes so that nothing rewrites the display."""
    text = "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in text[: limit + 1])
    return text if len(text) <= limit else text[:limit] + "…"


def count(n: int, noun: str, plural: str | None = None) -> str:
    """``1 process``, ``2 processes``, ``10,000 namespaces``."""
    return f"{n:,} {noun if n == 1 else (plural or noun + 's')}"


def inline(items: Sequence[str], limit: int = MAX_INLINE) -> str:
    """Up to ``limit`` items joined by commas, and how many more there are."""
    shown = ", ".join(items[:limit])
    return shown + (f", … {len(items) - limit:,} more" if len(items) > limit else "")


def process_name(p: Process | None) -> str:
    """A process as PID and (clipped) name; ``-`` for none."""
    if p is None:
        return "-"
    return f"{p.pid} ({clip(p.name, 40)})"


def ns_name(ns: Namespace | None) -> str:
    """A namespace as ``type:[inode]``; ``-`` for none."""
    return ns.type_id if ns is not None else "-"


def user_name(ns: UserNamespace) -> str:
    """A user namespace with the UID (and user name) of its creator."""
    uid = "" if ns.owner_uid is None else f" uid {ns.owner_uid}"
    name = f" ({clip(ns.owner_name, 40)})" if ns.owner_name else ""
    return f"{ns.type_id}{uid}{name}"


def owner_text(ns: Namespace) -> str:
    """The owning user namespace of ``ns``, as :func:`user_name` shows it."""
    return user_name(ns.owner) if ns.owner is not None else "-"


def type_counts(d: Discovery) -> str:
    """How many namespaces of each type the discovery found, in lexical type order."""
    return " · ".join(f"{t.type_name} {len(d.namespaces.get(t, {})):,}" for t in LEXICAL_ORDER
                      if d.namespaces.get(t))


def labels_text(labels: Iterable[tuple[str, str]]) -> str:
    """Labels as sorted, clipped ``key=value`` pairs, a few of them inline."""
    items = [f"{clip(k, 60)}={clip(v, 60)}" for k, v in sorted(labels)]
    return inline(items, 6) if items else "-"


# ---------------------------------------------------------------- per kind


def namespace_facts(ns: Namespace) -> Facts:
    """Identity, ref, sources, hierarchy, ownership, processes and containers of a namespace."""
    facts: Facts = [("type", ns.type.type_name), ("inode", str(ns.id.ino)), ("device", str(ns.id.dev)),
                    ("ref", clip(ns.ref_text) or "(none: no path opens it)"),
                    ("found in", ", ".join(sorted(s.value for s in ns.sources)) or "-")]
    if isinstance(ns, UserNamespace):
        facts.append(("creator", "-" if ns.owner_uid is None else
                      f"uid {ns.owner_uid}" + (f" ({clip(ns.owner_name, 40)})" if ns.owner_name else "")))
    else:
        facts.append(("owner", owner_text(ns)))
    if isinstance(ns, HierarchicalNamespace):
        facts.append(("parent", ns_name(ns.parent)))
        facts.append(("children", inline([c.type_id for c in ns.children]) or "-"))
        facts.append(("depth", str(ns.depth)))
    if isinstance(ns, UserNamespace):
        owned = sorted(ns.owned.items(), key=lambda kv: kv[0].type_name)
        facts.append(("owns", ", ".join(f"{t.type_name} {len(v)}" for t, v in owned) or "-"))
    facts.append(("ealdorman", process_name(ns.ealdorman)))
    facts.append(("leaders", inline([process_name(p) for p in ns.leaders]) or "-"))
    facts.append(("processes", f"{len(ns.processes):,}"))
    if ns.loose_threads:
        facts.append(("loose threads", inline([f"{t.tid} of {t.pid}" for t in ns.loose_threads])))
    if ns.holders:
        facts.append(("held open by", inline([process_name(p) for p in ns.holders])))
    names = ns.container_names()
    if names:
        facts.append(("containers", inline([clip(n, 60) for n in names])))
    if isinstance(ns, MountNamespace):
        facts.append(("mount table", mount_table_summary(ns) if ns.mount_table_via else "not read"))
    return facts


def mount_table_summary(ns: MountNamespace) -> str:
    """How many mounts on how many paths, how many hidden, and how the table was read."""
    hidden = sum(1 for m in ns.mount_points if m.hidden)
    return (f"{count(len(ns.mount_points), 'mount')} on {count(len(ns.mounts), 'path')}, "
            f"{hidden:,} hidden (via {ns.mount_table_via})")


def process_facts(p: Process) -> Facts:
    """PID, name, command line, family, threads, state, cgroup and container of a process."""
    facts: Facts = [("PID", str(p.pid)), ("name", clip(p.name, 60)),
                    ("command line", clip(" ".join(p.cmdline)) or "-"),
                    ("parent", process_name(p.parent) if p.parent is not None else str(p.ppid or "-")),
                    ("children", inline([process_name(c) for c in p.children]) or "-"),
                    ("threads", f"{len(p.tasks):,}"), ("state", p.state),
                    ("start time", f"{p.starttime} (clock ticks after boot)")]
    if p.euid is not None:
        facts.append(("effective UID", str(p.euid)))
    if p.cpu_cgroup is not None:
        facts.append(("cgroup", clip(p.cpu_cgroup)))
    if p.frozen is not None:
        facts.append(("frozen", "yes" if p.frozen else "no"))
    if p.container is not None:
        facts.append(("container", f"{clip(p.container.name, 60)} ({p.container.type})"))
    return facts


def task_facts(t: Task) -> Facts:
    """TID, name, process, state and loose namespaces of a task."""
    loose = t.loose
    return [("TID", str(t.tid)), ("name", clip(t.name, 60)), ("process", process_name(t.process)),
            ("state", t.state),
            ("loose in", ", ".join(t.namespaces[k].type_id for k in loose) if loose else "-")]


def container_facts(c: Container) -> Facts:
    """Name, ID, type, state, initial process, engine, groups and labels of a container."""
    facts: Facts = [("name", clip(c.name, 80)), ("ID", clip(c.id, 80)), ("type", c.type),
                    ("flavor", c.flavor), ("state", "paused" if c.paused else "running"),
                    ("initial process", process_name(c.process) if c.process else str(c.pid)),
                    ("engine", engine_name(c.engine) if c.engine is not None else "-")]
    if c.groups:
        facts.append(("groups", inline([group_name(g) for g in c.groups])))
    if c.enclosing:
        facts.append(("runs inside", " / ".join(clip(e.name, 40) for e in c.enclosing)))
    facts.append(("labels", labels_text(c.labels.items())))
    return facts


def engine_name(e: ContainerEngine) -> str:
    """A container engine as type, version and API endpoint."""
    return f"{e.type} {clip(e.version, 40)} at {clip(e.api, 120)}"


def group_name(g: ContainerGroup) -> str:
    """A container group as type and quoted name."""
    return f"{g.type} {clip(g.name, 60)!r}"


def engine_facts(e: ContainerEngine) -> Facts:
    """Type, version, API, ID, process, containers and labels of a container engine."""
    return [("type", e.type), ("version", clip(e.version, 60)), ("API", clip(e.api)),
            ("ID", clip(e.id, 80)), ("process", process_name(e.process) if e.process else str(e.pid)),
            ("runs in container", clip(e.container.name, 60) if e.container else "-"),
            ("containers", f"{len(e.containers):,}"), ("labels", labels_text(e.labels.items()))]


def group_facts(g: ContainerGroup) -> Facts:
    """Name, type, flavor, containers and labels of a container group."""
    return [("name", clip(g.name, 80)), ("type", g.type), ("flavor", g.flavor),
            ("containers", inline([clip(c.name, 60) for c in g.containers]) or "-"),
            ("labels", labels_text(g.labels.items()))]


def mount_point_facts(m: MountPoint) -> Facts:
    """IDs, paths, filesystem, options, propagation and visibility of a mount point."""
    return [("mount ID", str(m.mount_id)), ("parent ID", str(m.parent_id)),
            ("mount point", clip(m.mount_point)), ("root", clip(m.root)),
            ("filesystem", f"{m.fstype} {clip(m.source, 120)!r} ({m.dev})"),
            ("options", clip(",".join(m.mount_options)) or "-"),
            ("propagation", m.propagation), ("state", "hidden" if m.hidden else "visible"),
            ("mount namespace", f"mnt:[{m.mntns_id.ino}]")]


def mount_path_facts(p: MountPath) -> Facts:
    """A mount path: its mounts, the visible one, its parent and child paths."""
    visible = p.visible
    return [("path", clip(p.path)), ("mount namespace", f"mnt:[{p.mntns_id.ino}]"),
            ("mounts", f"{len(p.mounts):,} (the last on top)"),
            ("visible", f"mount {visible.mount_id} ({visible.fstype})" if visible else
             "none: a mount above covers this path"),
            ("parent path", clip(p.parent.path) if p.parent else "-"),
            ("child paths", f"{len(p.children):,}")]


def mount_table_facts(t: MountTable) -> Facts:
    """How many paths, mounts, hidden mounts, overmounted paths and paths out of reach."""
    points = t.mount_points
    return [("mount namespace", f"mnt:[{t.mntns_id.ino}]"), ("paths", f"{len(t):,}"),
            ("mounts", f"{len(points):,}"),
            ("hidden mounts", f"{sum(1 for m in points if m.hidden):,}"),
            ("overmounted paths", f"{len(t.overmounted_paths):,}"),
            ("paths out of reach", f"{len(t.hidden_paths):,}")]


def diagnostic_text(diag: Diagnostic) -> str:
    """One diagnostic on one line: stage, kind, message, count and a few examples."""
    more = f" ×{diag.count:,}" if diag.count > 1 else ""
    ex = f" (e.g. {inline([clip(e, 80) for e in diag.examples], 3)})" if diag.examples else ""
    return f"{diag.stage}: {diag.kind}: {clip(diag.message)}{more}{ex}"


def discovery_facts(d: Discovery) -> Facts:
    """What a discovery found, in counts, and which scanner found it where."""
    tasks = sum(len(p.tasks) for p in d.processes.values())
    facts: Facts = [("namespaces", f"{len(d):,}: {type_counts(d)}" if len(d) else "0"),
                    ("processes", f"{len(d.processes):,} ({count(tasks, 'thread')})")]
    if d.options.with_containers:
        types = Counter(c.type for c in d.containers)
        facts.append(("containers", f"{len(d.containers):,}" + (
            " (" + ", ".join(f"{t} {n}" for t, n in sorted(types.items())) + ")" if types else "")))
        facts.append(("engines", f"{len(d.container_engines):,}"))
    if d.options.with_mounts:
        facts.append(("mount tables", f"{len(d.mounts):,}"))
    facts.append(("diagnostics", f"{len(d.diagnostics):,}"))
    facts.append(("scanner", f"{d.scanner or '-'} on {d.procfs_root}"))
    return facts


def facts(obj: object) -> Facts:
    """The facts of any model object that shows itself ([] for other objects)."""
    for kind, func in _FACTS:
        if isinstance(obj, kind):
            return func(obj)
    return []


_FACTS: tuple[tuple[type, Callable[[Any], Facts]], ...] = (
    (Discovery, discovery_facts), (Namespace, namespace_facts), (Process, process_facts),
    (Task, task_facts), (Container, container_facts), (ContainerEngine, engine_facts),
    (ContainerGroup, group_facts), (MountPoint, mount_point_facts), (MountPath, mount_path_facts),
    (MountTable, mount_table_facts),
)
