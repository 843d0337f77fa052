"""The private, mutable state of one discovery while its stages run."""

from __future__ import annotations

import errno as errnos
from dataclasses import dataclass, field
from itertools import chain
from operator import itemgetter
from typing import TYPE_CHECKING

from .._lowlevel import BindMountRecord, FdRecord, NsRecord, ProcRecord, ScanResult
from .._lowlevel.parsers import MountInfo
from ..model import DiscoveryOptions, Source
from ..model.diagnostics import Diagnostic, DiagnosticKind

if TYPE_CHECKING:  # the decorators are imported where containers are discovered
    from ..decorators import EngineDraft

_EXAMPLES = 5
_pid = itemgetter(0)  # of a ProcRecord


@dataclass(slots=True)
class NsDraft:
    """A namespace being discovered: every sighting of it, and its relations (inodes)."""

    link: int  # type index, lexical order
    ino: int
    dev: int = 0
    stable_id: int | None = None  # NS_GET_ID
    sources: set[Source] = field(default_factory=set)
    # the link sets of its processes: keys of Builder.groups (processes share them by the hundred)
    groups: list[tuple[int, ...]] = field(default_factory=list)
    for_children: list[ProcRecord] = field(default_factory=list)
    tasks: list[ProcRecord] = field(default_factory=list)  # attached non-main threads
    fds: list[FdRecord] = field(default_factory=list)
    sockets: list[int] = field(default_factory=list)  # inodes of sockets in this network namespace
    binds: list[BindMountRecord] = field(default_factory=list)
    parent: int = 0
    owner: int = 0
    owner_uid: int | None = None
    ref: tuple[str, ...] = ()
    leaders: list[ProcRecord] = field(default_factory=list)
    ealdorman: ProcRecord | None = None
    held_by: list[int] = field(default_factory=list)  # PIDs of holders known as such (imports)


@dataclass
class _DiagGroup:
    kind: DiagnosticKind
    stage: str
    message: str
    errno: int | None
    count: int = 0
    examples: list[str] = field(default_factory=list)


class Diagnostics:
    """Collects problems, counting repeats of the same kind in the same stage."""

    def __init__(self) -> None:
        self._groups: dict[tuple[DiagnosticKind, str, str, int | None], _DiagGroup] = {}

    def add(self, kind: DiagnosticKind, stage: str, message: str, *, errno: int | None = None,
            example: str | None = None, count: int = 1) -> None:
        """Count one problem: same kind, stage, message and errno make one diagnostic with examples."""
        key = (kind, stage, message, errno)
        group = self._groups.get(key)
        if group is None:
            group = self._groups[key] = _DiagGroup(kind, stage, message, errno)
        group.count += count
        if example is not None and len(group.examples) < _EXAMPLES and example not in group.examples:
            group.examples.append(example)

    def oserror(self, stage: str, what: str, err: int, example: str | None = None) -> None:
        """Record a failed read or open, classified by its errno."""
        if err in (errnos.ENOENT, errnos.ESRCH):
            kind, why = DiagnosticKind.VANISHED, "gone while being read"
        elif err in (errnos.EACCES, errnos.EPERM):
            kind, why = DiagnosticKind.DENIED, "permission denied"
        elif err in (errnos.ENOSYS, errnos.ENOTTY, errnos.EOPNOTSUPP):
            kind, why = DiagnosticKind.UNSUPPORTED, "not supported by this kernel"
        elif err == errnos.EBADMSG:
            kind, why = DiagnosticKind.MALFORMED, "malformed contents"
        elif err in _HOSTILE:
            kind, why = DiagnosticKind.UNAVAILABLE, _HOSTILE[err]
        else:
            kind, why = DiagnosticKind.UNAVAILABLE, _strerror(err)
        self.add(kind, stage, f"{what}: {why}", errno=err, example=example)

    def restore(self, diag: Diagnostic) -> None:
        """Take over a diagnostic of an earlier discovery (one read from a dump)."""
        self.add(diag.kind, diag.stage, diag.message, errno=diag.errno, count=diag.count)
        group = self._groups[(diag.kind, diag.stage, diag.message, diag.errno)]
        for example in diag.examples:
            if len(group.examples) < _EXAMPLES and example not in group.examples:
                group.examples.append(example)

    def result(self) -> tuple[Diagnostic, ...]:
        """The diagnostics, by stage, kind and message."""
        order = sorted(self._groups.values(), key=lambda g: (g.stage, g.kind.value, g.message))
        return tuple(
            Diagnostic(kind=g.kind, stage=g.stage, message=g.message, count=g.count,
                       errno=g.errno, examples=tuple(g.examples))
            for g in order
        )


#: what the errnos of the safe openers mean (lxkns._lowlevel.safeopen and the C twin)
_HOSTILE = {
    errnos.EMEDIUMTYPE: "not the kind of file expected there (a FIFO, a device, ... put in its place)",
    errnos.EREMOTE: "not walked: below a FUSE or overlay mount of another user namespace, "
                    "whose server could stall the discovery",
    errnos.EFBIG: "larger than the size cap",
}


def _strerror(err: int) -> str:
    import os

    return os.strerror(err) if err > 0 else f"error {err}"


@dataclass
class Builder:
    """What the stages share: the options, the scan, and the drafts they fill in."""

    options: DiscoveryOptions
    scan: ScanResult
    procfs: str
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    namespaces: dict[tuple[int, int], NsDraft] = field(default_factory=dict)
    procs: dict[int, ProcRecord] = field(default_factory=dict)  # in PID order: stages rely on it
    tasks: dict[int, list[ProcRecord]] = field(default_factory=dict)  # non-main threads by PID
    # the processes by their links (ProcRecord.ns), each list in PID order
    groups: dict[tuple[int, ...], list[ProcRecord]] = field(default_factory=dict)
    socket_processes: dict[int, list[int]] = field(default_factory=dict)
    cgroups: dict[int, tuple[str | None, str | None]] = field(default_factory=dict)  # by TID (PID: main)
    frozen: dict[str, bool] = field(default_factory=dict)  # fridge cgroup -> frozen
    user_names: dict[int, str] = field(default_factory=dict)
    pid_chains: list[tuple[tuple[tuple[int, int], ...], bool]] = field(default_factory=list)
    affinity: dict[int, tuple[tuple[int, int], ...]] = field(default_factory=dict)  # by TID
    credentials: dict[int, tuple[int, int]] = field(default_factory=dict)  # PID -> (euid, CapEff)
    online_cpus: tuple[tuple[int, int], ...] = ()
    self_pidns: int = 0
    initial: dict[int, int] = field(default_factory=dict)  # type index -> ino
    engines: list[EngineDraft] = field(default_factory=list)  # container engines, decorated
    # mount namespace ino -> its mount table (in mount order) and how it was read
    mount_tables: dict[int, tuple[list[MountInfo], str]] = field(default_factory=dict)
    # the scan's namespace records by (type index, inode), for the scan they were made of
    ns_records: tuple[ScanResult, dict[tuple[int, int], NsRecord]] | None = None
    # mount namespace ino -> hidden flags given with its table (imports), else computed
    mount_hidden: dict[int, list[bool]] = field(default_factory=dict)

    def draft(self, link: int, ino: int, source: Source) -> NsDraft:
        """The draft of a namespace, created on its first sighting."""
        key = (link, ino)
        d = self.namespaces.get(key)
        if d is None:
            d = self.namespaces[key] = NsDraft(link, ino)
        d.sources.add(source)
        return d

    def members(self, d: NsDraft) -> list[ProcRecord]:
        """The processes attached to a namespace, in PID order."""
        if len(d.groups) == 1:
            return self.groups[d.groups[0]]
        return sorted(chain.from_iterable(self.groups[g] for g in d.groups), key=_pid)

    def group_processes(self) -> None:
        """Processes by their links (in PID order): what :attr:`NsDraft.groups` refers to."""
        groups = self.groups
        for r in self.procs.values():
            members = groups.get(r.ns)
            if members is None:
                groups[r.ns] = [r]
            else:
                members.append(r)

    def proc_path(self, pid: int, tid: int = 0) -> str:
        """The procfs directory of a process, or of one of its threads."""
        return f"{self.procfs}/{pid}/task/{tid}" if tid else f"{self.procfs}/{pid}"
