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


@pytest.mark.skipif(shutil.which("lsns") is None, reason="util-linux lsns is not installed")
def test_every_namespace_lsns_reports_is_found(scanner: str) -> None:
    rows = _lsns()
    d = discover(scanner)
    assert rows, "lsns reported nothing"
    missing = []
    for r in rows:
        ino, typ = int(r["ns"]), str(r["type"])  # type: ignore[call-overload]
        try:
            ns = d.namespace(ino, TYPES[typ])
        except lxkns.UnknownNamespaceError:
            pid = r.get("pid")
            if pid is None or os.path.exists(f"/proc/{pid}"):
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


def _ints(value: object) -> set[int]:
    """Every integer in a scenario's facts (inodes and PIDs among them)."""
    if isinstance(value, bool):
        return set()
    if isinstance(value, int):
        return {value}
    if isinstance(value, dict):
        return set().union(*(_ints(v) for v in value.values())) if value else set()
    if isinstance(value, (list, tuple)):
        return set().union(*(_ints(v) for v in value)) if value else set()
    return set()


def _ours(d: lxkns.Discovery, pids: set[int], mentioned: set[int]) -> dict[str, object]:
    """What a discovery says about what the scenarios built (the rest of the host is busy):
    the scenario processes, the namespaces they are in, the namespaces the scenarios name,
    and those namespaces' owners and ancestors; the host's own namespaces left out."""
    initial = {ns.id for ns in d.initial_namespaces.values()}
    found: dict[str, lxkns.Namespace] = {}
    todo = [ns for pid in pids if pid in d.processes
            for x in (d.processes[pid], *d.processes[pid].tasks)
            for ns in (*x.namespaces.values(), *x.for_children.values())]
    todo += [ns for ns in d.all_namespaces() if ns.id.ino in mentioned]
    while todo:
        ns = todo.pop()
        if ns.id in initial or ns.type_id in found:
            continue
        found[ns.type_id] = ns
        todo += [x for x in (ns.owner, getattr(ns, "parent", None)) if x is not None]
    return {
        "namespaces": {key: namespace_summary(ns) for key, ns in sorted(found.items())},
        "processes": {pid: process_summary(d.processes[pid]) for pid in sorted(pids) if pid in d.processes},
        "initial": sorted(ns.type_id for ns in d.initial_namespaces.values()),
        "sockets": {k: v for k, v in d.socket_processes.items() if set(v) & pids},
    }


@pytest.mark.privileged
@pytest.mark.skipif(len(SCANNERS) < 2, reason="the compiled scanner is not available")
def test_native_and_python_scanners_give_the_same_discovery(tmp_base: str) -> None:
    with nsbuild.run(nsbuild.USERNS_CHAIN.replace("DEPTH", "3")) as users, \
         nsbuild.run(nsbuild.NESTED_PROCESSLESS.replace("BASE", repr(tmp_base))) as nested, \
         nsbuild.run(nsbuild.SOCKET_NETNS) as sockets, nsbuild.run(nsbuild.LOOSE_THREAD) as loose:
        scenarios = (users, nested, sockets, loose)
        pids = {sc.proc.pid for sc in scenarios} | {users["pid"], sockets["pid"], loose["pid"]}
        mentioned = set().union(*(_ints(sc.facts) for sc in scenarios))
        for _attempt in range(5):  # others' threads may pass through our namespaces meanwhile
            a = lxkns.discover(lxkns.FULL, native=True)
            b = lxkns.discover(lxkns.FULL, native=False)
            sa, sb = _ours(a, pids, mentioned), _ours(b, pids, mentioned)
            if sa == sb:
                break
        assert len(sa["namespaces"]) >= 6  # type: ignore[arg-type]
        for key in sa:  # one part at a time, so that a failure says which part differs
            assert sa[key] == sb[key], key


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
