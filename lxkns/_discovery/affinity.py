"""Stage: CPU affinity of every process and thread (read by the scanner), and the online CPUs."""

from __future__ import annotations

from .._lowlevel import parsers
from ..errors import ParseError
from ..model.diagnostics import DiagnosticKind
from .builder import Builder

ONLINE_CPUS = "/sys/devices/system/cpu/online"


def add_affinity(b: Builder) -> None:
    try:
        with open(ONLINE_CPUS, encoding="ascii") as f:
            b.online_cpus = parsers.parse_cpu_list(f.read())
    except OSError as exc:
        b.diagnostics.oserror("affinity", "cannot read the online CPUs", exc.errno or 0,
                              example=ONLINE_CPUS)
    except ParseError as exc:
        b.diagnostics.add(DiagnosticKind.MALFORMED, "affinity", str(exc), example=ONLINE_CPUS)
    for r in (*b.procs.values(), *b.scan.tasks):
        if r.affinity:
            b.affinity[r.pid] = parsers.parse_cpu_list(r.affinity)
