"""dumpns: the discovery of this host as JSON, in the lxkns wire format.

It discovers everything (the FULL preset, with credentials, so that nscaps
can work on the dump elsewhere). ``--compact`` writes one line, ``--indent``
and ``--tab`` choose the indentation; ``-i`` reads a dump instead, so a
dump of the Go lxkns can be turned into one of ours.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from ..model import FULL
from ..wire import to_json
from . import common


def parser() -> argparse.ArgumentParser:
    """The argument parser of ``dumpns`` (also what its man page is made from)."""
    ap = common.parser("dumpns", "Print the discovery of this host as JSON.", tree=False, views=False)
    ap.add_argument("--compact", action="store_true", help="one line, no blanks")
    ap.add_argument("--indent", type=int, default=2, metavar="N", choices=range(9),
                    help="indent by N spaces (0-8, default 2)")
    ap.add_argument("-t", "--tab", action="store_true", help="indent by tabs")
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    """The ``dumpns`` command; returns the exit status."""
    ap = parser()
    args = common.parse(ap, argv)

    def body() -> str:
        d = common.discovery(args, FULL.replace(with_credentials=True))
        indent: int | str = "\t" if args.tab else args.indent
        return to_json(d, indent=indent, compact=args.compact)

    return common.run("dumpns", body, args)


if __name__ == "__main__":
    raise SystemExit(main())
