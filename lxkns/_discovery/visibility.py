"""Which mounts of a mount table cannot be reached through their paths.

Path lookup walks the mount tree from the root mount: at each mountpoint it
crosses into the mount on it. So a mount M is reachable (visible) only if

* its parent is reachable (or not in the table: the top of the listed tree);
* no sibling (same parent) sits on a directory above M's mount point: the
  lookup crosses into that sibling before it gets to M's mountpoint, no matter
  which of the two was mounted first;
* no later sibling sits on the very same directory (it covers M);
* the parent has no mount on its own root directory (an in-place overmount,
  same path as the parent): such a mount covers the whole parent, so only it
  (the last of them) can be reached, and the parent itself is hidden;
* M itself has no such in-place overmount.

Works on plain (mount ID, parent ID, path) triples in mount order, so that it
can be tested on its own. Tables where ``/`` is overmounted, missing (a
chrooted reader) or where parents form cycles (malformed input) are handled:
mounts not reachable from the top of the table are hidden.
"""

from __future__ import annotations

from collections.abc import Sequence


def ancestors(path: str) -> list[str]:
    """The directories above a path: ``/a/b/c`` -> ``/a/b``, ``/a``, ``/``."""
    out = []
    while path != "/" and path:
        cut = path.rfind("/")
        path = path[:cut] if cut > 0 else "/"
        out.append(path)
    return out


def _below_any(path: str, dirs: dict[str, int]) -> bool:
    """Is ``path`` below one of ``dirs``?"""
    while len(path) > 1:
        cut = path.rfind("/")
        path = path[:cut] if cut > 0 else "/"
        if path in dirs:
            return True
    return False


def _reachable_siblings(group: list[int], paths: Sequence[str]) -> list[int]:
    """The members of a sibling group (indices, in mount order) not covered by another:
    by a sibling on a directory above them, or a later one on the same directory."""
    if len(group) == 1:
        return group
    last = {paths[i]: i for i in group}
    return [i for i in group if last[paths[i]] == i and not _below_any(paths[i], last)]


def hidden_mounts(table: Sequence[tuple[int, int, str]]) -> list[bool]:
    """For each (mount ID, parent ID, mount point) of a table in mount order: is it hidden?

    A repeated mount ID keeps its first occurrence as the parent of others.
    """
    n = len(table)
    paths = [path for _, _, path in table]
    index: dict[int, int] = {}
    for i, (mid, _, _) in enumerate(table):
        index.setdefault(mid, i)
    children: list[list[int]] = [[] for _ in range(n)]
    tops: dict[int, list[int]] = {}  # parent ID not in the table -> its mounts
    for i, (_, pid, _) in enumerate(table):
        p = index.get(pid)
        if p is None or p == i:
            tops.setdefault(pid, []).append(i)
        else:
            children[p].append(i)
    hidden = [True] * n  # until shown reachable; cycles stay hidden
    stack: list[int] = []
    for group in tops.values():
        stack.extend(_reachable_siblings(group, paths))
    while stack:
        i = stack.pop()
        kids = children[i]
        overmounts = [k for k in kids if paths[k] == paths[i]]
        if overmounts:
            # covered in place: only the overmount(s) on its root are reached
            stack.extend(_reachable_siblings(overmounts, paths))
            continue
        hidden[i] = False
        stack.extend(_reachable_siblings(kids, paths))
    return hidden


__all__ = ["ancestors", "hidden_mounts"]
