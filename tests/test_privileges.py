"""The privilege matrix: discovery as root with each capability dropped in turn (capsh),
as nobody, as root inside a user namespace of nobody's own, and with no_new_privs. Each
returns what it may see -- at least the caller's own namespaces -- with diagnostics
naming what was denied, and never raises.

Every discovery runs in a child process with a timeout.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

import lxkns

from conftest import IS_ROOT, SCANNERS, nsbuild
from privdrop import NOBODY, as_nobody

TIMEOUT = 180
KINDS = {k.value for k in lxkns.DiagnosticKind}

PROBE = r"""
import json, os, sys
import lxkns
out = {}
for native in sys.argv[1:]:
    d = lxkns.discover(lxkns.FULL, native=native == "native", engine_timeout=2.0)
    me = d.process(os.getpid())
    own = {t.type_name: ns.id.ino for t, ns in me.namespaces.items()}
    out[native] = {"own": own, "processes": len(d.processes),
                   "diags": sorted({(x.stage, x.kind.value) for x in d.diagnostics})}
print(json.dumps(out))
"""


def _own() -> dict[str, int]:
    return {t.type_name: os.stat(f"/proc/self/ns/{t.type_name}").st_ino
            for t in lxkns.NamespaceType.all().members()}


def _bounding_caps() -> list[str]:
    if not IS_ROOT or shutil.which("capsh") is None:
        return []
    out = subprocess.run(["capsh", "--print"], capture_output=True, text=True, timeout=30).stdout
    for line in out.splitlines():
        if line.startswith("Bounding set ="):
            return [c for c in line.split("=", 1)[1].strip().split(",") if c]
    return []


CAPS = _bounding_caps()
#: what dropping a capability must cost, as (stage, kind) diagnostics the scenario makes sure of
EXPECTED = {
    "cap_sys_ptrace": {("namespaces", "denied")},   # other processes' namespaces
    "cap_sys_admin": {("bindmounts", "denied")},    # entering the process-less mount namespace
    "cap_sys_chroot": {("bindmounts", "denied")},
}
BOTH = {"cap_sys_ptrace", "cap_sys_admin", "cap_sys_chroot", "cap_dac_override", "cap_dac_read_search"}


def _check(result: dict[str, Any], own: dict[str, int], expected: set[tuple[str, str]]) -> None:
    for scanner, r in result.items():
        assert r["own"] == own, scanner  # what it may always see: its own namespaces
        assert r["processes"] >= 1
        diags = {tuple(d) for d in r["diags"]}
        assert {kind for _, kind in diags} <= KINDS
        assert expected <= diags, (scanner, sorted(diags))


@pytest.fixture(scope="module")
def processless() -> Any:
    """A process-less mount namespace (only bind-mounted), so that entering one is asked
    for; and every module a FULL discovery imports, imported (a process that dropped to
    nobody may not be able to read the interpreter's files any more)."""
    if not IS_ROOT:
        pytest.skip("needs root (CAP_SYS_ADMIN) to build namespaces")
    base = f"/tmp/lxkns-privs-{os.getpid()}-{os.urandom(4).hex()}"
    with nsbuild.run(nsbuild.NESTED_PROCESSLESS.replace("BASE", repr(base))) as sc:
        _probe_here(SCANNERS)
        yield sc


@pytest.mark.privileged
@pytest.mark.skipif(not CAPS, reason="needs root and capsh (libcap2-bin)")
def test_root_with_each_capability_dropped_in_turn(processless: Any) -> None:
    def run(cap: str) -> tuple[str, Any]:
        scanners = [s for s in SCANNERS if cap in BOTH or s == SCANNERS[0]]
        out = subprocess.run(["capsh", f"--drop={cap}", "--", "-c",
                              " ".join([sys.executable, "-c", _quote(PROBE), *scanners])],
                             capture_output=True, text=True, timeout=TIMEOUT, cwd="/")
        return cap, out

    own = _own()
    with ThreadPoolExecutor(max_workers=2) as pool:
        for cap, out in pool.map(run, CAPS):
            assert out.returncode == 0, (cap, out.stderr[-3000:])
            _check(json.loads(out.stdout), own, EXPECTED.get(cap, set()))


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"


def _probe_here(scanners: list[str]) -> dict[str, Any]:
    """The probe, in this (forked) process: lxkns is imported already."""
    out = {}
    for native in scanners:
        d = lxkns.discover(lxkns.FULL, native=native == "native", engine_timeout=2.0)
        me = d.process(os.getpid())
        out[native] = {"own": {t.type_name: ns.id.ino for t, ns in me.namespaces.items()},
                       "processes": len(d.processes),
                       "diags": sorted({(x.stage, x.kind.value) for x in d.diagnostics})}
    return out


@pytest.mark.unprivileged
def test_as_nobody(processless: Any) -> None:
    def probe() -> Any:
        return {"own": _own(), "result": _probe_here(SCANNERS)}

    r = as_nobody(probe)
    _check(r["result"], r["own"], {("namespaces", "denied"), ("fds", "denied")})


@pytest.mark.unprivileged
def test_as_root_of_a_user_namespace_of_nobodys_own(processless: Any) -> None:
    """nobody unshares a user namespace (and is root there, with every capability in it)."""
    def probe() -> Any:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(4, 1, 0, 0, 0)  # PR_SET_DUMPABLE: dropping to nobody made /proc/self root's
        if libc.unshare(0x10000000) != 0:  # CLONE_NEWUSER
            return {"skip": os.strerror(ctypes.get_errno())}
        for name, text in (("setgroups", "deny"), ("uid_map", f"0 {NOBODY} 1"), ("gid_map", f"0 {NOBODY} 1")):
            with open(f"/proc/self/{name}", "w") as f:
                f.write(text)
        return {"uid": os.geteuid(), "own": _own(), "result": _probe_here(SCANNERS)}

    r = as_nobody(probe)
    if "skip" in r:
        pytest.skip(f"nobody may not create a user namespace here: {r['skip']}")
    assert r["uid"] == 0
    _check(r["result"], r["own"], {("namespaces", "denied")})


@pytest.mark.privileged
@pytest.mark.skipif(shutil.which("setpriv") is None, reason="needs setpriv (util-linux)")
def test_with_no_new_privs_as_root_and_as_nobody(processless: Any) -> None:
    out = subprocess.run(["setpriv", "--no-new-privs", sys.executable, "-c", PROBE, *SCANNERS],
                         capture_output=True, text=True, timeout=TIMEOUT, cwd="/")
    assert out.returncode == 0, out.stderr[-3000:]
    _check(json.loads(out.stdout), _own(), set())

    def probe() -> Any:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
            raise OSError(ctypes.get_errno(), "prctl")
        return {"own": _own(), "result": _probe_here(SCANNERS)}

    r = as_nobody(probe)
    _check(r["result"], r["own"], {("namespaces", "denied")})
