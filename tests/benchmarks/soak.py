#!/usr/bin/env python3
"""Soak: many discoveries in one process; nothing may pile up (a benchmark, not a test).

Run as root (``nox -s soak`` does this)::

    python tests/benchmarks/soak.py [--plan 1000:1000:standard,10000:100:full]

For each ``PROCS:RUNS:PRESET`` of the plan it starts the shared workload generator with
PROCS processes (parameters scaled as in bench_discovery.py), and in a fresh child
process runs RUNS discoveries with the preset one after another (with the native
scanner; ``-pure`` after the preset for the pure-Python one), each one's graph collected
before the next (a Discovery is a graph with cycles, which only the cyclic garbage
collector frees: without that, several graphs pile up between its runs). It reports:

* fds, threads, child processes and mounts (of the child's own mount namespace, which is
  a private copy, so that mounts made elsewhere meanwhile do not count) before the runs
  (after a warm-up) and after them: what was left over;
* RSS after the warm-up, at its highest during the runs and at the end, and the growth
  from the warm-up to the end (target: under 5 MiB), sampled every tenth discovery; and,
  to tell a leak from memory malloc keeps for reuse, how much more malloc has handed out
  and not got back at the end (mallinfo2) and the RSS after malloc_trim();
* the time the discoveries took (median, and the slowest), for orientation only.

It measures and reports; it never asserts anything. It exits 1 if something was left
over (or the workload failed), so that a CI job may notice. The workload generator comes
from ../shared/bench next to the project, or from LXKNS_BENCH_DIR: a benchmark-only
convenience, nothing in the library or the test suite depends on it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_discovery import BenchError, bench_dir, bench_lock, running_workload

WARMUP = 10
SOAK_TIMEOUT = 7200.0

# runs in a fresh interpreter (in a private mount namespace): prints one JSON line
RUNNER = r"""
import gc, json, os, statistics, sys, time
import lxkns

preset, runs = sys.argv[1], int(sys.argv[2])
native = not preset.endswith("-pure")
options = (lxkns.FULL if preset.startswith("full") else lxkns.STANDARD).replace(native=native)

import ctypes
class _MallInfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in
                "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split()]
_libc = ctypes.CDLL(None)
_mallinfo2 = getattr(_libc, "mallinfo2", None)
if _mallinfo2 is not None:
    _mallinfo2.restype = _MallInfo2

def heap_kib():
    # what malloc has handed out and not got back (Python's arenas included): a leak grows it
    if _mallinfo2 is None:
        return 0
    m = _mallinfo2()
    return (m.uordblks + m.hblkhd) // 1024

def rss_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0

def children():
    kids = set()
    for tid in os.listdir("/proc/self/task"):
        with open(f"/proc/self/task/{tid}/children") as f:
            kids.update(f.read().split())
    return sorted(kids)

def fds():
    out = {}
    for fd in os.listdir("/proc/self/fd"):
        try:
            out[fd] = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            pass
    return out

def snapshot():
    with open("/proc/self/mountinfo") as f:
        mounts = sorted(line.split(" - ")[0].split(" ", 1)[1] for line in f)
    return {"fds": fds(), "threads": sorted(os.listdir("/proc/self/task")), "children": children(),
            "mounts": mounts}

def settled():
    last, end = snapshot(), time.monotonic() + 10
    while time.monotonic() < end:
        time.sleep(0.05)
        now = snapshot()
        if now == last:
            return now
        last = now
    return last

for _ in range(WARMUP):
    lxkns.discover(options)
gc.collect()
before, rss0, heap0 = settled(), rss_kib(), heap_kib()
times, samples, peak = [], [], rss0
for i in range(runs):
    t0 = time.perf_counter()
    d = lxkns.discover(options)
    times.append(time.perf_counter() - t0)
    if i == 0:
        size = {"processes": len(d.processes), "namespaces": len(d)}
    del d
    gc.collect()  # a discovery is a graph with cycles: only the cyclic collector frees it
    if i % 10 == 9:
        r = rss_kib()
        samples.append(r)
        peak = max(peak, r)
gc.collect()
after, rss1, heap1 = settled(), rss_kib(), heap_kib()
_libc.malloc_trim(0)  # what RSS is left once malloc gives back what it keeps for reuse
rss_trimmed = rss_kib()
left = {"fds": {k: v for k, v in after["fds"].items() if before["fds"].get(k) != v},
        "threads": sorted(set(after["threads"]) - set(before["threads"])),
        "children": sorted(set(after["children"]) - set(before["children"])),
        "mounts": sorted(set(after["mounts"]) - set(before["mounts"]))}
print(json.dumps({"preset": preset, "runs": runs, "size": size, "left": left,
                  "counts_before": {k: len(v) for k, v in before.items()},
                  "counts_after": {k: len(v) for k, v in after.items()},
                  "rss_warm_kib": rss0, "rss_end_kib": rss1, "rss_peak_kib": peak,
                  "rss_trimmed_kib": rss_trimmed, "heap_growth_kib": heap1 - heap0,
                  "rss_samples_kib": samples, "median_s": statistics.median(times), "max_s": max(times)}))
""".replace("WARMUP", str(WARMUP))


def soak(procs: int, runs: int, preset: str, bench: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="lxkns-soak-") as tmp, \
            running_workload(bench, procs, Path(tmp)) as (_, workload):
        cmd = ["unshare", "--mount", "--propagation", "private", sys.executable, "-c", RUNNER, preset,
               str(runs)]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=SOAK_TIMEOUT, cwd="/")
        if out.returncode != 0:
            raise BenchError(f"soak runner failed:\n{out.stderr[-4000:]}")
        result: dict[str, Any] = json.loads(out.stdout)
        result["procs"] = procs
        result["workload_alive"] = workload.poll() is None
        return result


def report(r: dict[str, Any]) -> bool:
    growth = (r["rss_end_kib"] - r["rss_warm_kib"]) / 1024
    clean = not any(r["left"].values())
    print(f"{r['preset']} x{r['runs']} at {r['procs']} processes "
          f"({r['size']['processes']} processes, {r['size']['namespaces']} namespaces found):")
    print(f"  left over: {'nothing' if clean else json.dumps(r['left'])}")
    print(f"  fds/threads/children/mounts before {r['counts_before']} after {r['counts_after']}")
    print(f"  RSS after warm-up {r['rss_warm_kib'] / 1024:.1f} MiB, peak {r['rss_peak_kib'] / 1024:.1f} MiB, "
          f"end {r['rss_end_kib'] / 1024:.1f} MiB: growth {growth:+.2f} MiB (target < 5 MiB)")
    trimmed = (r["rss_trimmed_kib"] - r["rss_warm_kib"]) / 1024
    print(f"  malloc'ed and not freed: {r['heap_growth_kib'] / 1024:+.2f} MiB; RSS after malloc_trim "
          f"{r['rss_trimmed_kib'] / 1024:.1f} MiB ({trimmed:+.2f} MiB)")
    print(f"  per discovery: median {r['median_s'] * 1000:.0f} ms, slowest {r['max_s'] * 1000:.0f} ms "
          "(a busy machine: orientation only)", flush=True)
    return clean


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--plan", default="1000:1000:standard,10000:100:full",
                    help="PROCS:RUNS:PRESET,... (presets standard, full; -pure for the pure scanner)")
    ap.add_argument("--json", help="write the figures to this file")
    a = ap.parse_args(argv)
    if os.geteuid() != 0:
        print("soak: needs root (the workload builds namespaces)", file=sys.stderr)
        return 2
    try:
        bench = bench_dir()
    except SystemExit as e:
        print(e, file=sys.stderr)
        return 2
    results, clean = [], True
    try:
        with bench_lock():  # the 10,000-process workload must not run beside another benchmark
            for step in a.plan.split(","):
                procs, runs, preset = step.split(":")
                print(f"soak: {preset} x{runs} on a workload of {procs} processes ...", flush=True)
                r = soak(int(procs), int(runs), preset, bench)
                results.append(r)
                clean = report(r) and clean
    except BenchError as e:
        print(f"soak: {e}", file=sys.stderr)
        return 1
    finally:
        if a.json:
            Path(a.json).write_text(json.dumps(results, indent=1) + "\n")
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
