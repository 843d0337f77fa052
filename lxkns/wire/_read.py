"""Checked reading of JSON values: each helper returns a typed value or raises
WireFormatError naming the JSON path of the offending value.

A path is a tuple of object keys and list indices; helpers take the path of
the value they check, so callers build paths only for values they descend
into.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NoReturn, TypeVar

from ..errors import WireFormatError
from ..model import NamespaceType

Path = tuple[str | int, ...]
T = TypeVar("T")
D = TypeVar("D")

INT64_MAX = (1 << 63) - 1
UINT64_MAX = (1 << 64) - 1
INT32_MAX = (1 << 31) - 1
UINT32_MAX = (1 << 32) - 1


def fail(path: Path, reason: str) -> NoReturn:
    raise WireFormatError(path, reason)


def describe(value: Any) -> str:
    """What a JSON value is, for messages: ``a string``, ``null``, ..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a fractional number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def obj(value: Any, path: Path) -> Mapping[str, Any]:
    if type(value) is not dict:
        fail(path, f"expected an object, not {describe(value)}")
    return value


def array(value: Any, path: Path) -> list[Any]:
    if type(value) is not list:
        fail(path, f"expected an array, not {describe(value)}")
    return value


def integer(value: Any, path: Path, lo: int = -INT64_MAX - 1, hi: int = INT64_MAX) -> int:
    if type(value) is not int:
        fail(path, f"expected an integer, not {describe(value)}")
    if not lo <= value <= hi:
        fail(path, f"{value} is out of range ({lo}..{hi})")
    return value


def positive(value: Any, path: Path, what: str = "value") -> int:
    """A PID, TID or inode number: an integer of at least 1."""
    if type(value) is not int:
        fail(path, f"expected an integer, not {describe(value)}")
    if not 0 < value <= UINT64_MAX:
        fail(path, f"{what} must be positive, not {value}")
    return value


def string(value: Any, path: Path) -> str:
    if type(value) is not str:
        fail(path, f"expected a string, not {describe(value)}")
    return value


def boolean(value: Any, path: Path) -> bool:
    if type(value) is not bool:
        fail(path, f"expected true or false, not {describe(value)}")
    return value


def strings(value: Any, path: Path) -> tuple[str, ...]:
    items = array(value, path)
    for i, item in enumerate(items):
        if type(item) is not str:
            fail((*path, i), f"expected a string, not {describe(item)}")
    return tuple(items)


def positives(value: Any, path: Path, what: str) -> list[int]:
    items = array(value, path)
    for i, item in enumerate(items):
        if type(item) is not int or not 0 < item <= UINT64_MAX:
            positive(item, (*path, i), what)
    return items


def decimal_key(key: str, path: Path, what: str) -> int:
    """An object key that is a PID or an inode number in decimal."""
    if not (key.isdigit() and key.isascii()) or key[0] == "0" or len(key) > 20:
        fail(path, f"expected a {what} in decimal as key")
    value = int(key)
    if value > UINT64_MAX:
        fail(path, f"{what} {key} is out of range")
    return value


_TYPES = {t.type_name: t for t in NamespaceType.all().members()}


def namespace_type(value: Any, path: Path) -> NamespaceType:
    t = _TYPES.get(value) if type(value) is str else None
    if t is None:
        fail(path, f"unknown namespace type {string(value, path)!r}")
    return t


def cpu_list(value: Any, path: Path) -> tuple[tuple[int, int], ...]:
    """``[[0, 3], [5, 5]]``: inclusive ranges of CPU numbers."""
    ranges = []
    for i, item in enumerate(array(value, path)):
        pair = array(item, (*path, i))
        if len(pair) != 2:
            fail((*path, i), "expected a [from, to] pair")
        lo = integer(pair[0], (*path, i, 0), 0, UINT32_MAX)
        hi = integer(pair[1], (*path, i, 1), 0, UINT32_MAX)
        if hi < lo:
            fail((*path, i), "range runs backwards")
        ranges.append((lo, hi))
    return tuple(ranges)


def optional(o: Mapping[str, Any], key: str, path: Path, read: Callable[[Any, Path], T],
             default: D) -> T | D:
    """``o[key]`` checked by ``read``; ``default`` if the key is missing or null."""
    value = o.get(key)
    if value is None:
        return default
    return read(value, (*path, key))


def required(o: Mapping[str, Any], key: str, path: Path, read: Callable[[Any, Path], T]) -> T:
    if key not in o:
        fail(path, f"missing {key!r}")
    return read(o[key], (*path, key))
