"""Discovery of the live host: lsns as an oracle, both scanners agreeing, and an
unprivileged caller."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

import lxkns
from lxkns import DiagnosticKind

from conftest import SCANNERS, discover, nsbuild
from graphs import namespace_summary, process_summary
from privdrop import as_nobody

TYPES = {t.type_name: t for t in lxkns.NamespaceType.all().members()}


def _lsns() -> list[dict[str, object]]:
    out = subprocess.run(["lsns", "--json", "--output", "NS,TYPE,PID"], capture_output=True,
                         text=True, check=True).stdout
    rows: list[dict[str, object]] = []

    def walk(items: list[dict[str, object]]) -> None:
        for r in items:
            rows.append(r)
            walk(r.get("children", []))  # type: ignore[arg-type]

    walk(json.loads(out)["namespaces"])
    return rows


def _starttime(pid: object) -> int | None:
    """The start time of a process (None: there is none with that PID)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return int(f.read().rsplit(b")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


def _still_there(pid: object, typ: str, ino: int, start: int | None) -> bool:
    """Whether the process lsns named is still the same one (a busy host reuses PIDs within
    seconds) and still in that namespace."""
    if start is None or _starttime(pid) != start:
        return False
    try:
        return os.readlink(f"/proc/{pid}/ns/{typ}") == f"{typ}:[{ino}]"
    except OSError:
        return False


@pytest.mark.skipif(shutil.which("lsns") is None, reason="util-linux lsns is not installed")
def test_every_namespace_lsns_reports_is_found(scanner: str) -> None:
    rows = _lsns()
    starts = {r.get("pid"): _starttime(r.get("pid")) for r in rows if r.get("pid") is not None}
    d = discover(scanner)
    assert rows, "lsns reported nothing"
    missing = []
    for r in rows:
        ino, typ = int(r["ns"]), str(r["type"])  # type: ignore[call-overload]
        try:
            ns = d.namespace(ino, TYPES[typ])
        except lxkns.UnknownNamespaceError:
            pid = r.get("pid")
            if pid is None or _still_there(pid, typ, ino, starts.get(pid)):
                missing.append((typ, ino, pid))  # not a process that ended meanwhile
            continue
        assert ns.type.type_name == typ
    assert not missing, f"lsns reported namespaces lxkns did not find: {missing}"


def test_own_namespaces_are_found_with_their_processes(scanner: str) -> None:
    d = discover(scanner)
    me = d.process(os.getpid())
    for name, t in TYPES.items():
        ino = int(os.readlink(f"/proc/self/ns/{name}").split("[")[1][:-1])
        ns = me.namespaces[t]
        assert ns.id.ino == ino and ns.type is t
        assert me in ns.processes
        assert ns.ref  # every namespace with a process can be opened again
    assert me.tasks[0].is_main and me.tasks[0].tid == os.getpid()
    assert d.process(me.ppid) is me.parent


def _built(d: lxkns.Discovery, pids: set[int], extra: set[str]) -> dict[str, object]:
    """What a discovery says about the namespaces and processes the scenarios built (and
    nothing about the rest of the busy host): the namespaces their processes and threads
    are in, other than the initial ones, and the namespaces the scenarios named."""
    initial = {ns.type_id for ns in d.initial_namespaces.values()}
    mine = set(extra)
    for pid in pids:
        p = d.processes.get(pid)
        if p is None:
            continue
        for t in p.tasks:
            mine.update(ns.type_id for ns in t.namespaces.values())
        mine.update(ns.type_id for ns in p.for_children.values())
    mine -= initial
    by_id = {ns.type_id: ns for ns in d.all_namespaces()}
    return {
        "namespaces": {i: namespace_summary(by_id[i]) if i in by_id else None for i in sorted(mine)},
        "processes": {pid: process_summary(d.processes[pid]) if pid in d.processes else None
                      for pid in sorted(pids)},
        "initial": sorted(initial),
    }


@pytest.mark.privileged
@pytest.mark.skipif(len(SCANNERS) < 2, reason="the compiled scanner is not available")
def test_native_and_python_scanners_give_the_same_discovery(tmp_base: str) -> None:
    """Both scanners say the same about what the test built, whatever else the busy host
    starts and ends meanwhile."""
    with nsbuild.run(nsbuild.USERNS_CHAIN.replace("DEPTH", "3")) as users, \
         nsbuild.run(nsbuild.NESTED_PROCESSLESS.replace("BASE", repr(tmp_base))) as nested, \
         nsbuild.run(nsbuild.SOCKET_NETNS) as sockets, nsbuild.run(nsbuild.LOOSE_THREAD) as loose:
        ours = {users["pid"], sockets["pid"], loose["pid"]}
        named = {*(f"user:[{i}]" for i in users["chain"]), f"net:[{users['net']}]",
                 f"mnt:[{nested['mnt']}]", f"net:[{nested['net']}]", f"net:[{sockets['net']}]",
                 f"net:[{loose['net']}]"}
        a = lxkns.discover(lxkns.FULL, native=True)
        b = lxkns.discover(lxkns.FULL, native=False)
        sa, sb = _built(a, ours, named), _built(b, ours, named)
        assert sa == sb
        assert all(v is not None for v in sa["namespaces"].values()), sa["namespaces"]  # type: ignore[union-attr]
        assert all(v is not None for v in sa["processes"].values())  # type: ignore[union-attr]


def _unprivileged_probe(native: bool) -> dict[str, object]:
    """Discover as the caller is; report what was found of the caller's own namespaces."""
    own = {t: int(os.readlink(f"/proc/self/ns/{t}").split("[")[1][:-1]) for t in TYPES}
    d = lxkns.discover(lxkns.FULL, native=native)
    me = d.process(os.getpid())
    return {
        "uid": os.geteuid(),
        "own": own,
        "found": {t.type_name: ns.id.ino for t, ns in me.namespaces.items()},
        "refs": {t.type_name: list(ns.ref) for t, ns in me.namespaces.items()},
        "processes": len(d.processes),
        "namespaces_of_pid2": len(d.process(2).namespaces) if 2 in d.processes else None,
        "diagnostics": [[x.kind.value, x.stage, x.count] for x in d.diagnostics],
    }


@pytest.mark.unprivileged
def test_unprivileged_discovery_sees_its_own_and_says_what_was_denied(scanner: str) -> None:
    r = as_nobody(_unprivileged_probe, scanner == "native")
    assert r["uid"] != 0
    assert r["found"] == r["own"]
    assert all(r["refs"].values())  # type: ignore[attr-defined]
    assert r["processes"] > 1  # type: ignore[operator]  # others' stat files are readable
    assert r["namespaces_of_pid2"] in (0, None)  # ... their namespaces are not
    kinds = {(kind, stage) for kind, stage, _ in r["diagnostics"]}  # type: ignore[attr-defined]
    assert (DiagnosticKind.DENIED.value, "namespaces") in kinds
