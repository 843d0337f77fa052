"""Stage: which namespaces are the initial (host) ones.

The kernel's own threads live in the initial namespaces, so kthreadd (PID 2,
parent 0) shows them all where it is visible; else PID 1 if its links could
be read. Failing both, the types whose initial namespace has a fixed inode
(all but mnt and net on older kernels) are recognized by that inode.
"""

from __future__ import annotations

from .._lowlevel import NTYPES
from .._lowlevel.records import LINK_CGROUP, LINK_IPC, LINK_PID, LINK_TIME, LINK_USER, LINK_UTS
from ..model.diagnostics import DiagnosticKind
from .builder import Builder

# PROC_*_INIT_INO from include/linux/proc_ns.h
_FIXED_INIT_INO = {
    LINK_IPC: 0xEFFFFFFF,
    LINK_UTS: 0xEFFFFFFE,
    LINK_USER: 0xEFFFFFFD,
    LINK_PID: 0xEFFFFFFC,
    LINK_CGROUP: 0xEFFFFFFB,
    LINK_TIME: 0xEFFFFFFA,
}


def _witness(b: Builder) -> list[int] | None:
    """The namespace links of a process known to be in the initial namespaces."""
    kthreadd = b.procs.get(2)
    if kthreadd is not None and kthreadd.ppid == 0 and any(kthreadd.ns[:NTYPES]):
        return list(kthreadd.ns[:NTYPES])
    init = b.procs.get(1)
    if init is not None and init.ns[LINK_PID] == _FIXED_INIT_INO[LINK_PID]:
        return list(init.ns[:NTYPES])
    return None


def add_initial(b: Builder) -> None:
    links = _witness(b)
    if links is not None:
        b.initial = {k: ino for k, ino in enumerate(links) if ino and (k, ino) in b.namespaces}
        return
    for k, ino in _FIXED_INIT_INO.items():
        if (k, ino) in b.namespaces:
            b.initial[k] = ino
    if b.namespaces:
        b.diagnostics.add(
            DiagnosticKind.UNAVAILABLE, "initial",
            "neither kthreadd nor the initial PID 1 could be read: initial namespaces "
            "recognized by their fixed inode numbers only",
        )
