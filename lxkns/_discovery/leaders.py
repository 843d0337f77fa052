"""Stage: the leaders and the ealdorman of every namespace.

A leader is a process in the namespace whose parent is not in it; the
ealdorman is the oldest leader (lowest start time, then lowest PID).
"""

from __future__ import annotations

from .builder import Builder


def add_leaders(b: Builder) -> None:
    for d in b.namespaces.values():
        if not d.procs:
            continue
        members = {p.pid for p in d.procs}
        d.leaders = sorted((p for p in d.procs if p.ppid not in members), key=lambda p: p.pid)
        if not d.leaders:  # a cycle cannot happen, but a table read mid-reparenting can be odd
            d.leaders = sorted(d.procs, key=lambda p: p.pid)
        d.ealdorman = min(d.leaders, key=lambda p: (p.starttime, p.pid))
