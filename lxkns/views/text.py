"""Model objects as a few lines of text: what IPython shows, and the fallback of the HTML."""

from __future__ import annotations

from collections.abc import Iterator

from ..model import Discovery, MountPath, MountTable, UserNamespace
from . import facts as f

#: most lines of a tree or list in the text (the rest are counted)
MAX_LINES = 40


def user_tree(roots: tuple[UserNamespace, ...], limit: int = MAX_LINES) -> Iterator[tuple[int, str]]:
    """(depth, line) for the user namespaces below ``roots``, depth first; at most
    ``limit`` lines, then one that counts the rest."""
    shown = 0
    total = 0
    for root in roots:
        for ns in root.walk():
            total += 1
            if shown < limit:
                shown += 1
                assert isinstance(ns, UserNamespace)
                yield ns.depth, user_line(ns)
    if total > shown:
        yield 0, f"… {f.count(total - shown, 'more user namespace')} not shown"


def user_line(ns: UserNamespace) -> str:
    """One user namespace: its creator, how many namespaces it owns and processes it holds."""
    owned = sum(len(v) for v in ns.owned.values())
    return (f"{f.user_name(ns)}: owns {f.count(owned, 'namespace')}, "
            f"{f.count(len(ns.processes), 'process', 'processes')}")


def mount_path_line(p: MountPath) -> str:
    """One mount path: the filesystem visible there and how many mounts are stacked."""
    top = p.visible
    what = f"{top.fstype} {f.clip(top.source, 60)!r}" if top is not None else "(out of reach)"
    stack = f" [{len(p.mounts)} stacked]" if len(p.mounts) > 1 else ""
    return f"{f.clip(p.path, 120)}  {what}{stack}"


def text(obj: object) -> str:
    """``obj`` as IPython shows it: its repr, its facts, and a short tree or list below."""
    lines = [repr(obj)]
    pairs = f.facts(obj)
    width = max((len(label) for label, _ in pairs), default=0)
    lines += [f"  {label:<{width}}  {value}" for label, value in pairs]
    if isinstance(obj, Discovery):
        if obj.user_roots:
            lines.append("  user namespaces:")
            lines += [f"    {'  ' * depth}{line}" for depth, line in user_tree(obj.user_roots)]
        if obj.diagnostics:
            lines.append("  diagnostics:")
            lines += [f"    {f.diagnostic_text(d)}" for d in obj.diagnostics[:5]]
            if len(obj.diagnostics) > 5:
                lines.append(f"    … {len(obj.diagnostics) - 5:,} more")
    elif isinstance(obj, MountTable):
        paths = list(obj.values())
        lines += [f"    {mount_path_line(p)}" for p in paths[:MAX_LINES]]
        if len(paths) > MAX_LINES:
            lines.append(f"    … {f.count(len(paths) - MAX_LINES, 'more path')} not shown")
    return "\n".join(lines)
