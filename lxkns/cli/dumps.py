"""Reading a discovery from a JSON dump: a file, or standard input for ``-``."""

from __future__ import annotations

import sys

from ..model import Discovery
from ..wire import from_json
from . import EXIT_BAD_INPUT, Failure


def read_dump(name: str) -> Discovery:
    """The discovery in the dump ``name``; WireFormatError if it is malformed, Failure if
    it cannot be read."""
    if name == "-":
        data = sys.stdin.buffer.read()
    else:
        try:
            with open(name, "rb") as f:
                data = f.read()
        except OSError as exc:
            raise Failure(f"cannot read the dump {name}: {exc.strerror or exc}", EXIT_BAD_INPUT) from None
    return from_json(data)
