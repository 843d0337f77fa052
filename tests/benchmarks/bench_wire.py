#!/usr/bin/env python3
"""Benchmark the wire format: writing and reading the JSON of a large discovery.

Run as root (the workload builds namespaces)::

    python tests/benchmarks/bench_wire.py [--sizes 10000] [--runs 5] [--json FILE]

For every size N it starts the shared workload generator with N processes (as
bench_discovery.py does, which this script borrows the workload handling from), discovers
the host once with the FULL preset and credentials, and measures in this process: the
size of the dump (compact, indented, gzipped) and the median time of ``to_dict``,
``to_json`` (compact and indented), ``json.loads`` alone, ``from_dict`` and ``from_json``.
It checks that reading the dump back and writing it again gives the same text. It
measures and reports; it asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_discovery as bd

import lxkns


def timed(func: Callable[[], Any], runs: int) -> tuple[float, Any]:
    """Median seconds of ``runs`` calls (after one warm-up), and the last result."""
    result = func()
    times = []
    for _ in range(runs):
        result = None
        gc.collect()
        t0 = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def measure(runs: int) -> dict[str, Any]:
    t0 = time.perf_counter()
    d = lxkns.discover(lxkns.FULL, with_credentials=True)
    fig: dict[str, Any] = {"discover_s": time.perf_counter() - t0, "processes": len(d.processes),
                           "tasks": sum(len(p.tasks) for p in d.processes.values()),
                           "namespaces": len(d), "pidmap_entries": len(d.pid_map or ())}
    fig["to_dict_s"], data = timed(lambda: lxkns.wire.to_dict(d), runs)
    fig["to_json_compact_s"], compact = timed(lambda: d.to_json(compact=True), runs)
    fig["to_json_indent2_s"], indented = timed(lambda: d.to_json(indent=2), runs)
    fig["json_loads_s"], _ = timed(lambda: json.loads(compact), runs)
    fig["from_dict_s"], _ = timed(lambda: lxkns.wire.from_dict(data), runs)
    fig["from_json_s"], back = timed(lambda: lxkns.Discovery.from_json(compact), runs)
    fig["bytes_compact"] = len(compact.encode())
    fig["bytes_indent2"] = len(indented.encode())
    fig["bytes_gzip"] = len(gzip.compress(compact.encode()))
    fig["round_trip_same_text"] = back.to_json(compact=True) == compact
    return fig


def print_size(procs: int, fig: dict[str, Any]) -> None:
    print(f"  discovered {fig['processes']} processes, {fig['tasks']} tasks, {fig['namespaces']} "
          f"namespaces, {fig['pidmap_entries']} PID map entries in {fig['discover_s']:.2f} s")
    print(f"  size: {fig['bytes_compact'] / 1e6:.2f} MB compact, {fig['bytes_indent2'] / 1e6:.2f} MB "
          f"indented, {fig['bytes_gzip'] / 1e6:.2f} MB gzipped")
    for key in ("to_dict", "to_json_compact", "to_json_indent2", "json_loads", "from_dict", "from_json"):
        print(f"  {key:<16} {fig[key + '_s'] * 1000:8.1f} ms")
    print(f"  round trip gives the same text: {fig['round_trip_same_text']}")


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="10000", help="comma-separated process counts (default 10000)")
    p.add_argument("--runs", type=int, default=5, help="timed runs per measurement (default 5)")
    p.add_argument("--json", help="also write the figures to this file")
    a = p.parse_args(argv)
    try:
        bench = bd.bench_dir()
        bd.check_environment()
    except SystemExit as e:
        print(e, file=sys.stderr)
        return 2
    report: dict[str, Any] = {"runs": a.runs, "sizes": {}}
    try:
        for procs in (int(s) for s in a.sizes.split(",")):
            print(f"size {procs}:", flush=True)
            with tempfile.TemporaryDirectory(prefix="lxkns-bench-wire-") as tmp, \
                    bd.running_workload(bench, procs, Path(tmp)):
                fig = measure(a.runs)
            report["sizes"][procs] = fig
            print_size(procs, fig)
    except bd.BenchError as e:
        print(f"bench_wire: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench_wire: interrupted; workload torn down", file=sys.stderr)
        return 130
    finally:
        if a.json:
            Path(a.json).write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
