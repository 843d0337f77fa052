"""Stage: the PID map, from NSpid lines and the PID namespace hierarchy.

``NSpid`` lists a process' PIDs from the reader's PID namespace down to its
own; pairing it, from the end, with the process' PID namespace and its
ancestors gives the PID in each. Processes in the reader's own PID
namespace have a single PID, so their status files are not read at all.
"""

from __future__ import annotations

from .._lowlevel import ProcRecord
from .._lowlevel.records import LINK_PID
from ..model.diagnostics import DiagnosticKind
from .builder import Builder


def _chain(b: Builder, r: ProcRecord, self_pidns: int) -> tuple[tuple[int, int], ...] | None:
    """((pidns ino, pid), ...) from the top down, or None if it cannot be told."""
    pidns = r.ns[LINK_PID]
    if not pidns:
        return None
    if not r.nspid:
        return ((pidns, r.pid),) if pidns == self_pidns else None
    levels = [pidns]
    while len(levels) < len(r.nspid):
        d = b.namespaces.get((LINK_PID, levels[-1]))
        if d is None or not d.parent:
            return None
        levels.append(d.parent)
    if self_pidns and levels[-1] != self_pidns:
        return None
    return tuple(zip(reversed(levels), r.nspid, strict=True))


def add_pid_map(b: Builder) -> None:
    self_pidns = b.scan.self_pidns
    unmapped = 0
    for r in (*b.procs.values(), *b.scan.tasks):
        chain = _chain(b, r, self_pidns)
        if chain is None:
            if r.ns[LINK_PID]:
                unmapped += 1
            continue
        b.pid_chains.append((chain, r.tgid != r.pid))
    if unmapped:
        b.diagnostics.add(DiagnosticKind.UNAVAILABLE, "pidmap",
                          "PIDs that could not be placed in the PID namespace hierarchy",
                          count=unmapped)
