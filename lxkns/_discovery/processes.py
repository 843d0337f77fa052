"""Stage: the process table and the threads of each process."""

from __future__ import annotations

from operator import itemgetter

from .builder import Builder

_pid = itemgetter(0)  # of a ProcRecord
_tgid_tid = itemgetter(1, 0)


def add_processes(b: Builder) -> None:
    for r in sorted(b.scan.procs, key=_pid):
        b.procs[r.pid] = r
    for t in sorted(b.scan.tasks, key=_tgid_tid):
        if t.tgid in b.procs:
            b.tasks.setdefault(t.tgid, []).append(t)
