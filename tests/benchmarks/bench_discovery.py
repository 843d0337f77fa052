#!/usr/bin/env python3
"""Benchmark lxkns discovery against ``lsns`` and a C yardstick on a synthetic landscape.

Run as root (``nox -s bench`` does this)::

    python tests/benchmarks/bench_discovery.py [--sizes 1000,10000] [--runs 5] [--json FILE]

For every size N it starts the shared workload generator with N processes (the other
parameters scaled from the 10k line of FINDINGS.md), waits for its READY line and for a
quiet machine (setting up thousands of processes keeps the kernel busy for a while after)
and measures:

* ``lxkns.discover(STANDARD)`` with the native and with the pure-Python scanner, each in a
  fresh child that imports lxkns, discovers once to warm up and then times ``--runs``
  discoveries in-process (each native one right after a run of the yardstick, so that the
  in-process / yardstick ratio is taken of pairs that saw the same machine); and the wall
  time of whole ``python -c "... discover ..."`` runs, round-robin with the tools below
  (their ratios to the yardstick are taken of the pairs of each round);
* ``lsns --json``;
* the C yardstick ``scan -n -L -H -x ptfsmiP``, single-threaded and with ``-j 2``;
* completeness: how many of the namespaces the workload created each tool found, in total
  and per visibility class, and (lxkns, scan) how many owner/parent relations match;
* mount tables, in one more fresh child (round-robin, after a warm-up of each): ``FULL``
  (mount tables read with listmount()/statmount()), ``FULL`` reading mountinfo instead,
  ``FULL`` without mounts, the mount tables alone (``types=MNT``, only what finds mount
  namespaces) both ways, and ``FULL`` with the pure-Python scanner; plus how many of the
  workload's extra mounts (in groups of five, with overmounts) each found with the hidden
  flags the workload expects, and whether listmount, mountinfo and the pure scanner gave the
  same tables of the workload's mount namespaces.

Wall time and peak RSS (``ru_maxrss``) of each child come from ``wait4()`` in a tiny C
launcher built beside the yardstick: a child forked straight from this Python process would
carry our own RSS into its ``ru_maxrss``. The script measures and reports; it never asserts
anything about speed.

Benchmark-only convenience: the workload generator and the yardstick are not part of this
project. They are taken from ``../shared/bench`` next to the project root (``workload.py``,
``scan.c``, see FINDINGS.md there), or from the directory in ``LXKNS_BENCH_DIR``. Nothing
in the library or the test suite depends on them.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CHILD_TIMEOUT = 900.0  # seconds for any single measured child
SETUP_TIMEOUT = 900  # seconds the workload may take to build its landscape
TEARDOWN_TIMEOUT = 180.0
SCAN_OPTS = ["-n", "-L", "-H", "-x", "ptfsmiP"]
QUIET_LIMIT = 120.0  # seconds to wait for a quiet machine before measuring
QUIET_BUSY = 0.10  # "quiet": at most this share of the CPUs' time busy

# workload parameters at 10k processes (FINDINGS.md) and the minimum for small sizes:
# 9 sets give every top-level kind a chain, 36 bind mounts hide every type once.
WORKLOAD_10K = {"namespaces": (100, 9), "threaded-procs": (100, 4), "bindmounts": (400, 36),
                "fds": (400, 18), "sockets": (400, 4), "mounts": (500, 10)}
WORKLOAD_THREADS = 8

HOST_TYPES = ("cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts")
# visibility classes of the manifest and their short column headers
CLASSES = (("proc", "proc"), ("task", "task"), ("fd", "fd"), ("socket", "sock"),
           ("bindmount", "bind"), ("hidden-bindmount", "hbind"), ("owner-only", "owner"))

# runs in a fresh interpreter: warm-up discovery, then timed ones; prints JSON on stdout
INPROCESS_RUNNER = r"""
import gc, json, sys, time
t0 = time.perf_counter()
import lxkns
import_s = time.perf_counter() - t0
native, runs = sys.argv[1] == "native", int(sys.argv[2])
options = lxkns.STANDARD if native else lxkns.STANDARD.replace(native=False)
t0 = time.perf_counter()
d = lxkns.discover(options)
warmup_s = time.perf_counter() - t0
paired = len(sys.argv) > 3 and sys.argv[3] == "paired"
if paired:
    print("ready", flush=True)
times = []
for _ in range(runs):
    d = None
    gc.collect()
    if paired:  # the parent has just run the yardstick: one discovery, its time as a line
        sys.stdin.readline()
    t0 = time.perf_counter()
    d = lxkns.discover(options)
    times.append(time.perf_counter() - t0)
    if paired:
        print(times[-1], flush=True)
nss = []
for ns in d.all_namespaces():
    parent = getattr(ns, "parent", None)
    nss.append([ns.type.type_name, ns.id.ino, ns.owner.id.ino if ns.owner else 0,
                parent.id.ino if parent else 0])
diags = [f"{x.kind.value} {x.stage} x{x.count}: {x.message} {list(x.examples[:2])}"
         for x in d.diagnostics]
json.dump({"scanner": d.scanner, "import_s": import_s, "warmup_s": warmup_s, "times": times,
           "namespaces": nss, "n_namespaces": len(d), "n_processes": len(d.processes),
           "diagnostics": diags}, sys.stdout)
"""

# mount tables: several option sets timed round-robin in one interpreter; prints JSON
MOUNTS_RUNNER = r"""
import gc, json, sys, time
import lxkns
runs, manifest = int(sys.argv[1]), json.load(open(sys.argv[2]))
MOUNTS_ONLY = lxkns.DiscoveryOptions(
    types=lxkns.MNT, from_sockets=False, with_hierarchy=False, with_ownership=False,
    with_user_names=False, with_cmdline=False, with_cgroups=False, with_freezer=False,
    with_mounts=True)
VARIANTS = {
    "full": lxkns.FULL,
    "full-mountinfo": lxkns.FULL.replace(listmount=False),
    "full-no-mounts": lxkns.FULL.replace(with_mounts=False),
    "mounts-only": MOUNTS_ONLY,
    "mounts-only-mountinfo": MOUNTS_ONLY.replace(listmount=False),
    "full-pure": lxkns.FULL.replace(native=False),
}
# the workload's mount namespaces (not the host's: other things on the host change it meanwhile)
OURS = {m["ino"] for m in manifest["mount_namespaces"]} - {manifest["host_ns"]["mnt"]}

def tables(d):  # a digest of each table: what listmount, mountinfo and pure must agree on
    out = {}
    for nsid in d.mounts:
        if nsid.ino not in OURS:
            continue
        ns = d.namespace(nsid, lxkns.MNT)
        out[nsid.ino] = hash(tuple(
            (m.mount_id, m.parent_id, m.mount_point, m.root, m.fstype, m.source, m.mount_options,
             m.super_options, tuple(sorted(m.tags.items())), m.hidden) for m in ns.mount_points))
    return out

def extra_mounts(d):
    ok = total = 0
    for s in manifest["sets"]:
        expected = {}
        for rec in s.get("mounts", []):
            expected.setdefault(rec["mountpoint"], []).append(rec["hidden"])
        paths = d.mounts.get(lxkns.NamespaceID(d.nsfs_dev, s["ns"]["mnt"]), {})
        for path, hidden in expected.items():
            total += len(hidden)
            got = [m.hidden for m in paths[path].mounts] if path in paths else []
            ok += sum(1 for a, b in zip(got, hidden) if a == b) if len(got) == len(hidden) else 0
    return [ok, total]

def summary(d):
    nss = [d.namespace(nsid, lxkns.MNT) for nsid in d.mounts]
    counts = {"mount_namespaces": len(d.namespaces[lxkns.MNT]), "tables": len(nss),
              "via_listmount": sum(1 for ns in nss if ns.mount_table_via == "listmount"),
              "mount_points": sum(len(ns.mount_points) for ns in nss),
              "hidden": sum(1 for ns in nss for m in ns.mount_points if m.hidden)}
    return counts, extra_mounts(d), tables(d), [str(x) for x in d.diagnostics]

# one discovery at a time is alive: a heap holding several would make every GC pass dearer
times = {k: [] for k in VARIANTS}
for o in VARIANTS.values():  # warm-up
    lxkns.discover(o)
counts, extra, digests, diagnostics = {}, {}, {}, {}
for rnd in range(runs):
    for k, o in VARIANTS.items():
        gc.collect()
        t0 = time.perf_counter()
        d = lxkns.discover(o)
        times[k].append(time.perf_counter() - t0)
        if rnd == runs - 1:
            counts[k], extra[k], digests[k], diagnostics[k] = summary(d)
        d = None
a, b, c = digests["full"], digests["full-mountinfo"], digests["full-pure"]
json.dump({"times": times, "counts": counts, "extra_mounts": extra,
           "listmount_vs_mountinfo_differ": sorted(i for i in a.keys() | b.keys() if a.get(i) != b.get(i)),
           "native_vs_pure_differ": sorted(i for i in b.keys() | c.keys() if b.get(i) != c.get(i)),
           "diagnostics": diagnostics["full"]}, sys.stdout)
"""
MOUNT_ROWS = (("full", "FULL (mounts via listmount)"), ("full-mountinfo", "FULL (mounts via mountinfo)"),
              ("full-no-mounts", "FULL without mounts"), ("mounts-only", "mount tables alone, listmount"),
              ("mounts-only-mountinfo", "mount tables alone, mountinfo"),
              ("full-pure", "FULL, pure-Python scanner"))


# Measures one command: forks it from a small process (a fork of this Python process would
# carry our own RSS into the child's ru_maxrss), waits with wait4, writes the figures as JSON.
RUNWAIT_C = r"""
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    struct timespec t0, t1;
    struct rusage ru;
    int status;
    if (argc < 3) return 125;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        execvp(argv[2], argv + 2);
        _exit(127);
    }
    if (pid < 0 || wait4(pid, &status, 0, &ru) < 0) return 126;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    FILE *f = fopen(argv[1], "w");
    if (!f) return 125;
    fprintf(f, "{\"wall\": %.6f, \"rss_kib\": %ld, \"utime\": %.6f, \"stime\": %.6f}\n",
            (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9, ru.ru_maxrss,
            ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6,
            ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
    fclose(f);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
"""


@dataclass(frozen=True)
class Tools:
    """The compiled helpers: the C yardstick and the launcher that measures children."""

    scan: Path
    runwait: Path


class BenchError(Exception):
    """A child, the build or the workload failed; the message says how."""


@dataclass
class Sample:
    """One finished child: wall seconds, peak RSS (KiB), user and system CPU seconds."""

    wall: float
    rss_kib: int
    utime: float
    stime: float


@dataclass
class Found:
    """A namespace as a tool reported it; owner/parent inodes are None if not reported."""

    type: str
    owner: int | None = None
    parent: int | None = None


@dataclass
class Result:
    """The figures of one tool at one size."""

    label: str
    times: list[float]
    rss_kib: list[int]
    utime: list[float] = field(default_factory=list)
    stime: list[float] = field(default_factory=list)
    completeness: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    def summary(self) -> dict[str, Any]:
        """All figures plus median/min, for the JSON output."""
        return asdict(self) | {"median_s": self.median, "min_s": min(self.times),
                               "peak_rss_mib": max(self.rss_kib) / 1024}


# ------------------------------------------------------------------ environment

def bench_lock_path() -> str | None:
    """The machine's lock for benchmarks (LXKNS_BENCH_LOCK, else /work/bench.lock where
    /work exists): large workloads and timings must not run beside each other."""
    given = os.environ.get("LXKNS_BENCH_LOCK")
    if given:
        return given
    return "/work/bench.lock" if os.path.isdir("/work") else None


@contextmanager
def bench_lock() -> Iterator[None]:
    """Hold the benchmark lock (if the machine has one) for the block."""
    path = bench_lock_path()
    if path is None:
        yield
        return
    with open(path, "a") as f:
        print(f"waiting for {path} ...", flush=True)
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def bench_dir() -> Path:
    """The shared bench directory: $LXKNS_BENCH_DIR, else ../shared/bench of the project."""
    env = os.environ.get("LXKNS_BENCH_DIR")
    path = Path(env) if env else PROJECT_ROOT.parent / "shared" / "bench"
    missing = [n for n in ("workload.py", "scan.c") if not (path / n).is_file()]
    if missing:
        raise SystemExit(f"bench_discovery: {', '.join(missing)} not found in {path}; "
                         "set LXKNS_BENCH_DIR to a copy of the shared bench directory")
    return path


def check_environment() -> None:
    """Exit 2 unless we are root and lxkns, gcc and lsns are there."""
    if os.geteuid() != 0:
        raise SystemExit("bench_discovery: must run as root (the workload builds namespaces)")
    probe = subprocess.run([sys.executable, "-c", "import lxkns; assert lxkns.native_available()"],
                           capture_output=True, text=True, cwd="/")
    if probe.returncode != 0:
        raise SystemExit(f"bench_discovery: {sys.executable} cannot import lxkns:\n"
                         f"{probe.stderr.strip()}")
    for tool in ("gcc", "lsns", "umount"):
        if shutil.which(tool) is None:
            raise SystemExit(f"bench_discovery: {tool} not found")


def build_tools(bench: Path, tmp: Path) -> Tools:
    """Compile scan.c (``gcc -O2 -pthread``) and the runwait launcher into tmp."""
    (tmp / "runwait.c").write_text(RUNWAIT_C)
    tools = Tools(scan=tmp / "scan", runwait=tmp / "runwait")
    for src, exe, extra in ((bench / "scan.c", tools.scan, ["-pthread"]),
                            (tmp / "runwait.c", tools.runwait, [])):
        r = subprocess.run(["gcc", "-O2", *extra, "-o", str(exe), str(src)],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise BenchError(f"gcc failed on {src}:\n{r.stderr}")
    return tools


# ------------------------------------------------------------------ the workload

def workload_params(procs: int) -> list[str]:
    """workload.py arguments for this many processes, scaled like FINDINGS.md's 10k line."""
    args = ["--procs", str(procs), "--threads", str(WORKLOAD_THREADS)]
    for name, (at_10k, minimum) in WORKLOAD_10K.items():
        args += [f"--{name}", str(max(minimum, round(at_10k * procs / 10_000)))]
    return args


def unmount_below(root: Path) -> None:
    """Lazily unmount whatever is still mounted at or below root (deepest first)."""
    prefix = str(root)
    with open("/proc/self/mountinfo") as f:
        points = [ln.split()[4].replace("\\040", " ") for ln in f]
    for mp in sorted((p for p in points if p == prefix or p.startswith(prefix + "/")),
                     key=len, reverse=True):
        subprocess.run(["umount", "-l", mp], capture_output=True)


@contextmanager
def running_workload(bench: Path, procs: int,
                     tmp: Path) -> Iterator[tuple[dict[str, Any], subprocess.Popen[str]]]:
    """Run workload.py until the block ends; yield its manifest and process. Always stops it."""
    manifest = tmp / "manifest.json"
    log = tmp / "workload.log"
    argv = [sys.executable, str(bench / "workload.py"), *workload_params(procs),
            "--manifest", str(manifest), "--tmpdir-base", str(tmp),
            "--setup-timeout", str(SETUP_TIMEOUT)]
    print(f"  workload: {' '.join(argv[2:])}", flush=True)
    with open(log, "w") as err:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err,
                                stdin=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.startswith("READY"):
            proc.wait()
            raise BenchError(f"workload failed (rc {proc.returncode}):\n{tail(log)}")
        print(f"  {line.strip()}", flush=True)
        with open(manifest) as f:
            yield json.load(f), proc
    finally:
        stop_workload(proc, bench, manifest, tmp)


def stop_workload(proc: subprocess.Popen[str], bench: Path, manifest: Path, tmp: Path) -> None:
    """SIGTERM and wait; on failure SIGKILL, ``workload.py --cleanup`` and unmount leftovers."""
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not skip this
    try:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=TEARDOWN_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
        if rc != 0 and manifest.exists():
            subprocess.run([sys.executable, str(bench / "workload.py"), "--cleanup",
                            str(manifest)], capture_output=True, timeout=TEARDOWN_TIMEOUT)
        unmount_below(tmp)
    finally:
        signal.signal(signal.SIGINT, old)


def tail(path: Path, lines: int = 15) -> str:
    """The last lines of a log file."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# ------------------------------------------------------------------ running children

def run_child(runwait: Path, argv: Sequence[str], stem: Path) -> Sample:
    """Run argv under runwait (stdout to stem.out, stderr to stem.err); its wall time, rusage."""
    with open(f"{stem}.out", "wb") as out, open(f"{stem}.err", "wb") as err:
        # started outside the checkout: a Python started in it imports ./lxkns, not the installed one
        proc = subprocess.Popen([str(runwait), f"{stem}.rusage", *argv], stdout=out, stderr=err,
                                stdin=subprocess.DEVNULL, cwd=stem.parent)
    try:
        rc = proc.wait(timeout=CHILD_TIMEOUT)
    except BaseException as e:
        proc.kill()  # the command has PDEATHSIG=SIGKILL
        proc.wait()
        if isinstance(e, subprocess.TimeoutExpired):
            raise BenchError(f"{' '.join(argv)}: timed out after {CHILD_TIMEOUT} s") from None
        raise
    if rc != 0:
        raise BenchError(f"{' '.join(argv)}: exit status {rc}\n{tail(Path(f'{stem}.err'))}")
    return Sample(**json.loads(Path(f"{stem}.rusage").read_text()))


def measure_repeated(commands: dict[str, tuple[str, list[str]]], runs: int, tools: Tools,
                     tmp: Path) -> dict[str, Result]:
    """One untimed warm-up round, then ``runs`` rounds, round-robin over the commands."""
    samples: dict[str, list[Sample]] = {key: [] for key in commands}
    for rnd in range(runs + 1):
        for key, (_, argv) in commands.items():
            s = run_child(tools.runwait, argv, tmp / key)
            if rnd:
                samples[key].append(s)
    return {key: Result(label=commands[key][0], times=[s.wall for s in ss],
                        rss_kib=[s.rss_kib for s in ss], utime=[s.utime for s in ss],
                        stime=[s.stime for s in ss])
            for key, ss in samples.items()}


def measure_inprocess(native: bool, runs: int, tools: Tools,
                      tmp: Path) -> tuple[Result, dict[int, Found]]:
    """Time ``runs`` discoveries inside one fresh interpreter (after a warm-up)."""
    mode = "native" if native else "pure"
    stem = tmp / f"inproc-{mode}"
    s = run_child(tools.runwait, [sys.executable, "-c", INPROCESS_RUNNER, mode, str(runs)], stem)
    return inprocess_result(mode, stem, s)


def measure_inprocess_paired(runs: int, tools: Tools, scan_argv: list[str],
                             tmp: Path) -> tuple[Result, dict[int, Found], list[Sample]]:
    """Native in-process discoveries, each right after a yardstick run: pairs that saw the
    same machine (a busy moment slows both), for the in-process / yardstick ratio."""
    stem = tmp / "inproc-native"
    argv = [sys.executable, "-c", INPROCESS_RUNNER, "native", str(runs), "paired"]
    with open(f"{stem}.err", "wb") as err:
        proc = subprocess.Popen([str(tools.runwait), f"{stem}.rusage", *argv], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=err, cwd=tmp, text=True)
    assert proc.stdin is not None and proc.stdout is not None
    scans = []
    try:
        proc.stdout.readline()  # "ready": imported and warmed up, quiet now
        for _ in range(runs):
            scans.append(run_child(tools.runwait, scan_argv, tmp / "scan-paired"))
            proc.stdin.write("go\n")
            proc.stdin.flush()
            if not proc.stdout.readline():
                break  # it failed: its status and stderr say why
        # the rest through the same reader: communicate() would read the pipe itself and lose
        # what readline() has buffered already (the start of the JSON, when it came with the
        # last time)
        proc.stdin.close()
        killer = threading.Timer(CHILD_TIMEOUT, proc.kill)
        killer.start()
        try:
            out = proc.stdout.read()
            proc.wait()
        finally:
            killer.cancel()
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    if proc.returncode != 0:
        raise BenchError(f"paired in-process discoveries: exit status {proc.returncode}\n"
                         f"{tail(Path(f'{stem}.err'))}")
    Path(f"{stem}.out").write_text(out.splitlines()[-1])
    s = Sample(**json.loads(Path(f"{stem}.rusage").read_text()))
    result, found = inprocess_result("native", stem, s)
    return result, found, scans


def inprocess_result(mode: str, stem: Path, s: Sample) -> tuple[Result, dict[int, Found]]:
    """The figures an in-process runner wrote to stem.out."""
    data = json.loads(Path(f"{stem}.out").read_text())
    found = {ino: Found(t, owner, parent) for t, ino, owner, parent in data["namespaces"]}
    label = f"lxkns {mode}, in-process [{data['scanner']}]"
    extra = {k: data[k] for k in ("scanner", "import_s", "warmup_s", "n_namespaces",
                                  "n_processes", "diagnostics")}
    return Result(label, data["times"], [s.rss_kib], [s.utime], [s.stime], extra=extra), found


# ------------------------------------------------------------------ completeness

def scan_found(path: Path) -> dict[int, Found]:
    """Namespaces from ``scan -v`` lines "TYPE INO SOURCE OWNER PARENT"."""
    found = {}
    for ln in path.read_text().splitlines():
        p = ln.split()
        if len(p) >= 5 and p[1].isdigit():
            found[int(p[1])] = Found(p[0], int(p[3]), int(p[4]))
    return found


def lsns_found(path: Path) -> dict[int, Found]:
    """Namespaces from ``lsns --json`` output (rows may nest under "children")."""
    found: dict[int, Found] = {}

    def walk(rows: list[dict[str, Any]]) -> None:
        for r in rows:
            found[int(r["ns"])] = Found(r["type"])
            walk(r.get("children", []))

    walk(json.loads(path.read_text()).get("namespaces", []))
    return found


def completeness(manifest: dict[str, Any], found: dict[int, Found]) -> dict[str, Any]:
    """Created namespaces found (total, per class) and matching relations, as compare.py."""
    classes = {cls: {"total": 0, "found": 0, "wrong_type": 0} for cls, _ in CLASSES}
    missing: dict[str, list[str]] = {}
    wrong_rel: list[str] = []
    rel_ok = rel_total = 0
    for r in manifest["namespaces"]:
        c = classes.setdefault(r["visible_via"], {"total": 0, "found": 0, "wrong_type": 0})
        c["total"] += 1
        f = found.get(r["ino"])
        if f is None or f.type != r["type"]:
            c["wrong_type"] += f is not None
            missing.setdefault(r["visible_via"], []).append(describe(r))
            continue
        c["found"] += 1
        for key in ("owner", "parent"):
            got = getattr(f, key)
            if key in r and got is not None:
                rel_total += 1
                rel_ok += got == r[key]
                if got != r[key]:
                    wrong_rel.append(f"{describe(r)} {key}: manifest {r[key]}, found {got}")
    created = {r["ino"] for r in manifest["namespaces"]}
    host = {manifest["host_ns"][t] for t in HOST_TYPES}
    out: dict[str, Any] = {
        "created_total": len(created),
        "created_found": sum(c["found"] for c in classes.values()),
        "by_visibility": classes,
        "host_found": sum(1 for i in host if i in found),
        "other_found": sum(1 for i in found if i not in created and i not in host),
        "missing": missing,
    }
    if rel_total:
        out |= {"relations_ok": rel_ok, "relations_total": rel_total, "wrong_relations": wrong_rel}
    return out


def describe(rec: dict[str, Any]) -> str:
    """A manifest record in short: ``net:[4026532200] (origin)``."""
    return f"{rec['type']}:[{rec['ino']}] ({rec['origin']})"


# ------------------------------------------------------------------ one size

def bench_size(bench: Path, tools: Tools, procs: int, runs: int) -> dict[str, Any]:
    """Start the workload with ``procs`` processes, measure every tool, tear it down."""
    with tempfile.TemporaryDirectory(prefix="lxkns-bench-") as tmpname:
        tmp = Path(tmpname)
        with running_workload(bench, procs, tmp) as (manifest, workload):
            load = os.getloadavg()[0]
            quiet = wait_until_quiet()
            try:
                results = measure_all(manifest, tools, runs, tmp)
            except BenchError as e:
                raise BenchError(f"{e}{exited(workload)}") from None
            if exited(workload):
                raise BenchError(f"measurements discarded{exited(workload)}")
        return {"procs": procs, "workload": workload_params(procs), "loadavg_1min": load, "quiet": quiet,
                "counts": manifest["counts"], "setup_s": manifest["setup_seconds"],
                "results": results}


def cpu_busy(interval: float) -> float:
    """The share of all CPUs' time that was not idle (nor iowait) over the next interval."""
    def ticks() -> tuple[int, int]:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
        return sum(fields), fields[3] + fields[4]

    total0, idle0 = ticks()
    time.sleep(interval)
    total1, idle1 = ticks()
    return 1 - (idle1 - idle0) / max(1, total1 - total0)


def wait_until_quiet(limit: float = QUIET_LIMIT) -> dict[str, float]:
    """Wait (at most ``limit`` seconds) until the CPUs are idle for two seconds in a row: a
    workload just set up keeps the kernel busy for a while (freeing what its setup used)."""
    start = time.monotonic()
    calm = 0
    busy = cpu_busy(1.0)
    while time.monotonic() - start < limit:
        calm = calm + 1 if busy < QUIET_BUSY else 0
        if calm >= 2:
            break
        busy = cpu_busy(1.0)
    waited = time.monotonic() - start
    print(f"  quiet after {waited:.0f} s (CPUs {busy:.0%} busy)", flush=True)
    return {"waited_s": waited, "busy": busy}


def exited(workload: subprocess.Popen[str]) -> str:
    """Empty while the workload runs, else a note that it has exited."""
    if workload.poll() is None:
        return ""
    return f" (the workload exited with status {workload.returncode} during the measurements)"


def measure_mounts(runs: int, tools: Tools, tmp: Path) -> dict[str, Any]:
    """The MOUNTS_RUNNER variants in one fresh interpreter; the manifest gives the extra mounts."""
    stem = tmp / "mounts"
    s = run_child(tools.runwait, [sys.executable, "-c", MOUNTS_RUNNER, str(runs),
                                  str(tmp / "manifest.json")], stem)
    data: dict[str, Any] = json.loads(Path(f"{stem}.out").read_text())
    data["rss_kib"] = s.rss_kib
    data["medians"] = {k: statistics.median(v) for k, v in data["times"].items()}
    return data


def measure_all(manifest: dict[str, Any], tools: Tools, runs: int, tmp: Path) -> dict[str, Any]:
    """All measurements against the running workload, keyed by tool."""
    py = sys.executable
    discover = "import lxkns; lxkns.discover(lxkns.STANDARD"
    cold = run_child(tools.runwait, [py, "-c", discover + ")"], tmp / "cold")
    res: dict[str, Result] = {}
    found: dict[str, dict[int, Found]] = {}
    scans = {"scan": [str(tools.scan), *SCAN_OPTS],
             "scan-j2": [str(tools.scan), *SCAN_OPTS, "-j", "2"]}
    res["lxkns-native"], found["lxkns-native"], paired_scans = measure_inprocess_paired(
        runs, tools, [*scans["scan"], "-q"], tmp)
    res["lxkns-pure"], found["lxkns-pure"] = measure_inprocess(False, runs, tools, tmp)
    commands = {
        "lxkns-native-proc": ("lxkns native, whole process", [py, "-c", discover + ")"]),
        "lxkns-pure-proc": ("lxkns pure, whole process", [py, "-c", discover + ", native=False)"]),
        "python-startup": ("python -c pass", [py, "-c", "pass"]),
        "lsns": ("lsns --json", ["lsns", "--json"]),
        **{key: (" ".join(["scan", *argv[1:]]), [*argv, "-q"]) for key, argv in scans.items()},
    }
    res |= measure_repeated(commands, runs, tools, tmp)
    found["lsns"] = lsns_found(tmp / "lsns.out")
    for key, argv in scans.items():
        run_child(tools.runwait, [*argv, "-v"], tmp / f"{key}-v")
        found[key] = scan_found(Path(f"{tmp / key}-v.out"))
    for key, f in found.items():
        res[key].completeness = completeness(manifest, f)
    out: dict[str, Any] = {key: r.summary() for key, r in res.items()}
    out["cold"] = asdict(cold)
    out["ratios"] = ratios(res, [s.wall for s in paired_scans])
    out["native_vs_pure"] = differences(found["lxkns-native"], found["lxkns-pure"])
    out["mounts"] = measure_mounts(runs, tools, tmp)
    return out


def ratios(res: dict[str, Result], paired_scans: list[float]) -> dict[str, float]:
    """The ratios worth watching (see FINDINGS.md targets): lxkns against the yardstick as
    the median of the ratios of pairs (measured one right after the other), the others as
    ratios of medians."""
    m = {key: r.median for key, r in res.items()}

    def pairs(key: str, yardstick: list[float]) -> float:
        return statistics.median(x / y for x, y in zip(res[key].times, yardstick, strict=True))

    return {
        "lxkns native whole process / scan": pairs("lxkns-native-proc", res["scan"].times),
        "lxkns native whole process / scan -j 2": pairs("lxkns-native-proc", res["scan-j2"].times),
        "lxkns native in-process / scan": pairs("lxkns-native", paired_scans),
        "lsns / lxkns native whole process": m["lsns"] / m["lxkns-native-proc"],
        "pure / native, in-process": m["lxkns-pure"] / m["lxkns-native"],
        "pure / native, whole process": m["lxkns-pure-proc"] / m["lxkns-native-proc"],
    }


def differences(a: dict[int, Found], b: dict[int, Found]) -> dict[str, list[str]]:
    """Namespaces or relations on which the native (a) and pure (b) discoveries disagree."""
    def text(ino: int, f: Found) -> str:
        return f"{f.type}:[{ino}] owner {f.owner} parent {f.parent}"

    return {"only_native": [text(i, f) for i, f in a.items() if i not in b],
            "only_pure": [text(i, f) for i, f in b.items() if i not in a],
            "different": [f"native {text(i, f)} / pure {text(i, b[i])}"
                          for i, f in a.items() if i in b and f != b[i]]}


# ------------------------------------------------------------------ output

ROW_ORDER = ("lxkns-native", "lxkns-native-proc", "lxkns-pure", "lxkns-pure-proc",
             "python-startup", "lsns", "scan", "scan-j2")
SAME_AS = {"lxkns-native-proc": "lxkns-native", "lxkns-pure-proc": "lxkns-pure"}


def print_size(fig: dict[str, Any]) -> None:
    """A readable table of one size, then ratios and anything that looked wrong."""
    c, res = fig["counts"], fig["results"]
    procs = c["processes"]
    print(f"\n=== {procs} processes, {c['tasks']} tasks, {c['namespaces_created']} namespaces "
          f"created, {c['mount_namespaces']} mount namespaces (setup {fig['setup_s']} s, "
          f"load average {fig['loadavg_1min']:.2f} at READY, quiet "
          f"{fig['quiet']['waited_s']:.0f} s later)")
    head = (f"{'tool':40s} {'median s':>9s} {'min s':>8s} {'µs/proc':>8s} {'RSS MiB':>8s} "
            f"{'found':>11s} " + " ".join(f"{h:>5s}" for _, h in CLASSES)
            + f" {'host':>4s} {'relations':>11s}")
    print(head)
    by_vis = c["namespaces_by_visibility"]
    print(f"{'(created by the workload)':40s} {'':>9s} {'':>8s} {'':>8s} {'':>8s} "
          f"{c['namespaces_created']:>11d} "
          + " ".join(f"{by_vis.get(cls, 0):>5d}" for cls, _ in CLASSES) + f" {len(HOST_TYPES):>4d}")
    for key in ROW_ORDER:
        r = res[key]
        comp = r["completeness"] or (res[SAME_AS[key]]["completeness"] if key in SAME_AS else None)
        print(f"{r['label']:40.40s} {r['median_s']:9.3f} {r['min_s']:8.3f} "
              f"{r['median_s'] * 1e6 / procs:8.0f} {r['peak_rss_mib']:8.1f} "
              + completeness_cells(comp, same=key in SAME_AS))
    print(f"cold: first whole-process native discovery after READY {res['cold']['wall']:.3f} s")
    for key in ("lxkns-native", "lxkns-pure"):
        x = res[key]["extra"]
        print(f"{key}: import lxkns {x['import_s']:.3f} s, warm-up discovery "
              f"{x['warmup_s']:.3f} s, {x['n_namespaces']} namespaces, "
              f"{x['n_processes']} processes")
    for name, value in res["ratios"].items():
        print(f"  {name:42s} {value:6.2f}")
    print_problems(res)
    print_mounts(res["mounts"], procs)


def print_mounts(m: dict[str, Any], procs: int) -> None:
    """The mount table figures: times, what was found, and whether the ways agree."""
    med = m["medians"]
    print(f"\nmount tables (in-process, peak RSS {m['rss_kib'] / 1024:.1f} MiB for all variants):")
    print(f"{'variant':40s} {'median s':>9s} {'min s':>8s} {'µs/proc':>8s} {'mntns':>6s} {'tables':>6s} "
          f"{'listmnt':>7s} {'mounts':>7s} {'hidden':>7s} {'extra ok':>11s}")
    for key, label in MOUNT_ROWS:
        c, (ok, total) = m["counts"][key], m["extra_mounts"][key]
        print(f"{label:40s} {med[key]:9.3f} {min(m['times'][key]):8.3f} {med[key] * 1e6 / procs:8.0f} "
              f"{c['mount_namespaces']:6d} {c['tables']:6d} {c['via_listmount']:7d} "
              f"{c['mount_points']:7d} {c['hidden']:7d} {f'{ok}/{total}':>11s}")
    for key, how in (("full", "listmount"), ("full-mountinfo", "mountinfo")):
        print(f"  mounts' share of FULL ({how})    {' ' * (13 - len(how))}"
              f"{med[key] - med['full-no-mounts']:6.3f} s")
    print(f"  listmount / mountinfo, mount tables alone     "
          f"{med['mounts-only'] / med['mounts-only-mountinfo']:6.2f}")
    print(f"  listmount / mountinfo, FULL                   {med['full'] / med['full-mountinfo']:6.2f}")
    for what in ("listmount_vs_mountinfo_differ", "native_vs_pure_differ"):
        if m[what]:
            print(f"  {what.replace('_', ' ')}: {len(m[what])} mount namespaces, e.g. {m[what][:5]}")
    for diag in m["diagnostics"]:
        print(f"  FULL diagnostic: {diag}")


def completeness_cells(comp: dict[str, Any] | None, same: bool) -> str:
    """The found/total, per-class and relations cells of one row."""
    if comp is None:
        return ""
    if same:
        return f"{'(same)':>11s}"
    cls = comp["by_visibility"]
    found = f"{comp['created_found']}/{comp['created_total']}"
    rel = f"{comp['relations_ok']}/{comp['relations_total']}" if "relations_ok" in comp else ""
    return (f"{found:>11s} " + " ".join(f"{cls.get(k, {}).get('found', 0):>5d}" for k, _ in CLASSES)
            + f" {comp['host_found']:>4d} {rel:>11s}")


def print_problems(res: dict[str, Any], limit: int = 5) -> None:
    """Missing namespaces, wrong relations and diagnostics of lxkns, with examples."""
    for key in ("lxkns-native", "lxkns-pure"):
        r = res[key]
        comp = r["completeness"]
        for cls, recs in comp["missing"].items():
            print(f"  {key} MISSING {len(recs)} {cls}: {', '.join(recs[:limit])}")
        for line in comp.get("wrong_relations", [])[:limit]:
            print(f"  {key} WRONG RELATION {line}")
        if comp.get("wrong_relations"):
            print(f"  {key}: {len(comp['wrong_relations'])} wrong relations in all")
        for diag in r["extra"]["diagnostics"]:
            print(f"  {key} diagnostic: {diag}")
    for what, items in res["native_vs_pure"].items():
        if items:
            print(f"  native vs pure, {what} ({len(items)}): {'; '.join(items[:limit])}")


# ------------------------------------------------------------------ main

def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000,10000",
                    help="comma-separated process counts (default %(default)s)")
    ap.add_argument("--runs", type=int, default=5, help="repetitions for medians (default 5)")
    ap.add_argument("--json", metavar="FILE", help="also write all figures as JSON to FILE")
    a = ap.parse_args(argv)
    try:
        a.sizes = [int(s) for s in a.sizes.split(",") if s.strip()]
    except ValueError:
        ap.error("--sizes takes comma-separated integers")
    if not a.sizes or min(a.sizes) < 100 or a.runs < 1:
        ap.error("sizes must be >= 100 and --runs >= 1")
    return a


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark for every size; 2 if it cannot run, 1 if it failed."""
    a = parse_args(argv)
    try:
        bench = bench_dir()
        check_environment()
    except SystemExit as e:
        print(e, file=sys.stderr)
        return 2
    print(f"lxkns benchmark: bench dir {bench}, kernel {platform.release()}, "
          f"python {platform.python_version()}, {os.cpu_count()} CPUs, runs {a.runs}")
    report: dict[str, Any] = {"kernel": platform.release(), "python": sys.version,
                              "cpus": os.cpu_count(), "runs": a.runs, "bench_dir": str(bench),
                              "sizes": []}
    try:
        with tempfile.TemporaryDirectory(prefix="lxkns-bench-scan-") as tmp:
            tools = build_tools(bench, Path(tmp))
            for procs in a.sizes:
                print(f"\nsize {procs}:", flush=True)
                fig = bench_size(bench, tools, procs, a.runs)
                report["sizes"].append(fig)
                print_size(fig)
    except BenchError as e:
        print(f"bench_discovery: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench_discovery: interrupted; workload torn down", file=sys.stderr)
        return 130
    finally:
        if a.json:  # whatever was measured, also after a failure
            Path(a.json).write_text(json.dumps(report, indent=1) + "\n")
            print(f"\nfigures of {len(report['sizes'])} size(s) written to {a.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
