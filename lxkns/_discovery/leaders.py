"""Stage: the leaders and the ealdorman of every namespace.

A leader is a process in the namespace whose parent is not in it; the
ealdorman is the oldest leader (lowest start time, then lowest PID).

A process leads the namespaces in which its parent is not: where it has
all its links in common with its parent (most processes), it leads none,
so each process is compared with its parent once, not each namespace with
all its members.
"""

from __future__ import annotations

from .._lowlevel import NTYPES
from .builder import Builder


def add_leaders(b: Builder) -> None:
    links = range(NTYPES)
    procs, drafts = b.procs, b.namespaces
    for r in procs.values():  # in PID order: leader lists come out sorted by PID
        parent = procs.get(r.ppid) if r.ppid != r.pid else None
        if parent is not None and parent.ns == r.ns:
            continue
        for k in links:
            ino = r.ns[k]
            if ino and (parent is None or parent.ns[k] != ino):
                d = drafts.get((k, ino))
                if d is not None and d.groups:
                    d.leaders.append(r)
    for d in drafts.values():
        if not d.groups:
            continue
        if not d.leaders:  # a cycle cannot happen, but a table read mid-reparenting can be odd
            d.leaders = list(b.members(d))
        d.ealdorman = min(d.leaders, key=lambda p: (p.starttime, p.pid))
