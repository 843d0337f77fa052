"""Record layouts of the native scanner, as cffi reports them from lxkns_native.h.

The C header is the one place a record layout is written. A :class:`Layout`
reads it from the compiled module's type information (``ffi.typeof``) and
unpacks whole record arrays into named tuples whose fields carry the C
names; an array field (``uint64_t ns[10]``) becomes one tuple-valued field.
"""

from __future__ import annotations

import struct
from collections import namedtuple
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

_CODES = {"int64_t": "q", "uint64_t": "Q"}
_R = TypeVar("_R")


class LayoutError(ImportError):
    """The compiled module has a record layout this module cannot read (a stale build)."""


class Layout:
    """One record type: its struct format and a named tuple type with its C field names."""

    def __init__(self, ffi: Any, ctype: str) -> None:
        t = ffi.typeof(ctype)
        fmt, offset = "=", 0
        names: list[str] = []
        groups: list[tuple[int, int]] = []
        for name, field in t.fields:
            ft = field.type
            count, item = (ft.length, ft.item.cname) if ft.kind == "array" else (1, ft.cname)
            code = _CODES.get(item)
            if code is None or field.offset != offset:
                raise LayoutError(f"lxkns._native: {ctype}.{name} is not a packed 64-bit field")
            fmt += code * count
            groups.append((len(names), count))
            names.append(name)
            offset += 8 * count
        self.struct = struct.Struct(fmt)
        self._at = {name: sum(c for _, c in groups[:i]) for i, name in enumerate(names)}
        if self.struct.size != ffi.sizeof(ctype):
            raise LayoutError(f"lxkns._native: {ctype} has padding this module cannot read")
        self.ctype = ctype
        self.names: tuple[str, ...] = tuple(names)
        self.type: Any = namedtuple(ctype.replace("struct ", "").title().replace("_", ""), names)  # type: ignore[misc]
        # (start, count) of every field in the flat unpacked tuple, if any field is an array
        self._slices = (tuple((sum(c for _, c in groups[:i]), c) for i, (_, c) in enumerate(groups))
                        if any(c != 1 for _, c in groups) else None)
        self._checked: set[object] = set()  # record types unpack_as found laid out as this

    @property
    def size(self) -> int:
        return self.struct.size

    def at(self, name: str) -> int:
        """Where a field starts in the flat tuples of :meth:`flat` (KeyError for no such field)."""
        return self._at[name]

    def flat(self, buf: Any) -> Iterator[tuple[int, ...]]:
        """The records of a buffer as flat tuples, for hot loops that pick fields by :meth:`at`."""
        return self.struct.iter_unpack(buf)

    def unpack_as(self, buf: Any, record: Callable[[Iterable[int]], _R]) -> Iterator[_R]:
        """The records of a buffer straight as ``record`` tuples (a NamedTuple's ``_make``):
        for record types whose fields are the C fields, in their order (checked once)."""
        owner = getattr(record, "__self__", None)
        if owner not in self._checked:
            if self._slices is not None or getattr(owner, "_fields", None) != self.names:
                raise LayoutError(f"lxkns._native: {self.ctype} is not laid out as {owner!r}")
            self._checked.add(owner)
        return map(record, self.struct.iter_unpack(buf))

    def unpack(self, buf: Any) -> Iterator[Any]:
        """The records of a buffer (a whole array of them), as named tuples."""
        make = self.type._make
        flat = self.struct.iter_unpack(buf)
        if self._slices is None:
            return map(make, flat)
        slices = self._slices
        return (make([r[s] if c == 1 else r[s:s + c] for s, c in slices]) for r in flat)


__all__ = ["Layout", "LayoutError"]
