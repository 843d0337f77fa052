"""Stage: the effective UID and capabilities of every process.

What a process may do in a namespace depends on its user namespace, its
effective UID and its effective capabilities (user_namespaces(7)); the last
two come from /proc/PID/status, which anyone may read.
"""

from __future__ import annotations

from .._lowlevel import safeopen
from .._lowlevel.credentials import parse_credentials
from ..errors import ParseError
from ..model.diagnostics import DiagnosticKind
from .builder import Builder


def add_credentials(b: Builder) -> None:
    for pid in b.procs:
        path = f"{b.proc_path(pid)}/status"
        try:
            data = safeopen.read_file(path, strict=b.scan.foreign)
        except OSError as exc:
            b.diagnostics.oserror("credentials", "cannot read a process status", exc.errno or 0,
                                  example=path)
            continue
        try:
            b.credentials[pid] = parse_credentials(data)
        except ParseError as exc:
            b.diagnostics.add(DiagnosticKind.MALFORMED, "credentials", f"malformed status file: {exc.reason}",
                              example=path)
