"""``python -m lxkns``: discover this host's namespaces and print them."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from . import FULL, STANDARD, discover, wire
from ._table import namespace_table
from .errors import LxknsError
from .model.types import types_of


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m lxkns",
                                 description="Discover the Linux namespaces of this host.")
    ap.add_argument("--json", action="store_true", help="print the discovery as JSON")
    ap.add_argument("--full", action="store_true", help="full discovery (PID map, affinity)")
    ap.add_argument("-t", "--types", metavar="TYPE", action="append",
                    help="only these namespace types (cgroup ipc mnt net pid time user uts); repeatable")
    ap.add_argument("--no-owners", action="store_true",
                    help="skip owning user namespaces (so --types net lists network namespaces only)")
    ap.add_argument("--python", action="store_true", help="use the pure-Python scanner")
    ap.add_argument("--procfs", default="/proc", metavar="DIR", help="procfs root to read (default /proc)")
    ap.add_argument("-q", "--quiet", action="store_true", help="no diagnostics on stderr")
    args = ap.parse_args(argv)
    options = FULL if args.full else STANDARD
    try:
        if args.types:
            names = [n for arg in args.types for n in arg.split(",") if n]
            options = options.replace(types=types_of(names))
        if args.python:
            options = options.replace(native=False)
        if args.no_owners:
            options = options.replace(with_ownership=False)
        d = discover(options, procfs_root=args.procfs)
    except LxknsError as exc:
        print(f"lxkns: {exc}", file=sys.stderr)
        return 2
    try:
        if args.json:
            json.dump(wire.to_dict(d), sys.stdout, indent=2, sort_keys=True)
            sys.stdout.write("\n")
        else:
            print(namespace_table(d))
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. piped into head
        sys.stderr.close()
        return 0
    if not args.quiet:
        for diag in d.diagnostics:
            examples = f" (e.g. {', '.join(diag.examples[:2])})" if diag.examples else ""
            print(f"lxkns: {diag}{examples}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
