"""The sections of the wire format and the state shared while a dump is read.

Each section owns some top-level keys of the JSON object: it writes them
from a Discovery and reads them into an Importer. Sections run in the order
they were registered; a section that arrives later (mounts, containers)
registers itself with :func:`register`, naming the section it must follow.
References between sections (a process naming a namespace, a namespace
naming its leaders) are checked after every section has been read, so that
the order of keys in a dump never matters.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .._discovery.importing import Importer
from ..model import STANDARD, Discovery, DiscoveryOptions, NamespaceType
from ._read import Path, fail


@dataclass(frozen=True)
class Section:
    """Some top-level keys: ``dump`` returns them for a discovery, ``load`` reads them."""

    name: str
    keys: tuple[str, ...]
    dump: Callable[[Discovery], dict[str, Any]]
    load: Callable[[Mapping[str, Any], LoadContext], None]


_SECTIONS: list[Section] = []


def register(section: Section, *, after: str | None = None) -> None:
    """Add (or replace) a section; ``after`` names the section it must follow."""
    for i, s in enumerate(_SECTIONS):
        if s.name == section.name:
            del _SECTIONS[i]
            break
    if after is None:
        _SECTIONS.append(section)
        return
    for i, s in enumerate(_SECTIONS):
        if s.name == after:
            _SECTIONS.insert(i + 1, section)
            return
    raise ValueError(f"no wire format section {after!r}")


def sections() -> tuple[Section, ...]:
    """The registered sections, in the order they are written and read."""
    return tuple(_SECTIONS)


def local_nsfs_dev() -> int:
    """The device of this host's nsfs, which IDs from dumps without one get (as in Go)."""
    try:
        return os.stat("/proc/self/ns/net").st_dev
    except OSError:
        return 0


_NOT_USER = tuple(t for t in NamespaceType.all().members() if t is not NamespaceType.USER)


@dataclass
class _Check:
    path: Path
    kind: str  # "ns", "proc", "task"
    value: int
    types: tuple[NamespaceType, ...] = ()


@dataclass
class LoadContext:
    """What the sections of one dump share while it is read."""

    doc: Mapping[str, Any]
    ours: bool = False  # written by lxkns for Python (it has "lxkns-schema")
    options: DiscoveryOptions = STANDARD
    nsfs_dev: int = 0
    scanner: str = ""
    procfs_root: str = "/proc"
    namespaces: dict[int, NamespaceType] = field(default_factory=dict)  # ino -> type
    pids: set[int] = field(default_factory=set)
    tids: set[int] = field(default_factory=set)  # threads other than main threads
    namespaces_complete: bool = False  # set once the namespaces section is read
    memo: dict[Any, Any] = field(default_factory=dict)  # for sections to remember checked values
    _importer: Importer | None = None
    _checks: list[_Check] = field(default_factory=list)

    @property
    def importer(self) -> Importer:
        """The importer, created when the meta and options sections are done."""
        if self._importer is None:
            self._importer = Importer(self.options, nsfs_dev=self.nsfs_dev, scanner=self.scanner,
                                      procfs_root=self.procfs_root)
        return self._importer

    def need_namespace(self, path: Path, ino: int, *types: NamespaceType) -> None:
        """``ino`` must be a namespace in the dump, of one of ``types`` (any if none);
        checked right away once all namespaces are known, else at the end."""
        if self.namespaces_complete:
            found = self.namespaces.get(ino)
            if found is not None and (not types or found in types):
                return
        self._checks.append(_Check(path, "ns", ino, types))

    def need_non_user_namespace(self, path: Path, ino: int) -> None:
        """Check, once everything is read, that ``ino`` names a namespace that is no user namespace."""
        self.need_namespace(path, ino, *_NOT_USER)

    def need_process(self, path: Path, pid: int) -> None:
        """Check, once everything is read, that process ``pid`` is in the dump."""
        self._checks.append(_Check(path, "proc", pid))

    def need_task(self, path: Path, tid: int) -> None:
        """Check, once everything is read, that task ``tid`` is in the dump."""
        self._checks.append(_Check(path, "task", tid))

    def check_references(self) -> None:
        """WireFormatError for the first reference to something the dump does not have."""
        for c in self._checks:
            if c.kind == "ns":
                found = self.namespaces.get(c.value)
                if found is not None and (not c.types or found in c.types):
                    continue
                wanted = "/".join(t.type_name for t in c.types) if 0 < len(c.types) < 4 else ""
                if found is None:
                    fail(c.path, f"dangling reference: no {wanted + ' ' if wanted else ''}"
                                 f"namespace {c.value} in the dump")
                if c.types and found not in c.types:
                    article = "an" if wanted[:1] in "aeiou" else "a"
                    fail(c.path, f"namespace {c.value} is a {found.type_name} namespace, "
                                 f"not {article} {wanted or 'non-user'} namespace")
            elif c.kind == "proc":
                if c.value not in self.pids:
                    fail(c.path, f"dangling reference: no process {c.value} in the dump")
            elif c.value not in self.tids:
                fail(c.path, f"dangling reference: no thread {c.value} (other than a main thread) "
                             "in the dump")
