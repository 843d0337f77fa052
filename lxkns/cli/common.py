"""What the tools share: their common options, getting a discovery (live or from a
dump), printing it and its diagnostics, and turning errors into messages and exit codes."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .._discovery import discover
from .._version import __version__
from ..errors import (
    LxknsError,
    ParseError,
    ScanError,
    UnknownNamespaceError,
    UnknownProcessError,
    WireFormatError,
)
from ..model import Diagnostic, Discovery, DiscoveryOptions
from . import EXIT_BAD_INPUT, EXIT_NO_DISCOVERY, EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, Failure
from .dumps import read_dump
from .names import CGROUP_MODES, PROC_MODES, Naming
from .style import COLOR_MODES, THEMES, Styler, wants_color
from .tree import STYLES, Node, TreeStyle, render, to_data

TREE_LEGEND = """\
Trees: "├─ " and "└─ " lead to a child ("└─ " to the last one), "│  " continues the
lines of children further down, "⋄─ " marks a property of the node above (what it
owns, capabilities). With --treestyle ascii: "+- ", "\\- ", "|  " and "o- "."""


def parser(prog: str, description: str, *, tree: bool = True, views: bool = True,
           legend: str = "") -> argparse.ArgumentParser:
    """An argument parser with the options every tool has (-i, --procfs, -q, -V), the
    options of tools that show things (``views``: --json, --proc, --cgroup), and those of
    tree tools (``tree``); their ``--help`` ends with the legend of the tree symbols and
    ``legend``."""
    epilog = "\n\n".join(part for part in (TREE_LEGEND if tree else "", legend) if part)
    ap = argparse.ArgumentParser(prog=prog, description=description, epilog=epilog or None,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.man_short_description = description.rstrip(".").lower()  # type: ignore[attr-defined]  # the NAME line
    ap.add_argument("-i", "--input", metavar="FILE",
                    help="read a JSON dump of a discovery (dumpns, lxkns) instead of discovering; - is stdin")
    ap.add_argument("--procfs", default="/proc", metavar="DIR", help="procfs root to read (default /proc)")
    ap.add_argument("-q", "--quiet", action="store_true",
                    help="no diagnostics (what the discovery could not see) on standard error")
    ap.add_argument("-V", "--version", action="version", version=f"%(prog)s from lxkns {__version__}")
    if views:
        ap.add_argument("--json", action="store_true", help="print the result as JSON")
        ap.add_argument("--proc", choices=PROC_MODES, default="name",
                        help="show processes by name (comm), basename (of the program) or exe (as started)")
        ap.add_argument("--cgroup", choices=CGROUP_MODES, default="short",
                        help="show cgroup paths in full, or with container IDs shortened")
    if tree:
        ap.add_argument("-c", "--color", metavar="MODE", default="auto", choices=sorted(COLOR_MODES),
                        help="colours: always, auto (on a terminal, unless NO_COLOR is set) or never; "
                             "-c alone (or --color without a mode) means always")
        ap.add_argument("--theme", choices=sorted(THEMES), default="dark", help="colour theme")
        ap.add_argument("--treestyle", choices=sorted(STYLES), default="line",
                        help="draw trees with line characters or ASCII")
    return ap


def parse(ap: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse arguments. ``-c`` alone means ``--color=always`` and never takes the next
    argument as its value (``nscaps -c net:[...]``); ``--color MODE`` takes a colour mode
    that follows, and means always without one."""
    args = list(sys.argv[1:] if argv is None else argv)
    if "--" in args:
        cut = args.index("--")
        head, tail = args[:cut], args[cut:]
    else:
        head, tail = args, []
    out: list[str] = []
    i = 0
    while i < len(head):
        a = head[i]
        if a == "--color" and i + 1 < len(head) and head[i + 1] in COLOR_MODES:
            out.append(f"--color={head[i + 1]}")
            i += 2
            continue
        out.append("--color=always" if a in ("-c", "--color") else a)
        i += 1
    return ap.parse_args(out + tail)


@dataclass
class Output:
    """How to print: naming, tree drawing, colours."""

    naming: Naming
    style: TreeStyle
    styler: Styler
    json: bool

    def tree(self, roots: list[Node]) -> str:
        """The trees as text, or as JSON with ``--json``."""
        if self.json:
            return json.dumps(to_data(roots), indent=2)
        return render(roots, self.style, self.styler)


def output(args: argparse.Namespace) -> Output:
    """How to print, as the options say."""
    color = getattr(args, "color", "never")
    return Output(
        naming=Naming(proc=args.proc, cgroup=args.cgroup),
        style=STYLES[getattr(args, "treestyle", "line")],
        styler=Styler(enabled=not getattr(args, "json", False) and wants_color(color, sys.stdout),
                      theme=getattr(args, "theme", "dark")),
        json=getattr(args, "json", False),
    )


def read(args: argparse.Namespace) -> Discovery:
    """The dump named by ``--input``; kept in ``args`` for :func:`run` to report on."""
    d = read_dump(args.input)
    args.lxkns_discovery = d
    return d


def discovery(args: argparse.Namespace, options: DiscoveryOptions) -> Discovery:
    """The dump named by ``--input``, or a fresh discovery of this host (or of the
    ``--procfs`` tree); kept in ``args`` for :func:`run` to print its diagnostics."""
    if args.input:
        return read(args)
    d = discover(options, procfs_root=getattr(args, "procfs", "/proc"))
    args.lxkns_discovery = d
    return d


def is_live(args: argparse.Namespace) -> bool:
    """Whether the tool discovers this host (rather than reading a dump)."""
    return not args.input


def diagnostic_line(prog: str, diag: Diagnostic, *, dump: bool = False) -> str:
    """One diagnostic as the tools print it on standard error (``dump``: one of the
    discovery a dump holds, made elsewhere)."""
    examples = f" (e.g. {', '.join(diag.examples[:2])})" if diag.examples else ""
    return f"{prog}: {'in the dump: ' if dump else ''}{diag}{examples}"


def run(prog: str, body: Callable[[], str], args: argparse.Namespace | None = None) -> int:
    """Run a tool's body; print what it returns, then (unless ``--quiet``) the diagnostics
    of the discovery it used; map errors to messages and exit codes."""
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
    found = getattr(args, "lxkns_discovery", None) if args is not None else None
    if isinstance(found, Discovery) and not getattr(args, "quiet", False):
        dump = bool(getattr(args, "input", None))
        for diag in found.diagnostics:
            print(diagnostic_line(prog, diag, dump=dump), file=sys.stderr)
    return EXIT_OK


def _fail(prog: str, message: str, status: int) -> int:
    print(f"{prog}: {message}", file=sys.stderr)
    return status
