"""The text form of a namespace, ``net:[4026531840]``: its type names and its parser.

The kernel writes namespaces this way in ``/proc/PID/ns/*`` links and in
mountinfo; users and dumps name them this way too. Both the low-level layer
and the model read it, so it lives here, below both, knowing neither.
"""

from __future__ import annotations

from .errors import ParseError

#: the eight type names in lexical order; a type's index in this tuple is its "type index"
TYPE_NAMES: tuple[str, ...] = ("cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts")
_TYPE_INDEX = {name.encode(): i for i, name in enumerate(TYPE_NAMES)}
_DIGITS = frozenset(b"0123456789")


def parse_nslink(text: str | bytes) -> tuple[int, int]:
    """Parse ``net:[4026531840]`` into (type index, inode); exact form only (ParseError)."""
    data = text.encode("utf-8", "surrogateescape") if isinstance(text, str) else text
    colon = data.find(b":")
    t = _TYPE_INDEX.get(data[:colon]) if colon >= 0 else None
    if t is None:
        raise ParseError("namespace text", text, "unknown namespace type")
    rest = data[colon + 1 :]
    if len(rest) < 3 or rest[:1] != b"[" or rest[-1:] != b"]":
        raise ParseError("namespace text", text, "expected 'type:[inode]'")
    digits = rest[1:-1]
    if not all(c in _DIGITS for c in digits):
        raise ParseError("namespace text", text, "inode is not a decimal number")
    ino = int(digits)
    if not 0 < ino < 1 << 64:
        raise ParseError("namespace text", text, "inode out of range")
    return t, ino


__all__ = ["TYPE_NAMES", "parse_nslink"]
