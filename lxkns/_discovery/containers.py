"""Stage: container engines, their containers, and what decorators make of them.

Engines are found in the process table and asked (all at once, each within
``engine_timeout``) by the engine layer. Their containers' PIDs are then
translated into our PID namespace, engines are placed inside the containers
they run in, and the decorator plugins run on the drafts. Nothing here fails
the discovery: an engine that cannot be asked becomes a diagnostic.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

from .._engines import detect, query, transport
from .._engines.errors import EngineDenied, EngineError, EngineProtocolError, EngineUnsupported, GrpcMissing
from .._engines.records import CRI, Endpoint, EngineReport
from .._lowlevel import ProcRecord, inroot, safeopen
from .._lowlevel.records import LINK_MNT, LINK_PID
from ..decorators import ContainerDraft, EngineDraft, load
from ..model.diagnostics import DiagnosticKind
from ..model.options import parse_endpoint
from .builder import Builder

STAGE = "containers"
_PREFERRED = ("docker.sock", "containerd.sock", "podman.sock", "crio.sock")


# ------------------------------------------------------------------ finding endpoints

def _cmdline(b: Builder, r: ProcRecord) -> tuple[str, ...]:
    if r.cmdline or r.comm != "podman":
        return r.cmdline
    try:  # the scan did not read command lines; podman needs its own
        data = safeopen.read_file(f"{b.proc_path(r.pid)}/cmdline", strict=b.scan.foreign)
    except OSError:
        return ()
    return tuple(os.fsdecode(a) for a in data.split(b"\0")[:-1])


def _fd_sockets(b: Builder, pids: Iterable[int]) -> dict[int, set[int]] | None:
    """Socket inodes per PID from the scan, if it read socket fds (else None)."""
    if not b.options.from_sockets:
        return None
    wanted = set(pids)
    out: dict[int, set[int]] = {pid: set() for pid in wanted}
    for f in b.scan.fds:
        if f.kind == 1 and f.pid in wanted:
            out[f.pid].add(f.ino)
    return out


def _label(b: Builder, ep: Endpoint) -> str:
    pid = ep.pid or ep.activator
    r = b.procs.get(pid)
    who = f"{r.comm} (PID {pid}) " if r is not None else ""
    return f"{who}{ep.api}"


def _socket_key(ep: Endpoint) -> tuple[int, int] | None:
    """(dev, inode) of an endpoint's socket file, reached as it is connected to."""
    try:
        with transport.socket_fd(ep) as fd:
            q = inroot.quick_stat(fd)
    except EngineError:
        return None
    return (q.dev, q.ino)


def _listener(b: Builder, path: str) -> int:
    """The PID of the process listening on a socket path in our own network namespace
    (known when the scan read socket fds), preferring engine daemons; 0 if unknown."""
    if not b.options.from_sockets:
        return 0
    inos = [ino for ino, bound in detect.listening_sockets(b.procfs, "self").items() if bound == path]
    pids = sorted({pid for ino in inos for pid in b.socket_processes.get(ino, ())})
    engines = [pid for pid in pids if pid in b.procs and b.procs[pid].comm in detect.ENGINE_PROCESSES]
    return (engines or pids or [0])[0]


def _endpoint_groups(b: Builder) -> list[list[Endpoint]]:
    """Endpoints to ask, grouped by the engine process listening on them."""
    opts = b.options
    found: list[Endpoint] = []
    if opts.detect_engines:
        cands = detect.candidates((r.pid, r.comm, _cmdline(b, r)) for r in b.procs.values()
                                  if r.comm in detect.ENGINE_PROCESSES or r.comm in detect.ACTIVATORS)
        found, lost = detect.endpoints(b.procfs, cands, _fd_sockets(b, (c.pid for c in cands)))
        for cand, sockets in lost:
            example = f"{cand.comm} (PID {cand.pid})"
            if sockets.denied:
                b.diagnostics.add(DiagnosticKind.DENIED, STAGE,
                                  "cannot see which sockets a container engine listens on",
                                  example=example)
            elif sockets.unreachable:
                b.diagnostics.add(DiagnosticKind.UNAVAILABLE, STAGE,
                                  "a container engine listens on sockets that cannot be reached from here",
                                  example=f"{example} {sockets.unreachable[0]}")
            else:
                b.diagnostics.add(DiagnosticKind.UNAVAILABLE, STAGE,
                                  "a container engine process listens on no unix socket",
                                  example=example)
    if b.scan.foreign:  # its PIDs are not ours: who answers cannot be checked
        found = [ep._replace(listener=0) for ep in found]
    keys = {_socket_key(ep): i for i, ep in enumerate(found)}
    for spec in opts.engine_endpoints:
        kind, path = parse_endpoint(spec)
        ep = Endpoint(path, kind, 0, explicit=True)
        key = _socket_key(ep)
        i = keys.get(key) if key is not None else None
        if i is not None:  # the same socket as one found: keep its PID, prefer the given kind
            known = found[i]
            found[i] = known._replace(kind=ep.kind or known.kind, explicit=True)
        elif ep.path not in (e.path for e in found):
            found.append(ep._replace(pid=_listener(b, ep.path)))
    groups: dict[int, list[Endpoint]] = {}
    singles: list[list[Endpoint]] = []
    for ep in found:
        if ep.pid:
            groups.setdefault(ep.pid, []).append(ep)
        else:
            singles.append([ep])
    ordered = [sorted(eps, key=lambda e: (os.path.basename(e.path) not in _PREFERRED, e.path))
               for _, eps in sorted(groups.items())]
    return ordered + singles


def _report_errors(b: Builder, outcomes: Sequence[query.Outcome]) -> None:
    for out in outcomes:
        for ep, err in out.errors:
            if out.reports and isinstance(err, EngineUnsupported):
                continue  # another socket of a process that did answer
            if isinstance(err, GrpcMissing):
                b.diagnostics.add(DiagnosticKind.UNSUPPORTED, STAGE, "containerd and CRI engines need grpcio "
                                  "and protobuf (pip install lxkns[containerd])", example=_label(b, ep))
                continue
            kind = (DiagnosticKind.DENIED if isinstance(err, EngineDenied) else
                    DiagnosticKind.MALFORMED if isinstance(err, EngineProtocolError) else
                    DiagnosticKind.UNAVAILABLE)
            b.diagnostics.add(kind, STAGE, f"a container engine {err.reason}",
                              example=f"{_label(b, ep)}: {err}")


# ------------------------------------------------------------------ PID translation

class _PidTranslator:
    """Container PIDs as an engine sees them, as we see them.

    An engine in a child PID namespace E (at depth k below ours) reports
    PIDs in E. A process is the one meant when field k of its NSpid line is
    that PID and its PID namespace at depth k is E (checked with the
    namespace parents the scan found; without them, a unique match counts).
    """

    def __init__(self, b: Builder) -> None:
        self.b = b
        self.parents = {r.ino: r.parent for r in b.scan.namespaces if r.link == LINK_PID}
        self.index: dict[int, dict[int, list[ProcRecord]]] = {}

    def _at_depth(self, r: ProcRecord, depth: int) -> int:
        ns, steps = r.ns[LINK_PID], len(r.nspid) - 1 - depth
        while steps > 0 and ns:
            ns = self.parents.get(ns, 0)
            steps -= 1
        return ns

    def translate(self, engine_pid: int, pid: int) -> int:
        """``pid`` as reported by the engine process ``engine_pid``; 0 if unknown."""
        b = self.b
        engine = b.procs.get(engine_pid)
        if engine is None or not pid:
            return pid  # engine not seen: assume it shares our PID namespace
        pidns = engine.ns[LINK_PID]
        if not pidns or pidns == b.scan.self_pidns:
            return pid
        if len(engine.nspid) < 2:
            return 0  # NSpid unreadable
        depth = len(engine.nspid) - 1
        by_pid = self.index.get(depth)
        if by_pid is None:
            by_pid = self.index[depth] = {}
            for r in b.procs.values():
                if len(r.nspid) > depth:
                    by_pid.setdefault(r.nspid[depth], []).append(r)
        matches = by_pid.get(pid, [])
        exact = [r for r in matches if self._at_depth(r, depth) == pidns]
        if len(exact) == 1:
            return exact[0].pid
        if not exact and len(matches) == 1 and pidns not in self.parents:
            return matches[0].pid
        return 0


# ------------------------------------------------------------------ drafts

def _root(b: Builder, pid: int) -> str:
    if not pid:
        return ""
    return "" if detect.same_view(b.procfs, pid) else f"{b.procfs}/{pid}/root"


def _drafts(b: Builder, outcomes: Sequence[query.Outcome]) -> list[EngineDraft]:
    translator = _PidTranslator(b)
    engines: list[EngineDraft] = []
    seen: set[tuple[str, str]] = set()
    untranslated = 0
    reports: list[EngineReport] = [r for out in outcomes for r in out.reports]
    for rep in reports:
        if (rep.type, rep.id) in seen:
            continue  # the same engine on another socket
        seen.add((rep.type, rep.id))
        ep = rep.endpoint
        engine_pid = ep.pid or ep.activator
        e = EngineDraft(id=rep.id, type=rep.type, version=rep.version, api=ep.api, pid=ep.pid,
                        root=_root(b, engine_pid))
        for c in sorted(rep.containers, key=lambda c: (c.name, c.id)):
            pid = translator.translate(engine_pid, c.pid)
            if c.pid and not pid:
                untranslated += 1
            paused = c.paused
            if rep.type == CRI and not paused and pid:
                cg = b.cgroups.get(pid)
                paused = bool(cg and cg[1] is not None and b.frozen.get(cg[1]))  # the CRI has no paused state
            e.containers.append(ContainerDraft(id=c.id, name=c.name, type=rep.type, flavor=rep.type,
                                               pid=pid, paused=paused, labels=dict(c.labels), engine=e))
        engines.append(e)
    if untranslated:
        b.diagnostics.add(DiagnosticKind.UNAVAILABLE, STAGE,
                          "container PIDs that could not be translated into our PID namespace",
                          count=untranslated)
    return sorted(engines, key=lambda e: (e.type, e.api))


def _place_engines(b: Builder, engines: Sequence[EngineDraft]) -> None:
    """Each engine's enclosing container: the nearest container whose initial process
    is the engine or one of its ancestors, else the container whose initial
    process shares the engine's mount namespace (an engine exec'd into it)."""
    by_pid = {c.pid: c for e in engines for c in e.containers if c.pid}
    for e in engines:
        pid, hops = e.pid, 0
        while pid and pid in b.procs and hops < 4096:
            c = by_pid.get(pid)
            if c is not None and c.engine is not e:
                e.container = c
                break
            r = b.procs[pid]
            pid, hops = (r.ppid if r.ppid != pid else 0), hops + 1
        if e.container is not None or e.pid not in b.procs:
            continue
        mnt = b.procs[e.pid].ns[LINK_MNT]
        for c in by_pid.values():
            if c.engine is e or c.engine.pid not in b.procs:
                continue
            own = b.procs.get(c.pid)
            if own is not None and mnt and own.ns[LINK_MNT] == mnt != b.procs[c.engine.pid].ns[LINK_MNT]:
                e.container = c
                break


def _decorate(b: Builder, engines: list[EngineDraft]) -> None:
    decorators, failed = load()
    for name, error in failed:
        b.diagnostics.add(DiagnosticKind.UNAVAILABLE, STAGE, "a decorator plugin could not be loaded",
                          example=f"{name}: {error}")
    for name, decorate in decorators:
        try:
            decorate(engines)
        except Exception as exc:
            b.diagnostics.add(DiagnosticKind.UNAVAILABLE, STAGE, "a decorator plugin failed",
                              example=f"{name}: {type(exc).__name__}: {exc}")


def add_containers(b: Builder) -> None:
    groups = _endpoint_groups(b)
    outcomes = query.ask_all(groups, b.options.engine_timeout)
    _report_errors(b, outcomes)
    engines = _drafts(b, outcomes)
    _place_engines(b, engines)
    _decorate(b, engines)
    b.engines = engines


__all__ = ["EngineError", "add_containers"]
