"""The columns of the ``lxkns`` table, as lsns has them and what lxkns adds.

Each column turns a namespace into one value: a number, a text, a list of
texts (FOUND, CONTAINER) or None where there is nothing to show. The table
prints None as ``-`` (raw output: empty); ``-J`` keeps the values as they
are, so that jq sees numbers as numbers.
"""

from __future__ import annotations

import pwd
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeAlias

from ..model import HierarchicalNamespace, Namespace, Process

#: the value of one cell
Cell: TypeAlias = int | str | list[str] | None


class UserNames:
    """User names by UID, each looked up once."""

    def __init__(self) -> None:
        self._names: dict[int, str | None] = {}

    def name(self, uid: int | None) -> str | None:
        """The name of ``uid``; the number as text where it has none, None for None."""
        if uid is None:
            return None
        if uid not in self._names:
            try:
                self._names[uid] = pwd.getpwuid(uid).pw_name
            except KeyError:
                self._names[uid] = None
        return self._names[uid] if self._names[uid] is not None else str(uid)


@dataclass(frozen=True)
class Column:
    """One column: its name (as ``-o`` takes it), what it shows, and how it is read."""

    name: str
    help: str
    value: Callable[[Namespace, UserNames], Cell]
    right: bool = False  #: numbers are aligned to the right
    needs_credentials: bool = False  #: the discovery must read the processes' UIDs
    needs_containers: bool = False  #: the discovery must ask the container engines

    @property
    def key(self) -> str:
        """The column's key in ``-J`` rows."""
        return self.name.lower()


def _command(p: Process | None) -> str | None:
    """The full command line, as lsns shows it; the name in brackets when there is none
    (kernel threads, zombies, or a discovery without command lines)."""
    if p is None:
        return None
    if p.cmdline and any(p.cmdline):
        return " ".join(p.cmdline)
    return f"[{p.name}]" if p.name else None


def _parent(ns: Namespace) -> Namespace | None:
    return ns.parent if isinstance(ns, HierarchicalNamespace) else None


def _ns(ns: Namespace, _: UserNames) -> Cell:
    return ns.id.ino


def _type(ns: Namespace, _: UserNames) -> Cell:
    return ns.type.type_name


def _nprocs(ns: Namespace, _: UserNames) -> Cell:
    return len(ns.processes)


def _pid(ns: Namespace, _: UserNames) -> Cell:
    return ns.ealdorman.pid if ns.ealdorman is not None else None


def _ppid(ns: Namespace, _: UserNames) -> Cell:
    return ns.ealdorman.ppid if ns.ealdorman is not None else None


def _cmd(ns: Namespace, _: UserNames) -> Cell:
    return _command(ns.ealdorman)


def _uid(ns: Namespace, _: UserNames) -> Cell:
    return ns.ealdorman.euid if ns.ealdorman is not None else None


def _user(ns: Namespace, users: UserNames) -> Cell:
    return users.name(ns.ealdorman.euid) if ns.ealdorman is not None else None


def _pns(ns: Namespace, _: UserNames) -> Cell:
    parent = _parent(ns)
    return parent.id.ino if parent is not None else None


def _ons(ns: Namespace, _: UserNames) -> Cell:
    return ns.owner.id.ino if ns.owner is not None else None


def _parent_id(ns: Namespace, _: UserNames) -> Cell:
    parent = _parent(ns)
    return parent.type_id if parent is not None else None


def _owner(ns: Namespace, _: UserNames) -> Cell:
    return ns.owner.type_id if ns.owner is not None else None


def _found(ns: Namespace, _: UserNames) -> Cell:
    return sorted(s.value for s in ns.sources)


def _ref(ns: Namespace, _: UserNames) -> Cell:
    return ns.ref_text or None


def _cgroup(ns: Namespace, _: UserNames) -> Cell:
    return ns.ealdorman.cpu_cgroup or None if ns.ealdorman is not None else None


def _containers(ns: Namespace, _: UserNames) -> Cell:
    return list(ns.container_names()) or None


COLUMNS: Mapping[str, Column] = {c.name: c for c in (
    Column("NS", "namespace identifier (inode number)", _ns, right=True),
    Column("TYPE", "kind of namespace", _type),
    Column("NPROCS", "number of processes in the namespace", _nprocs, right=True),
    Column("PID", "the oldest process in the namespace (its ealdorman)", _pid, right=True),
    Column("PPID", "parent PID of that process", _ppid, right=True),
    Column("COMMAND", "command line of that process", _cmd),
    Column("UID", "effective UID of that process", _uid, right=True, needs_credentials=True),
    Column("USER", "user name of that UID", _user, needs_credentials=True),
    Column("PNS", "parent namespace identifier (PID and user namespaces)", _pns, right=True),
    Column("ONS", "owner namespace identifier (the owning user namespace)", _ons, right=True),
    Column("PARENT", "parent namespace, as type:[inode]", _parent_id),
    Column("OWNER", "owning user namespace, as user:[inode]", _owner),
    Column("FOUND", "where lxkns found it: proc, children, task, fd, socket, bind, parent, owner", _found),
    Column("REF", "where it can be opened: /proc/PID/ns/TYPE, a bind mount, an fd, ...", _ref),
    Column("CGROUP", "CPU cgroup of the oldest process", _cgroup),
    Column("CONTAINER", "containers whose initial process is in it", _containers, needs_containers=True),
)}

DEFAULT = ("NS", "TYPE", "NPROCS", "PID", "USER", "FOUND", "COMMAND")


def parse_columns(spec: Sequence[str]) -> list[Column]:
    """Columns from ``-o`` values: comma lists of names (any case); a list starting with
    ``+`` adds to the default columns. ValueError names an unknown column."""
    names: list[str] = []
    for part in spec:
        if part.startswith("+"):
            names = names or list(DEFAULT)
            part = part[1:]
        names += [n.strip().upper() for n in part.split(",") if n.strip()]
    unknown = [n for n in names if n not in COLUMNS]
    if unknown:
        raise ValueError(f"unknown column: {unknown[0]}")
    return [COLUMNS[n] for n in names]


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def text(value: Cell) -> str:
    """A value as the table shows it: control characters (a newline in a command line)
    as ``\\xHH``, so that each namespace stays on one line."""
    if value is None:
        return "-"
    if isinstance(value, list):
        return ",".join(text(v) for v in value) or "-"
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", str(value))


def help_text() -> str:
    """The list of columns for ``--help``, as util-linux tools show it."""
    width = max(len(n) for n in COLUMNS)
    lines = ["Available output columns:"]
    lines += [f"  {c.name.rjust(width)}  {c.help}" for c in COLUMNS.values()]
    lines.append(f"Default: {','.join(DEFAULT)}; -o +COLUMNS adds to them.")
    return "\n".join(lines)
