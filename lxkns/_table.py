"""A plain text table of a discovery: one namespace per line."""

from __future__ import annotations

from collections.abc import Sequence

from .model import Discovery, HierarchicalNamespace, Namespace

HEADER = ("NAMESPACE", "TYPE", "FOUND", "PID", "PROCESS", "OWNER", "PARENT", "REFERENCE")


def _row(ns: Namespace) -> tuple[str, ...]:
    leader = ns.ealdorman
    parent = ns.parent if isinstance(ns, HierarchicalNamespace) else None
    return (
        str(ns.id.ino),
        ns.type.type_name,
        ",".join(sorted(s.value for s in ns.sources)),
        str(leader.pid) if leader is not None else "-",
        leader.name if leader is not None else "-",
        ns.owner.type_id if ns.owner is not None else "-",
        parent.type_id if parent is not None else "-",
        ns.ref_text or "-",
    )


def format_table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for r in rows:
        cells = [c.ljust(w) for c, w in zip(r[:-1], widths, strict=False)]
        lines.append("  ".join([*cells, r[-1]]).rstrip())
    return "\n".join(lines)


def namespace_table(d: Discovery) -> str:
    """Every namespace, by type name then inode, with where it was found."""
    return format_table([HEADER, *(_row(ns) for ns in d.all_namespaces())])
