"""Stage: the process table and the threads of each process."""

from __future__ import annotations

from .builder import Builder


def add_processes(b: Builder) -> None:
    for r in sorted(b.scan.procs, key=lambda r: r.pid):
        b.procs[r.pid] = r
    for t in sorted(b.scan.tasks, key=lambda t: (t.tgid, t.pid)):
        if t.tgid in b.procs:
            b.tasks.setdefault(t.tgid, []).append(t)
