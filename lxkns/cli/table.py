"""Tables as the util-linux tools print them: aligned (numbers to the right), raw, or
fitted to the terminal by cutting the last column."""

from __future__ import annotations

import re
from collections.abc import Sequence

_UNSAFE = re.compile(r"[\s\\\x00-\x1f\x7f]")


def format_table(rows: Sequence[Sequence[str]], *, right: Sequence[bool] = (), width: int | None = None,
                 header: bool = True) -> str:
    """Rows (the first one the header, if ``header``) as aligned text, two blanks between
    columns; columns marked in ``right`` aligned to the right. With ``width``, the last
    column is cut (and marked with ``…``) so that lines fit, rather than wrap."""
    if not rows:
        return ""
    ncols = len(rows[0])
    widths = [max(len(r[i]) for r in rows) for i in range(ncols)]
    flags = [i < len(right) and right[i] for i in range(ncols)]
    room: int | None = None
    if width is not None:
        used = sum(widths[:-1]) + 2 * (ncols - 1)
        room = max(width - used, len(rows[0][-1]) if header else 1, 1)
    lines = []
    for r in rows:
        cells = [c.rjust(w) if f else c.ljust(w) for c, w, f in zip(r[:-1], widths, flags, strict=False)]
        last = r[-1]
        if room is not None and len(last) > room:
            last = last[: room - 1] + "…"
        elif flags[-1]:
            last = last.rjust(widths[-1])
        lines.append("  ".join([*cells, last]).rstrip())
    return "\n".join(lines)


def raw_cell(text: str) -> str:
    """A cell of a raw table: blanks, backslashes and control characters as ``\\xHH``
    (as lsns -r writes them), so that every line splits on blanks into its columns."""
    return _UNSAFE.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)


def format_raw(rows: Sequence[Sequence[str]]) -> str:
    """Rows with one blank between cells, unaligned, cells escaped by :func:`raw_cell`."""
    return "\n".join(" ".join(raw_cell(c) for c in r) for r in rows)
