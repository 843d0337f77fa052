"""Explanations of failed comparisons of lxkns objects, for ``pytest_assertrepr_compare``:
a few lines that say what differs, instead of two reprs."""

from __future__ import annotations

from collections.abc import Iterable

from ..model import Container, Discovery, MountPath, MountPoint, Namespace, Process, Task
from ..model.changes import changes
from .matchers import (
    MAX_DIFFERENCES,
    Matcher,
    namespace_differences,
    process_differences,
    task_differences,
)

#: how many items of a collection an ``in`` explanation goes through
MAX_ITEMS = 8


def _indent(lines: Iterable[str]) -> list[str]:
    return [f"  {line}" for line in lines]


def _fields(a: object, b: object, names: tuple[str, ...]) -> list[str]:
    return [f"{n}: {getattr(a, n)!r} != {getattr(b, n)!r}" for n in names if getattr(a, n) != getattr(b, n)]


def explain(op: str, left: object, right: object) -> list[str] | None:
    """The lines pytest shows for ``assert left <op> right``, or None to leave it to pytest."""
    if op in ("==", "!="):
        matcher, other = ((left, right) if isinstance(left, Matcher) else
                          (right, left) if isinstance(right, Matcher) else (None, None))
        if matcher is not None:
            if op == "!=":
                return [f"{other!r} is {matcher!r}"]
            return [f"{other!r} is not {matcher!r}:", *_indent(matcher.mismatches(other)[:MAX_DIFFERENCES])]
        if op == "==":
            return _unequal(left, right)
    if op in ("in", "not in") and isinstance(left, Matcher):
        try:
            items = list(right)  # type: ignore[call-overload]
        except TypeError:
            return None
        if op == "not in":
            found = [i for i in items if left.matches(i)]
            return [f"{len(found)} of {len(items)} items are {left!r}:",
                    *_indent(repr(i) for i in found[:MAX_ITEMS])]
        lines = [f"none of {len(items)} items is {left!r}"]
        for item in items[:MAX_ITEMS]:
            lines.append(f"  {item!r}: " + "; ".join(left.mismatches(item)[:3]))
        if len(items) > MAX_ITEMS:
            lines.append(f"  … and {len(items) - MAX_ITEMS} more")
        return lines
    return None


def _unequal(left: object, right: object) -> list[str] | None:
    if isinstance(left, Namespace) and isinstance(right, Namespace):
        return [f"{left.type_id} != {right.type_id}", *_indent(namespace_differences(left, right))]
    if isinstance(left, Process) and isinstance(right, Process):
        return [f"process {left.pid} != process {right.pid}", *_indent(process_differences(left, right))]
    if isinstance(left, Task) and isinstance(right, Task):
        return [f"task {left.tid} != task {right.tid}", *_indent(task_differences(left, right))]
    if isinstance(left, Discovery) and isinstance(right, Discovery):
        diff = changes(left, right)
        head = "two different Discovery objects (they compare by identity)"
        if not diff:
            return [head, "  their namespaces, processes, containers and mounts are the same",
                    "  (compare contents with lxkns.changes(left, right))"]
        return [f"{head}; from left to right:", *_indent(diff.lines())]
    if isinstance(left, Container) and isinstance(right, Container):
        return [f"container {left.name!r} != container {right.name!r}",
                *_indent(_fields(left, right, ("name", "id", "type", "flavor", "pid", "paused")))]
    if isinstance(left, MountPoint) and isinstance(right, MountPoint):
        return [f"mount {left.mount_id} != mount {right.mount_id}", *_indent(_fields(
            left, right, ("mntns_id", "mount_id", "mount_point", "root", "fstype", "source", "hidden")))]
    if isinstance(left, MountPath) and isinstance(right, MountPath):
        return [f"mount path {left.path!r} != {right.path!r}",
                *_indent(_fields(left, right, ("mntns_id", "path")))]
    return None
