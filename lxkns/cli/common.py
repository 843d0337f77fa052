"""What the tools share: their common options, getting a discovery (live or from a
dump), printing, and turning errors into messages and exit codes."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .._discovery import discover
from ..errors import (
    LxknsError,
    ParseError,
    ScanError,
    UnknownNamespaceError,
    UnknownProcessError,
    WireFormatError,
)
from ..model import Discovery, DiscoveryOptions
from . import EXIT_BAD_INPUT, EXIT_NO_DISCOVERY, EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, Failure
from .dumps import read_dump
from .names import CGROUP_MODES, PROC_MODES, Naming
from .style import COLOR_MODES, THEMES, Styler, wants_color
from .tree import STYLES, Node, TreeStyle, render, to_data


def parser(prog: str, description: str, *, tree: bool = True, views: bool = True
           ) -> argparse.ArgumentParser:
    """An argument parser with the options every tool has, the options of tools that show
    things (``views``: --json, --proc, --cgroup), and those of tree tools (``tree``)."""
    ap = argparse.ArgumentParser(prog=prog, description=description)
    ap.add_argument("-i", "--input", metavar="FILE",
                    help="read a JSON dump of a discovery (dumpns, lxkns) instead of discovering; - is stdin")
    if views:
        ap.add_argument("--json", action="store_true", help="print the result as JSON")
        ap.add_argument("--proc", choices=PROC_MODES, default="name",
                        help="show processes by name (comm), basename (of the program) or exe (as started)")
        ap.add_argument("--cgroup", choices=CGROUP_MODES, default="short",
                        help="show cgroup paths in full, or with container IDs shortened")
    if tree:
        ap.add_argument("-c", "--color", metavar="MODE", default="auto", choices=sorted(COLOR_MODES),
                        help="colours: always, auto (on a terminal, unless NO_COLOR is set) or never; "
                             "-c alone means always")
        ap.add_argument("--theme", choices=sorted(THEMES), default="dark", help="colour theme")
        ap.add_argument("--treestyle", choices=sorted(STYLES), default="line",
                        help="draw trees with line characters or ASCII")
    return ap


def parse(ap: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse arguments; a bare ``-c``/``--color`` means ``--color=always`` (it never takes
    the next argument as its value)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if "--" in args:
        cut = args.index("--")
        head, tail = args[:cut], args[cut:]
    else:
        head, tail = args, []
    head = ["--color=always" if a in ("-c", "--color") else a for a in head]
    return ap.parse_args(head + tail)


@dataclass
class Output:
    """How to print: naming, tree drawing, colours."""

    naming: Naming
    style: TreeStyle
    styler: Styler
    json: bool

    def tree(self, roots: list[Node]) -> str:
        if self.json:
            return json.dumps(to_data(roots), indent=2)
        return render(roots, self.style, self.styler)


def output(args: argparse.Namespace) -> Output:
    color = getattr(args, "color", "never")
    return Output(
        naming=Naming(proc=args.proc, cgroup=args.cgroup),
        style=STYLES[getattr(args, "treestyle", "line")],
        styler=Styler(enabled=not getattr(args, "json", False) and wants_color(color, sys.stdout),
                      theme=getattr(args, "theme", "dark")),
        json=getattr(args, "json", False),
    )


def discovery(args: argparse.Namespace, options: DiscoveryOptions) -> Discovery:
    """The dump named by ``--input``, or a fresh discovery of this host."""
    if args.input:
        return read_dump(args.input)
    return discover(options)


def is_live(args: argparse.Namespace) -> bool:
    return not args.input


def run(prog: str, body: Callable[[], str]) -> int:
    """Run a tool's body; print what it returns; map errors to messages and exit codes."""
    try:
        text = body()
    except Failure as exc:
        return _fail(prog, str(exc), exc.status)
    except WireFormatError as exc:
        return _fail(prog, f"cannot read the dump: {exc}", EXIT_BAD_INPUT)
    except (UnknownProcessError, UnknownNamespaceError) as exc:
        return _fail(prog, str(exc), EXIT_NOT_FOUND)
    except ParseError as exc:
        return _fail(prog, str(exc), EXIT_USAGE)
    except ScanError as exc:
        return _fail(prog, f"cannot discover: {exc}", EXIT_NO_DISCOVERY)
    except LxknsError as exc:
        return _fail(prog, str(exc), EXIT_NO_DISCOVERY)
    try:
        if text:
            sys.stdout.write(text + "\n")
        sys.stdout.flush()
    except BrokenPipeError:  # piped into head: not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    return EXIT_OK


def _fail(prog: str, message: str, status: int) -> int:
    print(f"{prog}: {message}", file=sys.stderr)
    return status
