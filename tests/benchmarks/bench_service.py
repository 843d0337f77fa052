#!/usr/bin/env python3
"""Benchmark the lxkns service under load: wrk on loopback against /api/namespaces.

Run as root (``nox -s bench-service`` does this)::

    python tests/benchmarks/bench_service.py [--sizes 1000,10000] [--duration 30] [--json FILE]

For every workload size it starts the shared workload generator (as ``bench_discovery.py``
does), then, one after the other, two servers on a free loopback port:

* ``shared``: the service as shipped (single flight, ``--max-age 1``);
* ``shared-stale``: the same with ``--stale 30`` (the last answer while a new one runs);
* ``per-request``: ``--discovery-per-request``, a discovery for every request, as the Go
  lxkns service does;

and runs ``wrk -c 64 -d 30s --latency`` against ``/api/namespaces`` of each (both with
``--no-containers``, so that the engines other users run on this machine do not change the
figures). Reported per run: requests/s, p50 and p99 latency, errors (socket errors and
non-2xx answers), discoveries run (``lxkns_discoveries_total`` before and after), the
server's peak RSS (VmHWM) and CPU seconds, and the ratio of the two servers' requests/s.
It measures and reports; it asserts nothing about speed.

The whole run holds ``/work/bench.lock`` (or ``$LXKNS_BENCH_LOCK``) where that directory
exists, as the team's machines ask of timing runs. Benchmark-only convenience: the workload
generator comes from ``../shared/bench`` (or ``$LXKNS_BENCH_DIR``); nothing else depends on it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import bench_discovery
from servicectl import free_port

MODES = {"shared": [], "shared-stale": ["--stale", "30"], "per-request": ["--discovery-per-request"]}
SERVER_ARGS = ["--no-containers", "--no-access-log", "--timeout", "25", "--log-level", "warning"]


def _metric(port: int, name: str) -> float:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30) as r:
        for line in r.read().decode().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
    return 0.0


def _proc_figures(pid: int) -> tuple[int, float]:
    """(peak RSS in KiB, CPU seconds) of a process."""
    with open(f"/proc/{pid}/status") as f:
        hwm = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return hwm, (int(fields[11]) + int(fields[12])) / ticks


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not m:
        return float("nan")
    value, unit = float(m.group(1)), m.group(2)
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def parse_wrk(out: str) -> dict[str, Any]:
    res: dict[str, Any] = {"requests": 0, "rps": 0.0, "p50_ms": float("nan"), "p99_ms": float("nan"),
                           "socket_errors": 0, "non_2xx": 0}
    m = re.search(r"(\d+) requests in", out)
    if m:
        res["requests"] = int(m.group(1))
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if m:
        res["rps"] = float(m.group(1))
    for pct, key in (("50", "p50_ms"), ("99", "p99_ms")):
        m = re.search(rf"^\s+{pct}(?:\.000)?%\s+(\S+)", out, re.MULTILINE)
        if m:
            res[key] = _ms(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        res["socket_errors"] = sum(int(x) for x in m.groups())
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        res["non_2xx"] = int(m.group(1))
    res["errors"] = res["socket_errors"] + res["non_2xx"]
    return res


def run_server(mode: str, duration: int, connections: int) -> dict[str, Any]:
    port = free_port()
    argv = [sys.executable, "-m", "lxkns.service", "--http", f"127.0.0.1:{port}", *SERVER_ARGS, *MODES[mode]]
    with tempfile.TemporaryFile() as err:
        server = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err, cwd="/")
        try:
            deadline = time.monotonic() + 300
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=30) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    err.seek(0)
                    raise RuntimeError(f"the {mode} server did not start: {err.read().decode()[-2000:]}")
                time.sleep(0.1)
            before = _metric(port, "lxkns_discoveries_total")
            _, cpu0 = _proc_figures(server.pid)
            wrk = subprocess.run(["wrk", "-t", "2", "-c", str(connections), "-d", f"{duration}s", "--latency",
                                  "--timeout", "30s", f"http://127.0.0.1:{port}/api/namespaces"],
                                 capture_output=True, text=True, timeout=duration + 120)
            hwm, cpu1 = _proc_figures(server.pid)
            time.sleep(0.5)
            after = _metric(port, "lxkns_discoveries_total")
            res = parse_wrk(wrk.stdout)
            res.update({"mode": mode, "discoveries": int(after - before), "peak_rss_mib": hwm / 1024,
                        "server_cpu_s": cpu1 - cpu0, "wrk_rc": wrk.returncode})
            if wrk.returncode != 0:
                res["wrk_stderr"] = wrk.stderr[-500:]
            return res
        finally:
            server.terminate()
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000", help="workload sizes (processes), comma-separated")
    ap.add_argument("--duration", type=int, default=30, help="seconds of load per server (default 30)")
    ap.add_argument("--connections", type=int, default=64, help="wrk connections (default 64)")
    ap.add_argument("--json", metavar="FILE", help="write the results as JSON")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("bench-service: run as root (the workload builds namespaces)", file=sys.stderr)
        return 2
    if shutil.which("wrk") is None:
        print("bench-service: wrk is missing (apt-get install wrk)", file=sys.stderr)
        return 2
    bench = bench_discovery.bench_dir()
    results: list[dict[str, Any]] = []
    with bench_discovery.bench_lock():
        for size in (int(s) for s in args.sizes.split(",") if s):
            print(f"== {size} processes", flush=True)
            with tempfile.TemporaryDirectory(prefix="lxkns-bench-svc-") as tmp, \
                    bench_discovery.running_workload(bench, size, Path(tmp)):
                for mode in MODES:
                    res = run_server(mode, args.duration, args.connections)
                    res["procs"] = size
                    results.append(res)
                    print(f"  {mode:12} {res['rps']:10.1f} req/s  p50 {res['p50_ms']:9.1f} ms  "
                          f"p99 {res['p99_ms']:9.1f} ms  errors {res['errors']:5d}  "
                          f"discoveries {res['discoveries']:5d}  peak RSS {res['peak_rss_mib']:7.1f} MiB  "
                          f"server CPU {res['server_cpu_s']:6.1f} s", flush=True)
            per = next(r for r in results if r["procs"] == size and r["mode"] == "per-request")
            for mode in ("shared", "shared-stale"):
                shared = next(r for r in results if r["procs"] == size and r["mode"] == mode)
                ratio = shared["rps"] / per["rps"] if per["rps"] else float("inf")
                print(f"  {mode} / per-request: {ratio:.1f}x requests/s", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
