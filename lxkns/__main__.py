"""``python3 -m lxkns``: the ``lxkns`` command (see :mod:`lxkns.cli.main`).

Started in a source checkout, ``./lxkns`` shadows any installed lxkns and
has no compiled scanner unless it was built in place: then the slow
pure-Python scanner would run without anyone asking for it. This says so
first, and what to run instead.
"""

from __future__ import annotations

import sys
from pathlib import Path

from . import native_available
from ._lowlevel import NATIVE_IMPORT_ERROR
from .cli.main import main


def source_checkout() -> Path | None:
    """The source checkout this package is imported from, if it is one."""
    top = Path(__file__).resolve().parent.parent
    return top if (top / "pyproject.toml").is_file() and (top / "_native").is_dir() else None


def checkout_note() -> str | None:
    """What to tell someone running the pure scanner from a checkout without asking for it."""
    top = source_checkout()
    if top is None or native_available():
        return None
    return (f"lxkns: note: running from the source checkout {top}, which has no compiled scanner "
            f"({NATIVE_IMPORT_ERROR}): the pure-Python scanner runs (slower, same results). "
            "Run the installed `lxkns` command instead, or build the scanner in place with "
            "`pip install -e .`.")


def run() -> int:
    """``lxkns`` after the note, if one is due (not when the pure scanner was asked for)."""
    note = checkout_note()
    if note is not None and "--python" not in sys.argv[1:]:
        print(note, file=sys.stderr)
    return main()


if __name__ == "__main__":
    sys.exit(run())
