"""Faults, injected: every read of the fixture procfs failing with each errno, truncated
and garbage contents, kernel features forced missing, no compiled module at all, and
every allocation of the C scanner failing in turn. Each case yields a discovery plus
diagnostics (or, for a failed allocation, a clear ScanError): never a crash, never a
hang, never a quietly shorter result.

The read faults come from an LD_PRELOAD library (tests/faults/inject.c) that both
scanners pass through; the allocation faults from a test build of the C scanner with
LXKNS_FAULT_INJECTION. Each runs in a subprocess with a timeout.
"""

from __future__ import annotations

import errno
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path
from typing import Any

import pytest

import lxkns

import fakeproc
from conftest import SCANNERS

HERE = Path(__file__).parent
PROJECT = HERE.parent
TIMEOUT = 300


def _run(code: str, env: dict[str, str] | None = None) -> Any:
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                         timeout=TIMEOUT, env={**os.environ, **(env or {})}, cwd="/")
    assert out.returncode == 0, out.stderr[-4000:]
    return json.loads(out.stdout)


@pytest.fixture(scope="session")
def injector(tmp_path_factory: pytest.TempPathFactory) -> str:
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        pytest.skip("no C compiler for the fault injector")
    lib = str(tmp_path_factory.mktemp("faults") / "inject.so")
    subprocess.run([cc, "-shared", "-fPIC", "-O1", "-o", lib, str(HERE / "faults" / "inject.c"), "-ldl"],
                   check=True, capture_output=True, timeout=120)
    return lib


@pytest.fixture
def fake_proc(tmp_path: Path) -> Path:
    return fakeproc.build(tmp_path / "proc")


# ------------------------------------------------------------------ failing reads

#: (what, pattern below the procfs root, the stage that must say so, and the errnos that
#: mean "it ended meanwhile" there, which discovery takes quietly)
GONE = {errno.ENOENT, errno.ESRCH}
READS: list[tuple[str, str, str, set[int]]] = [
    ("open", "/100", "processes", set()),                   # a process directory
    ("open", "/100/stat", "processes", set()),
    ("read", "/100/stat", "processes", set()),
    ("open", "/100/cmdline", "processes", set()),
    ("read", "/100/cgroup", "cgroups", set()),
    ("open", "/110/status", "credentials", set()),
    ("readlink", "/100/ns/*", "namespaces", set()),
    ("open", "/100/task", "tasks", set()),
    ("open", "/100/task/101/stat", "processes", GONE),      # a thread that ended
    ("open", "/1/fd", "fds", set()),
    ("readlink", "/1/fd/*", "fds", {errno.ENOENT}),          # an fd closed meanwhile
    ("open", "/1/mountinfo", "bindmounts", set()),
    ("read", "/1/mountinfo", "bindmounts", set()),
    ("open", "/1/root", "bindmounts", set()),
    ("open", "/1/root/sys/fs/cgroup/frz/cgroup.events", "freezer", {errno.ENOENT}),  # root cgroup
    ("read", "/1/root/sys/fs/cgroup/frz/cgroup.events", "freezer", {errno.ENOENT}),
]
ERRNOS = [errno.EACCES, errno.ENOENT, errno.ESRCH, errno.EINVAL, errno.EIO]

FAULT_PROBE = r"""
import ctypes, errno, json, sys
import lxkns
lib = ctypes.CDLL(sys.argv[1])
root, native = sys.argv[2], sys.argv[3] == "native"
cases = json.loads(sys.argv[4])
out = []
for what, pattern, err in cases:
    lib.lxkns_faults_set((root + pattern).encode(), err, what.encode())
    try:
        d = lxkns.discover(lxkns.FULL, procfs_root=root, native=native, with_credentials=True)
    except Exception as exc:
        out.append({"raised": f"{type(exc).__name__}: {exc}"})
        continue
    finally:
        hits = lib.lxkns_faults_hits()
        lib.lxkns_faults_set(None, 0, b"open")
    out.append({"hits": hits, "pids": sorted(d.processes),
                "diags": [[x.stage, x.kind.value, x.errno] for x in d.diagnostics]})
print(json.dumps(out))
"""


@pytest.mark.parametrize("scanner", SCANNERS)
def test_every_read_failing_with_every_errno_yields_a_discovery(injector: str, fake_proc: Path,
                                                                scanner: str) -> None:
    cases = [(what, pattern, err) for what, pattern, _, _ in READS for err in ERRNOS]
    out = subprocess.run([sys.executable, "-c", FAULT_PROBE, injector, str(fake_proc), scanner,
                          json.dumps(cases)], capture_output=True, text=True, timeout=TIMEOUT,
                         env={**os.environ, "LD_PRELOAD": injector}, cwd="/")
    assert out.returncode == 0, out.stderr[-4000:]
    results = json.loads(out.stdout)
    expected = [(stage, quiet) for _, _, stage, quiet in READS for _ in ERRNOS]
    for (what, pattern, err), (stage, quiet), r in zip(cases, expected, results, strict=True):
        case = f"{what} {pattern} {errno.errorcode[err]}"
        assert "raised" not in r, (case, r)
        assert r["hits"] > 0, case  # the fault was met
        assert {1, 2, 300} <= set(r["pids"]), case  # the rest of the procfs is still there
        if err not in quiet:
            assert stage in {d[0] for d in r["diags"]}, (case, r["diags"])


# ------------------------------------------------------------------ bad contents

def _spoil(root: Path) -> None:
    (root / "100" / "stat").write_bytes((root / "100" / "stat").read_bytes()[:30])   # truncated
    (root / "110" / "stat").write_bytes(b"\x00\xff garbage (((")                        # garbage
    (root / "1" / "cgroup").write_bytes(b"not a cgroup line\n\xff\xfe\n")
    (root / "2" / "status").write_bytes(b"Name:\tk\nUid:\tx y\nCapEff:\tzz\n")
    (root / "1" / "mountinfo").write_bytes(b"20 1 0:5 / / rw - ext4 /dev/root rw\n\xff\x00 - -\n21 x\n")
    (root / "1" / "cmdline").write_bytes(b"\xff\xfe\x00\x00\x00")
    os.unlink(root / "300" / "stat")
    (root / "300" / "stat").write_bytes(b"")                                            # empty
    ns = root / "1" / "ns"
    os.unlink(ns / "uts")
    os.symlink("uts:[abc]", ns / "uts")                                                 # not a number
    os.unlink(ns / "ipc")
    os.symlink("nonsense", ns / "ipc")
    os.symlink("net:[]", root / "1" / "fd" / "8")
    os.symlink("socket:[x]", root / "1" / "fd" / "10")


@pytest.mark.parametrize("scanner", SCANNERS)
def test_truncated_and_garbage_contents_are_diagnostics(fake_proc: Path, scanner: str) -> None:
    _spoil(fake_proc)
    r = _run(f"""
        import json, lxkns
        d = lxkns.discover(lxkns.FULL, procfs_root={str(fake_proc)!r}, native={scanner == "native"},
                           with_credentials=True)
        print(json.dumps({{"pids": sorted(d.processes),
                           "init_ns": sorted(t.type_name for t in d.process(1).namespaces),
                           "diags": [[x.stage, x.kind.value, x.count] for x in d.diagnostics]}}))
    """)
    assert r["pids"] == [1, 2]  # 100, 110 (bad stat) and 300 (empty stat) cannot be told
    assert "uts" not in r["init_ns"] and "ipc" not in r["init_ns"] and "net" in r["init_ns"]
    malformed = {stage for stage, kind, _ in r["diags"] if kind == "malformed"}
    assert {"processes", "mounts", "credentials"} <= malformed, r["diags"]


# ------------------------------------------------------------------ forced fallbacks

def _missing(scanner: str, env: dict[str, str], root: Path, **options: Any) -> Any:
    return _run(f"""
        import json, lxkns
        d = lxkns.discover(lxkns.FULL, procfs_root={str(root)!r}, native={scanner == 'native'},
                           **{options!r})
        print(json.dumps({{"pids": sorted(d.processes),
                           "ns": sorted(ns.type_id for ns in d.all_namespaces()),
                           "diags": [[x.stage, x.kind.value, x.message] for x in d.diagnostics]}}))
    """, env)


@pytest.mark.parametrize("scanner", SCANNERS)
@pytest.mark.parametrize(("feature", "stage", "words"), [
    ("pidfd", "sockets", "pidfd"), ("listmount", "mounts", "listmount"),
    ("openat2", "bindmounts", "openat2"), ("ns_ioctls", "namespaces", "NS_GET_PARENT"),
    ("siocgskns", "sockets", "SIOCGSKNS"), ("owner_uid", "namespaces", "NS_GET_OWNER_UID"),
])
def test_a_feature_forced_missing_is_a_diagnostic(scanner: str, feature: str, stage: str, words: str) -> None:
    if feature == "listmount" and scanner == "python":
        pytest.skip("the pure scanner never uses listmount()")
    r = _missing(scanner, {"LXKNS_ASSUME_MISSING": feature}, Path("/proc"))
    assert os.getpid() in r["pids"] or r["pids"]
    assert any(s == stage and k == "unsupported" and words in m for s, k, m in r["diags"]), r["diags"]


@pytest.mark.parametrize("scanner", SCANNERS)
def test_no_nspid_and_no_time_namespaces(fake_proc: Path, scanner: str) -> None:
    """A kernel before 4.1 (no NSpid) and before 5.6 (no time namespaces)."""
    for d in ("1", "2", "100", "110", "100/task/101"):
        for name in ("time", "time_for_children"):
            os.unlink(fake_proc / d / "ns" / name)
    os.unlink(fake_proc / "110" / "ns" / "pid")
    os.symlink("pid:[4600]", fake_proc / "110" / "ns" / "pid")  # not the procfs' own PID namespace,
    assert b"NSpid" not in (fake_proc / "110" / "status").read_bytes()  # and no NSpid to place it
    r = _missing(scanner, {}, fake_proc)
    assert not [n for n in r["ns"] if n.startswith("time:")]
    assert any(s == "namespaces" and k == "unsupported" and "time namespaces" in m for s, k, m in r["diags"])
    assert any(s == "pidmap" for s, _, _ in r["diags"]), r["diags"]


def test_without_the_compiled_module_the_pure_scanner_serves_and_says_so() -> None:
    r = _run("""
        import json, sys
        sys.modules["lxkns._native"] = None  # as if it could not be built or loaded
        import lxkns
        d = lxkns.discover()
        print(json.dumps({"native": lxkns.native_available(), "me": os.getpid() in d.processes,
                          "diags": [[x.stage, x.kind.value, x.message] for x in d.diagnostics]}))
    """.replace("import json, sys", "import json, os, sys"))
    assert r["native"] is False and r["me"] is True
    assert any(s == "scanner" and k == "unsupported" for s, k, _ in r["diags"]), r["diags"]


# ------------------------------------------------------------------ failing allocations

@pytest.fixture(scope="session")
def faulty_module(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A test build of the C scanner in which the Nth allocation fails (a module of its own)."""
    if not lxkns.native_available():
        pytest.skip("the compiled scanner is not available")
    if not Path(sysconfig.get_paths()["include"], "Python.h").exists():
        pytest.skip("no Python headers to build the fault-injection module")
    cffi = pytest.importorskip("cffi")
    out = tmp_path_factory.mktemp("faulty")
    native = PROJECT / "_native"
    spec = importlib.util.spec_from_file_location("_lxkns_native_build", native / "build.py")
    assert spec is not None and spec.loader is not None
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)  # the module's own cdef and units, built once more
    ffi = cffi.FFI()
    ffi.cdef(build.cdef_of((native / "lxkns_native.h").read_text())
             + "extern long lxkns_fault_countdown;\nextern long lxkns_fault_allocations;\n")
    ffi.set_source("_lxkns_faulty", '#include "core.h"\n', sources=[str(native / u) for u in build.UNITS],
                   include_dirs=[str(native)], define_macros=[("LXKNS_FAULT_INJECTION", "1")],
                   libraries=["pthread"], extra_compile_args=["-O1", "-std=gnu11"])
    ffi.compile(tmpdir=str(out))
    return str(out)


ALLOC_PROBE = r"""
import errno, json, sys
sys.path.insert(0, sys.argv[1])
from _lxkns_faulty import ffi, lib
procfs, flags, sample = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])

def counts(h):
    out = {}
    for name, ctype in (("procs", "struct lxkns_proc"), ("tasks", "struct lxkns_proc"),
                        ("fds", "struct lxkns_fd"), ("socks", "struct lxkns_socket"),
                        ("mntnss", "struct lxkns_mntns"), ("bindmounts", "struct lxkns_bindmount"),
                        ("nss", "struct lxkns_ns"), ("failures", "struct lxkns_failure")):
        p = ffi.new(ctype + " **")
        out[name] = getattr(lib, "lxkns_scan_" + name)(h, p)
    return out

def one(n):
    lib.lxkns_fault_countdown = n
    lib.lxkns_fault_allocations = 0
    h = lib.lxkns_scan_new(procfs.encode(), flags, (1 << 10) - 1)
    if h == ffi.NULL:
        return {"n": n, "fired": lib.lxkns_fault_countdown == 0, "rc": [-ffi.errno]}
    rc = [lib.lxkns_scan_walk(h, 2), lib.lxkns_scan_sockets(h), lib.lxkns_scan_mounts(h)]
    c = counts(h)
    rc.append(lib.lxkns_scan_status(h))
    lib.lxkns_scan_free(h)
    return {"n": n, "fired": lib.lxkns_fault_countdown == 0, "rc": rc, "counts": c,
            "allocations": lib.lxkns_fault_allocations}

base = one(-1)
total = base["allocations"]
step = max(1, total // sample) if sample else 1
print(json.dumps({"base": base, "runs": [one(n) for n in range(1, total + 1, step)]}))
"""


def _allocation_failures(module: str, procfs: str, flags: int, sample: int = 0) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-c", ALLOC_PROBE, module, procfs, str(flags), str(sample)],
                         capture_output=True, text=True, timeout=TIMEOUT, cwd="/")
    assert out.returncode == 0, out.stderr[-4000:]  # a crash (a NULL used) ends up here
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def _check_allocation_runs(result: dict[str, Any], deterministic: bool) -> None:
    base = result["base"]
    assert not any(base["rc"]), base
    assert result["runs"], "no allocation was made"
    for run in result["runs"]:
        failed = any(rc == -errno.ENOMEM for rc in run["rc"])
        assert all(rc in (0, -errno.ENOMEM) for rc in run["rc"]), run
        if run["fired"]:
            assert failed, f"allocation {run['n']} failed and the scan said nothing: {run}"
        elif deterministic:
            assert not failed and run["counts"] == base["counts"], run


def test_every_failing_allocation_of_a_fixture_scan_is_an_error(faulty_module: str, fake_proc: Path) -> None:
    from lxkns._lowlevel.records import ScanFlags

    flags = int(ScanFlags.PROCS | ScanFlags.TASKS | ScanFlags.FDS | ScanFlags.SOCKETS | ScanFlags.META
                | ScanFlags.CMDLINE | ScanFlags.CGROUP | ScanFlags.NSPID | ScanFlags.KEEP_MOUNTINFO
                | ScanFlags.FOREIGN)
    result = _allocation_failures(faulty_module, str(fake_proc), flags)
    assert len(result["runs"]) == result["base"]["allocations"]  # each one failed in turn
    _check_allocation_runs(result, deterministic=True)


def test_failing_allocations_of_a_live_scan_are_errors(faulty_module: str) -> None:
    from lxkns._lowlevel.records import ScanFlags

    flags = int(ScanFlags.PROCS | ScanFlags.TASKS | ScanFlags.FDS | ScanFlags.SOCKETS | ScanFlags.META
                | ScanFlags.CMDLINE | ScanFlags.CGROUP | ScanFlags.NSPID | ScanFlags.AFFINITY
                | ScanFlags.KEEP_MOUNTINFO | ScanFlags.LISTMOUNT)
    _check_allocation_runs(_allocation_failures(faulty_module, "/proc", flags, sample=150),
                           deterministic=False)
