"""``lxkns``: the namespaces of this host (or of a dump) as one table, like lsns.

``lxkns`` prints one line per namespace -- every namespace lxkns finds, also
those without processes -- with the columns ``-o`` names (``-h`` lists them).
``-J`` prints the same rows as JSON for jq, ``--json`` the whole discovery
in the lxkns wire format. ``lxkns serve ...`` runs the REST service (the
``[service]`` extra); everything after ``serve`` is its own arguments.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
from collections.abc import Sequence

from .. import _lowlevel
from .._discovery import discover
from .._version import __version__
from ..model import FULL, STANDARD, Discovery, Namespace
from ..model.types import types_of
from ..wire import to_dict
from . import EXIT_USAGE, Failure, common
from .columns import COLUMNS, DEFAULT, Column, UserNames, help_text, parse_columns, text
from .table import format_raw, format_table

PROG = "lxkns"
SERVICE_EXTRA = "pip install 'lxkns[service]'"


def scanner_text() -> str:
    """Which scanner a discovery here uses, and why."""
    if _lowlevel.native_available():
        return "native scanner"
    return f"pure-Python scanner: the native one is not available ({_lowlevel.NATIVE_IMPORT_ERROR})"


def parser() -> argparse.ArgumentParser:
    """The argument parser of ``lxkns`` (also what its man page is made from)."""
    ap = argparse.ArgumentParser(
        prog=PROG, formatter_class=argparse.RawDescriptionHelpFormatter,
        usage="%(prog)s [options]\n       %(prog)s serve [service options]",
        description="List the Linux namespaces of this host: every namespace lxkns finds (in\n"
                    "processes, threads, open fds, sockets, bind mounts, and up the user and PID\n"
                    "namespace hierarchies), one per line, like lsns.\n\n"
                    "lxkns serve [...] runs the REST service and its web UI (the [service] extra;\n"
                    "lxkns serve --help for its options).",
        epilog=help_text() + "\n\nDiagnostics (what could not be seen, and why) go to standard error.")
    ap.man_short_description = "list the Linux namespaces of this host"  # type: ignore[attr-defined]
    ap.add_argument("-o", "--output", metavar="LIST", action="append", default=[],
                    help="the columns to show (comma separated; +LIST adds to the default ones)")
    ap.add_argument("--output-all", action="store_true", help="show all columns")
    ap.add_argument("-n", "--noheadings", action="store_true", help="do not print a header line")
    ap.add_argument("-r", "--raw", action="store_true", help="raw output: one blank between columns, "
                                                              "blanks in values as \\x20")
    ap.add_argument("-J", "--json-rows", action="store_true",
                    help='the table as JSON, {"namespaces": [rows]}, as lsns -J writes it')
    ap.add_argument("--json", action="store_true", help="the whole discovery as JSON (lxkns wire format)")
    ap.add_argument("-u", "--notruncate", action="store_true",
                    help="do not cut the last column to fit the terminal")
    ap.add_argument("-p", "--task", metavar="PID", type=int,
                    help="only the namespaces of this process")
    ap.add_argument("-t", "--type", "--types", dest="types", metavar="TYPE", action="append",
                    help="only namespaces of these types (cgroup ipc mnt net pid time user uts; "
                         "comma separated, repeatable)")
    ap.add_argument("-i", "--input", metavar="FILE",
                    help="read a JSON dump of a discovery (dumpns, lxkns --json) instead of discovering; "
                         "- is stdin")
    ap.add_argument("--full", action="store_true",
                    help="full discovery (PID map, mounts, containers, affinity)")
    ap.add_argument("--no-owners", action="store_true",
                    help="skip owning user namespaces (so -t net lists network namespaces only)")
    ap.add_argument("--python", action="store_true", help="use the pure-Python scanner")
    ap.add_argument("--procfs", default="/proc", metavar="DIR", help="procfs root to read (default /proc)")
    ap.add_argument("-q", "--quiet", action="store_true", help="no diagnostics on standard error")
    ap.add_argument("-V", "--version", action="version",
                    version=f"%(prog)s {__version__} ({scanner_text()})")
    return ap


def _columns(args: argparse.Namespace) -> list[Column]:
    if args.output_all:
        return list(COLUMNS.values())
    try:
        return parse_columns(args.output) if args.output else [COLUMNS[n] for n in DEFAULT]
    except ValueError as exc:
        raise Failure(str(exc), EXIT_USAGE) from None


def _discovery(args: argparse.Namespace, columns: Sequence[Column]) -> Discovery:
    if args.input:
        return common.read(args)
    options = FULL if args.full else STANDARD
    if args.types:
        names = [n for arg in args.types for n in arg.split(",") if n]
        options = options.replace(types=types_of(names))
    if args.python:
        options = options.replace(native=False)
    if args.no_owners:
        options = options.replace(with_ownership=False)
    if any(c.needs_credentials for c in columns):
        options = options.replace(with_credentials=True)
    if any(c.needs_containers for c in columns):
        options = options.replace(with_containers=True)
    return discover(options, procfs_root=args.procfs)


def _selected(d: Discovery, args: argparse.Namespace) -> list[Namespace]:
    if args.task is not None:
        found = list(d.process(args.task).namespaces.values())
    else:
        found = list(d.all_namespaces())
    if args.types:
        wanted = types_of([n for arg in args.types for n in arg.split(",") if n])
        found = [ns for ns in found if ns.type in wanted]
    return sorted(found, key=lambda ns: (ns.id.ino, ns.type.type_name))


def _width(args: argparse.Namespace) -> int | None:
    """The width to fit: the terminal's (COLUMNS wins), none when not on a terminal."""
    if args.notruncate:
        return None
    if os.environ.get("COLUMNS", "").isdecimal():
        return int(os.environ["COLUMNS"])
    try:
        if not sys.stdout.isatty():
            return None
    except (AttributeError, ValueError):
        return None
    return shutil.get_terminal_size().columns


def render(d: Discovery, args: argparse.Namespace, columns: Sequence[Column]) -> str:
    """The output ``args`` ask for."""
    if args.json:
        return json.dumps(to_dict(d), indent=2, sort_keys=True)
    users = UserNames()
    values = [[c.value(ns, users) for c in columns] for ns in _selected(d, args)]
    if args.json_rows:
        return json.dumps({"namespaces": [{c.key: v for c, v in zip(columns, row, strict=True)}
                                          for row in values]}, indent=2)
    header = [] if args.noheadings else [[c.name for c in columns]]
    if args.raw:
        cells = [["" if v is None else ",".join(v) if isinstance(v, list) else str(v) for v in row]
                 for row in values]
        return format_raw(header + cells)
    cells = [[text(v) for v in row] for row in values]
    if not header and not cells:
        return ""
    return format_table(header + cells, right=[c.right for c in columns], width=_width(args),
                        header=bool(header))


def missing_service_requirements() -> list[str]:
    """The distributions of the ``[service]`` extra that are not installed (none known
    where lxkns itself is not installed, as in a bare source checkout)."""
    from importlib import metadata

    try:
        requirements = metadata.requires("lxkns") or []
    except metadata.PackageNotFoundError:
        return []
    missing = []
    for req in requirements:
        spec, _, marker = req.partition(";")
        if not re.search(r"""extra\s*==\s*["']service["']""", marker):
            continue
        name = re.match(r"[A-Za-z0-9._-]+", spec.strip())
        if name is None:
            continue
        try:
            metadata.distribution(name.group(0))
        except metadata.PackageNotFoundError:
            missing.append(name.group(0))
    return missing


def _no_service(why: str) -> int:
    print(f"{PROG} serve: the service needs the [service] extra ({why}); install it with:\n"
          f"    {SERVICE_EXTRA}", file=sys.stderr)
    return EXIT_USAGE


def serve(argv: Sequence[str]) -> int:
    """``lxkns serve ARGS``: the service's own command line, imported only now; without
    the ``[service]`` extra, a message how to install it and exit status 2."""
    missing = missing_service_requirements()
    if missing:
        return _no_service(f"not installed: {', '.join(missing)}")
    try:
        from ..service.cli import main as service_main
    except ImportError as exc:  # what the service imports at once is missing
        return _no_service(str(exc))
    status: int = service_main(list(argv))
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """The ``lxkns`` command; returns the exit status."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["serve"]:
        return serve(args_list[1:])
    args = parser().parse_args(args_list)
    if args.json and (args.json_rows or args.raw):
        parser().error("--json writes the whole discovery; it goes with no table options")

    def body() -> str:
        columns = _columns(args)
        d = _discovery(args, columns)
        args.lxkns_discovery = d  # for the diagnostics, after the output
        return render(d, args, columns)

    return common.run(PROG, body, args)

