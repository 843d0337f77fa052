"""Stage: CPU affinity of every process and thread, and the online CPUs."""

from __future__ import annotations

import os

from .builder import Builder


def cpu_ranges(cpus: set[int] | frozenset[int]) -> tuple[tuple[int, int], ...]:
    """{0, 1, 2, 5} -> ((0, 2), (5, 5))."""
    ranges: list[tuple[int, int]] = []
    for cpu in sorted(cpus):
        if ranges and cpu == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], cpu)
        else:
            ranges.append((cpu, cpu))
    return tuple(ranges)


def parse_cpu_list(text: str) -> tuple[tuple[int, int], ...]:
    """``0-3,5`` (the sysfs list format) -> ((0, 3), (5, 5)); () for empty or malformed text."""
    ranges = []
    for part in text.strip().split(","):
        lo, _, hi = part.partition("-")
        if not lo.isdecimal() or (hi and not hi.isdecimal()):
            return ()
        ranges.append((int(lo), int(hi or lo)))
    return tuple(ranges)


def add_affinity(b: Builder) -> None:
    try:
        with open("/sys/devices/system/cpu/online", encoding="ascii") as f:
            b.online_cpus = parse_cpu_list(f.read())
    except OSError as exc:
        b.diagnostics.oserror("affinity", "cannot read the online CPUs", exc.errno or 0,
                              example="/sys/devices/system/cpu/online")
    ids = [*b.procs, *(t.pid for t in b.scan.tasks)]
    for tid in ids:
        try:
            b.affinity[tid] = cpu_ranges(os.sched_getaffinity(tid))
        except OSError as exc:
            b.diagnostics.oserror("affinity", "cannot read a CPU affinity", exc.errno or 0,
                                  example=f"TID {tid}")
