"""Discovery of the live host: lsns as an oracle, both scanners agreeing, and an
unprivileged caller."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

import lxkns
from lxkns import DiagnosticKind

from conftest import IS_ROOT, SCANNERS, discover, nsbuild
from graphs import summary

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


@pytest.mark.privileged
@pytest.mark.skipif(len(SCANNERS) < 2, reason="the compiled scanner is not available")
def test_native_and_python_scanners_give_the_same_discovery(tmp_base: str) -> None:
    with nsbuild.run(nsbuild.USERNS_CHAIN.replace("DEPTH", "3")), \
         nsbuild.run(nsbuild.NESTED_PROCESSLESS.replace("BASE", repr(tmp_base))), \
         nsbuild.run(nsbuild.SOCKET_NETNS), nsbuild.run(nsbuild.LOOSE_THREAD):
        for attempt in range(3):  # anything else on the host may start or end in between
            a = lxkns.discover(lxkns.FULL, native=True)
            b = lxkns.discover(lxkns.FULL, native=False)
            # our own process differs by the scanner's worker thread
            sa, sb = summary(a, {os.getpid()}), summary(b, {os.getpid()})
            if sa == sb or attempt == 2:
                break
        assert sa["namespaces"] == sb["namespaces"]
        assert sa == sb


UNPRIVILEGED_PROBE = r"""
import json, os, sys
import lxkns
own = {t: int(os.readlink(f"/proc/self/ns/{t}").split("[")[1][:-1])
       for t in ("cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts")}
d = lxkns.discover(lxkns.FULL, native=sys.argv[1] == "native")
me = d.process(os.getpid())
print(json.dumps({
    "uid": os.geteuid(),
    "own": own,
    "found": {t.type_name: ns.id.ino for t, ns in me.namespaces.items()},
    "refs": {t.type_name: list(ns.ref) for t, ns in me.namespaces.items()},
    "processes": len(d.processes),
    "namespaces_of_pid2": len(d.process(2).namespaces) if 2 in d.processes else None,
    "diagnostics": [[x.kind.value, x.stage, x.count] for x in d.diagnostics],
}))
"""


@pytest.mark.unprivileged
def test_unprivileged_discovery_sees_its_own_and_says_what_was_denied(scanner: str) -> None:
    cmd = [sys.executable, "-c", UNPRIVILEGED_PROBE, scanner]
    if IS_ROOT:
        if shutil.which("setpriv") is None:
            pytest.skip("setpriv is not installed")
        cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", *cmd]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    r = json.loads(out.stdout)
    assert r["uid"] != 0
    assert r["found"] == r["own"]
    assert all(refs for refs in r["refs"].values())
    assert r["processes"] > 1  # others' stat files are readable, their namespaces are not
    assert r["namespaces_of_pid2"] in (0, None)
    kinds = {(kind, stage) for kind, stage, _ in r["diagnostics"]}
    assert (DiagnosticKind.DENIED.value, "namespaces") in kinds
