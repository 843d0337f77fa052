"""Namespace types, IDs, references and the sources a namespace can be found in."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator

import attrs

from .._nstext import TYPE_NAMES, parse_nslink
from ..errors import ParseError


class NamespaceType(enum.IntFlag):
    """The Linux namespace types; values are the kernel's CLONE_NEW* flags.

    A single member names one type; members can be or-ed into a mask where a
    set of types is wanted (``lxkns.NET | lxkns.USER``). ``str()`` of a
    single type is its short name (``"net"``), as the kernel writes it.
    """

    MNT = 0x00020000
    CGROUP = 0x02000000
    UTS = 0x04000000
    IPC = 0x08000000
    USER = 0x10000000
    PID = 0x20000000
    NET = 0x40000000
    TIME = 0x00000080

    @property
    def type_name(self) -> str:
        """Short name of a single type: ``mnt``, ``net``, ..."""
        name = _NAMES.get(int(self))
        if name is None:
            raise ValueError(f"{int(self):#x} is not a single namespace type")
        return name

    def __str__(self) -> str:
        name = _NAMES.get(int(self))
        return name if name is not None else "|".join(t.type_name for t in self.members())

    @classmethod
    def from_name(cls, name: str) -> NamespaceType:
        """The type of a short name (``"net"``); ParseError for anything else."""
        try:
            return _BY_NAME[name]
        except (KeyError, TypeError):
            raise ParseError("namespace type", str(name), "unknown namespace type") from None

    @classmethod
    def all(cls) -> NamespaceType:
        """The mask of all eight types."""
        return ALL_TYPES

    def members(self) -> tuple[NamespaceType, ...]:
        """The single types in this mask, in lexical order of their names."""
        return tuple(t for t in LEXICAL_ORDER if int(self) & int(t))


#: all eight types in lexical order of their names (the display order)
LEXICAL_ORDER: tuple[NamespaceType, ...] = (
    NamespaceType.CGROUP, NamespaceType.IPC, NamespaceType.MNT, NamespaceType.NET,
    NamespaceType.PID, NamespaceType.TIME, NamespaceType.USER, NamespaceType.UTS,
)
_NAMES: dict[int, str] = {int(t): n for t, n in zip(LEXICAL_ORDER, TYPE_NAMES, strict=True)}
_BY_NAME: dict[str, NamespaceType] = {n: t for t, n in zip(LEXICAL_ORDER, TYPE_NAMES, strict=True)}
ALL_TYPES = NamespaceType(sum(int(t) for t in LEXICAL_ORDER))


def types_of(types: NamespaceType | int | str | Iterable[NamespaceType | str]) -> NamespaceType:
    """A type mask from a mask (or its int value), from type names (``"net,user"``), or
    from an iterable of types or type names. ParseError for unknown names or bits."""
    if isinstance(types, NamespaceType):
        return types
    if isinstance(types, int):
        if types & ~int(ALL_TYPES) or types < 0:
            raise ParseError("namespace type mask", hex(types), "not a mask of namespace types")
        return NamespaceType(types)
    if isinstance(types, str):
        types = [name.strip() for name in types.split(",") if name.strip()]
    mask = 0
    for t in types:
        mask |= int(NamespaceType.from_name(t) if isinstance(t, str) else NamespaceType(t))
    return NamespaceType(mask)


@attrs.frozen(order=True)
class NamespaceID:
    """A namespace's identity in one snapshot: the nsfs device and inode number.

    Inode numbers are reused once a namespace is gone, so an ID identifies a
    namespace only within one discovery.
    """

    dev: int
    ino: int

    def __str__(self) -> str:
        return f"NamespaceID({self.dev},{self.ino})"


class Source(enum.Enum):
    """Where a namespace was found; a namespace may be found in several places."""

    PROCESS = "proc"
    FOR_CHILDREN = "children"
    TASK = "task"
    FD = "fd"
    SOCKET = "socket"
    BINDMOUNT = "bind"
    PARENT = "parent"
    OWNER = "owner"

    def __str__(self) -> str:
        return self.value


#: A reference to a namespace: paths that lead to it. One element for a
#: /proc link or fd; several for a bind mount inside another mount
#: namespace: the first opens a mount namespace, each further one is valid
#: inside the previous mount namespace, the last is the namespace's file.
NamespaceRef = tuple[str, ...]

REF_SEPARATOR = " » "


def ref_text(ref: NamespaceRef) -> str:
    """A reference as one line of text, elements joined by ``»``."""
    return REF_SEPARATOR.join(ref)


def parse_type_id(text: str) -> tuple[NamespaceType, int]:
    """``"net:[4026531833]"`` -> (NET, 4026531833); ParseError if malformed."""
    link, ino = parse_nslink(text)
    return LEXICAL_ORDER[link], ino


def type_of_index(index: int) -> NamespaceType:
    """The type of a lexical type index (0 = cgroup ... 7 = uts)."""
    return LEXICAL_ORDER[index]


def iter_types(mask: NamespaceType) -> Iterator[NamespaceType]:
    """The single types in a type mask, in lexical order of their names."""
    yield from mask.members()
