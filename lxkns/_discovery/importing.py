"""Building a discovery from data read elsewhere (a JSON dump) instead of from a scan.

A dump carries what the stages found on the host it came from: processes
and threads with their namespace links, namespaces with their refs,
parents, owners, creators and loose threads, the PID map, the
diagnostics. An Importer turns that into the same records and drafts the
stages fill in, derives what a dump may leave out the way a live
discovery derives it (which processes each namespace has, its leaders and
ealdorman, the initial namespaces, and -- for dumps of the Go lxkns --
where each namespace was found and who holds it open), and freezes the
graph with the same code as a live discovery. The caller checks the data first: an Importer
trusts that every reference it is given exists.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from .._lowlevel import NLINKS, Missing, ProcRecord, ScanResult
from .._lowlevel.parsers import MountInfo
from .._lowlevel.records import LINK_PID, LINK_PID_FOR_CHILDREN, LINK_TIME, LINK_TIME_FOR_CHILDREN
from ..decorators import EngineDraft
from ..model import Discovery, DiscoveryOptions, NamespaceType, Source
from ..model.diagnostics import Diagnostic, DiagnosticKind
from . import freeze, initial, leaders
from .builder import Builder, NsDraft
from .scanning import TYPE_INDEX

_CHILD_LINK = {NamespaceType.PID: LINK_PID_FOR_CHILDREN, NamespaceType.TIME: LINK_TIME_FOR_CHILDREN}
_FD_REF = re.compile(r"/proc/(\d+)/fd/\d+\Z")
_TASK_REF = re.compile(r"/proc/\d+/task/\d+/ns/[a-z]+\Z")
_CHILDREN_REF = re.compile(r"/proc/\d+/(task/\d+/)?ns/(pid|time)_for_children\Z")
_PROC_REF = re.compile(r"/proc/\d+/ns/[a-z]+\Z")


def _empty_scan(nsfs_dev: int, scanner: str) -> ScanResult:
    return ScanResult(procs=(), tasks=(), fds=(), sockets=(), mntns=(), bindmounts=(), namespaces=(),
                      failures=(), missing=Missing(0), nsfs_dev=nsfs_dev, self_pidns=0,
                      implementation=scanner)


def _links(namespaces: Mapping[NamespaceType, int], for_children: Mapping[NamespaceType, int]
           ) -> tuple[int, ...]:
    ns = [0] * NLINKS
    for t, ino in namespaces.items():
        ns[TYPE_INDEX[t]] = ino
    for t, ino in for_children.items():
        ns[_CHILD_LINK[t]] = ino
    return tuple(ns)


class Importer:
    """Collects a dump's contents, then builds the Discovery (``finish``)."""

    def __init__(self, options: DiscoveryOptions, *, nsfs_dev: int, scanner: str = "",
                 procfs_root: str = "/proc") -> None:
        self.b: Builder = Builder(options, _empty_scan(nsfs_dev, scanner), procfs_root)
        self._derive_sources: set[tuple[int, int]] = set()
        self._derive_holders: set[tuple[int, int]] = set()
        self._initial_given = False
        self._loose: dict[tuple[int, int], list[int]] = {}

    # ------------------------------------------------------------ namespaces

    def add_namespace(self, type: NamespaceType, ino: int, *, ref: Sequence[str] = (), parent: int = 0,
                      owner: int = 0, owner_uid: int | None = None, owner_name: str | None = None,
                      sources: Iterable[Source] | None = None, holders: Iterable[int] | None = None,
                      loose_threads: Iterable[int] = (), dev: int | None = None,
                      stable_id: int | None = None) -> None:
        """A namespace; ``sources``/``holders`` None: derive them (dumps that lack them);
        ``dev`` None: the nsfs device; ``stable_id`` None: unknown (the Go lxkns' dumps)."""
        key = (TYPE_INDEX[type], ino)
        d = self.b.namespaces[key] = NsDraft(key[0], ino, dev=self.b.scan.nsfs_dev if dev is None else dev,
                                             stable_id=stable_id, ref=tuple(ref),
                                             parent=parent, owner=owner, owner_uid=owner_uid)
        if sources is None:
            self._derive_sources.add(key)
        else:
            d.sources.update(sources)
        if holders is None:
            self._derive_holders.add(key)
        else:
            d.held_by.extend(holders)
        self._loose[key] = list(loose_threads)
        if owner_uid is not None and owner_name is not None:
            self.b.user_names.setdefault(owner_uid, owner_name)

    # ------------------------------------------------------------ processes

    def add_process(self, pid: int, ppid: int, *, name: str, starttime: int, state: str = "?",
                    nice: int = 0, priority: int = 0, policy: int = 0, cmdline: Sequence[str] = (),
                    namespaces: Mapping[NamespaceType, int], for_children: Mapping[NamespaceType, int],
                    cpu_cgroup: str | None = None, fridge_cgroup: str | None = None,
                    frozen: bool | None = None, affinity: tuple[tuple[int, int], ...] | None = None,
                    euid: int | None = None, effective_caps: int | None = None) -> None:
        """Add a process as read from a dump, with the inodes of its namespaces."""
        b = self.b
        b.procs[pid] = ProcRecord(pid, pid, ppid, state, starttime, nice, priority, policy, 1,
                                  _links(namespaces, for_children), name, tuple(cmdline), "", (), "")
        self._extras(pid, 0, cpu_cgroup, fridge_cgroup, frozen, affinity)
        if euid is not None and effective_caps is not None:
            b.credentials[pid] = (euid, effective_caps)

    def add_task(self, pid: int, tid: int, *, name: str, starttime: int, state: str = "?", nice: int = 0,
                 priority: int = 0, policy: int = 0, namespaces: Mapping[NamespaceType, int],
                 for_children: Mapping[NamespaceType, int], cpu_cgroup: str | None = None,
                 fridge_cgroup: str | None = None, frozen: bool | None = None,
                 affinity: tuple[tuple[int, int], ...] | None = None) -> None:
        """A thread other than the main one of process ``pid`` (added before)."""
        b = self.b
        proc = b.procs[pid]
        b.tasks.setdefault(pid, []).append(ProcRecord(
            tid, pid, proc.ppid, state, starttime, nice, priority, policy, 1,
            _links(namespaces, for_children), name, (), "", (), ""))
        self._extras(pid, tid, cpu_cgroup, fridge_cgroup, frozen, affinity)

    def _extras(self, pid: int, tid: int, cpu: str | None, fridge: str | None, frozen: bool | None,
                affinity: tuple[tuple[int, int], ...] | None) -> None:
        b = self.b
        if cpu is not None or fridge is not None:
            b.cgroups[tid or pid] = (cpu, fridge)
        if fridge is not None and frozen is not None:
            b.frozen[fridge] = frozen
        if affinity is not None:
            b.affinity[tid or pid] = affinity

    # ------------------------------------------------------------ the rest

    def add_pid_chain(self, chain: Sequence[tuple[int, int]]) -> None:
        """One process' (PID namespace inode, PID) pairs, topmost PID namespace first."""
        self.b.pid_chains.append((tuple(chain), False))

    def set_initial(self, initial: Mapping[NamespaceType, int]) -> None:
        """The inodes of the initial namespaces, as the dump names them."""
        self.b.initial = {TYPE_INDEX[t]: ino for t, ino in initial.items()}
        self._initial_given = True

    def set_online_cpus(self, cpus: tuple[tuple[int, int], ...]) -> None:
        """The online CPUs, as ranges."""
        self.b.online_cpus = cpus

    def set_socket_processes(self, sockets: Mapping[int, Sequence[int]]) -> None:
        """The processes holding each socket (by socket inode)."""
        self.b.socket_processes = {ino: list(pids) for ino, pids in sockets.items()}

    def add_mount_table(self, mntns: int, table: Sequence[MountInfo], via: str,
                        hidden: Sequence[bool]) -> None:
        """A mount namespace's mount table, with the hidden flag of each mount as given."""
        self.b.mount_tables[mntns] = (list(table), via)
        self.b.mount_hidden[mntns] = list(hidden)

    def add_engines(self, engines: Sequence[EngineDraft]) -> None:
        """Container engines with their containers and groups (already decorated)."""
        self.b.engines.extend(engines)

    def restore_diagnostic(self, diag: Diagnostic) -> None:
        """Take over a diagnostic of the dumped discovery as it is."""
        self.b.diagnostics.restore(diag)

    def add_diagnostic(self, kind: DiagnosticKind, stage: str, message: str) -> None:
        """Add a diagnostic about the dump itself."""
        self.b.diagnostics.add(kind, stage, message)

    # ------------------------------------------------------------ finishing

    def _attach(self) -> None:
        """Which processes each namespace has (as sightings.py finds them), and its loose
        threads (as the dump says: their own links are not linked without from_procs)."""
        b = self.b
        drafts = b.namespaces
        b.procs = dict(sorted(b.procs.items()))  # in PID order, as the stages expect
        if b.options.from_procs:
            b.group_processes()
            for ns in b.groups:
                for k in range(len(TYPE_INDEX)):
                    if ns[k] and (d := drafts.get((k, ns[k]))) is not None:
                        d.groups.append(ns)
        for tasks in b.tasks.values():
            tasks.sort(key=lambda t: t.pid)
        threads = {t.pid: t for tasks in b.tasks.values() for t in tasks}
        for key, tids in self._loose.items():
            drafts[key].tasks.extend(threads[tid] for tid in tids if tid in threads)

    def _derive(self) -> None:
        """Sources and holders of namespaces whose dump did not say (the Go lxkns' dumps)."""
        b = self.b
        named_parent = {(d.link, d.parent) for d in b.namespaces.values() if d.parent}
        named_owner = {(TYPE_INDEX[NamespaceType.USER], d.owner) for d in b.namespaces.values() if d.owner}
        for key in self._derive_sources:
            d = b.namespaces[key]
            if d.groups:
                d.sources.add(Source.PROCESS)
            if d.tasks:
                d.sources.add(Source.TASK)
            if key in named_parent:
                d.sources.add(Source.PARENT)
            if key in named_owner:
                d.sources.add(Source.OWNER)
            if len(d.ref) > 1 or (d.ref and not d.ref[0].startswith("/proc/")):
                d.sources.add(Source.BINDMOUNT)
            elif d.ref and _FD_REF.match(d.ref[0]):
                d.sources.add(Source.FD)
            elif d.ref and _CHILDREN_REF.match(d.ref[0]):
                d.sources.add(Source.FOR_CHILDREN)
            elif d.ref and _TASK_REF.match(d.ref[0]):
                d.sources.add(Source.TASK)
            elif d.ref and _PROC_REF.match(d.ref[0]):
                d.sources.add(Source.PROCESS)
        for key in self._derive_holders:
            d = b.namespaces[key]
            m = _FD_REF.match(d.ref[0]) if len(d.ref) == 1 else None
            if m is not None and int(m.group(1)) in b.procs:
                d.held_by.append(int(m.group(1)))

    def finish(self) -> Discovery:
        """The immutable discovery, built like a live one."""
        b = self.b
        self._attach()
        self._derive()
        leaders.add_leaders(b)
        if not self._initial_given:
            initial.add_initial(b)
        return freeze.freeze(b)


__all__ = ["LINK_PID", "LINK_TIME", "Importer"]
