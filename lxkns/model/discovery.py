"""The result of one discovery: an immutable graph of namespaces and processes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any, overload

import attrs

from ..errors import UnknownContainerError, UnknownNamespaceError, UnknownProcessError
from . import codec, rendering
from .containers import Container, ContainerEngine, ContainerGroup
from .diagnostics import Diagnostic
from .mounts import MountPath
from .namespaces import HierarchicalNamespace, Namespace, UserNamespace
from .options import DiscoveryOptions
from .pidmap import PIDMap
from .processes import Process, Task
from .types import LEXICAL_ORDER, NamespaceID, NamespaceType, parse_type_id

_EMPTY: Mapping[NamespaceID, Namespace] = MappingProxyType({})


@attrs.frozen(eq=False, repr=False, kw_only=True)
class Discovery(rendering.Viewable):
    """Everything one discovery found, linked into one graph.

    ``namespaces[t]`` maps IDs to the namespaces of type ``t``;
    ``processes`` maps PIDs to processes; ``initial_namespaces`` holds the
    namespaces of the kernel's own threads (the host's), where visible;
    ``user_roots`` and ``pid_roots`` are the namespaces of those types
    without a (visible) parent; ``socket_processes`` maps socket inodes to
    the PIDs holding them; ``mounts`` maps the ID of each mount namespace
    whose mount table was read to its mount paths (``with_mounts``);
    ``diagnostics`` says what could not be seen. ``containers``,
    ``container_engines`` (engines without containers included) and
    ``container_groups`` are filled when ``with_containers`` is on.
    """

    options: DiscoveryOptions
    namespaces: Mapping[NamespaceType, Mapping[NamespaceID, Namespace]]
    processes: Mapping[int, Process]
    initial_namespaces: Mapping[NamespaceType, Namespace]
    user_roots: tuple[UserNamespace, ...] = ()
    pid_roots: tuple[HierarchicalNamespace, ...] = ()
    pid_map: PIDMap | None = None
    socket_processes: Mapping[int, tuple[int, ...]] = MappingProxyType({})
    mounts: Mapping[NamespaceID, Mapping[str, MountPath]] = MappingProxyType({})
    diagnostics: tuple[Diagnostic, ...] = ()
    containers: tuple[Container, ...] = ()
    container_engines: tuple[ContainerEngine, ...] = ()
    container_groups: tuple[ContainerGroup, ...] = ()
    online_cpus: tuple[tuple[int, int], ...] = ()
    nsfs_dev: int = 0
    scanner: str = ""
    procfs_root: str = "/proc"

    # ------------------------------------------------------------ lookups

    def process(self, pid: int) -> Process:
        """The process with this PID; UnknownProcessError if there is none."""
        try:
            return self.processes[pid]
        except KeyError:
            raise UnknownProcessError(f"no process with PID {pid} in this discovery") from None

    def task(self, tid: int) -> Task:
        """The thread with this TID (main threads included)."""
        proc = self.processes.get(tid)
        if proc is not None:
            for t in proc.tasks:
                if t.tid == tid:
                    return t
        for proc in self.processes.values():
            for t in proc.tasks:
                if t.tid == tid:
                    return t
        raise UnknownProcessError(f"no thread with TID {tid} in this discovery")

    def container(self, which: str) -> Container:
        """A container by ID, unique ID prefix, or name (UnknownContainerError if none
        or several match)."""
        for c in self.containers:
            if c.id == which:
                return c
        found = [c for c in self.containers if c.name == which]
        if not found and len(which) >= 4:
            found = [c for c in self.containers if c.id.startswith(which)]
        if len(found) == 1:
            return found[0]
        what = "several containers match" if found else "no container matches"
        raise UnknownContainerError(f"{what} {which!r} in this discovery")

    @overload
    def namespace(self, which: str) -> Namespace: ...
    @overload
    def namespace(self, which: NamespaceID | int, type: NamespaceType) -> Namespace: ...

    def namespace(self, which: str | NamespaceID | int, type: NamespaceType | None = None) -> Namespace:
        """A namespace by ``"net:[4026531833]"``, or by ID or inode and type.

        ParseError for malformed text, UnknownNamespaceError if not found.
        """
        if isinstance(which, str):
            type, ino = parse_type_id(which)
        elif type is None:
            raise TypeError("namespace(id) needs the namespace type")
        elif isinstance(which, NamespaceID):
            found = self.namespaces.get(type, _EMPTY).get(which)
            if found is None:
                raise UnknownNamespaceError(f"no namespace {type.type_name} {which} in this discovery")
            return found
        else:
            ino = int(which)
        # text forms and bare inodes carry no device: all namespaces share the nsfs one
        ns = self.namespaces.get(type, _EMPTY).get(NamespaceID(self.nsfs_dev, ino))
        if ns is None:
            for candidate in self.namespaces.get(type, _EMPTY).values():
                if candidate.id.ino == ino:
                    return candidate
            raise UnknownNamespaceError(f"no namespace {type.type_name}:[{ino}] in this discovery")
        return ns

    def all_namespaces(self) -> Iterator[Namespace]:
        """Every namespace, by type name, then inode."""
        for t in LEXICAL_ORDER:
            yield from sorted(self.namespaces.get(t, _EMPTY).values(), key=lambda ns: ns.id.ino)

    @property
    def user_namespaces(self) -> Mapping[NamespaceID, UserNamespace]:
        return self.namespaces.get(NamespaceType.USER, _EMPTY)  # type: ignore[return-value]

    @property
    def pid_namespaces(self) -> Mapping[NamespaceID, HierarchicalNamespace]:
        return self.namespaces.get(NamespaceType.PID, _EMPTY)  # type: ignore[return-value]

    def __len__(self) -> int:
        return sum(len(m) for m in self.namespaces.values())

    # ------------------------------------------------------------ wire format

    def to_dict(self) -> dict[str, Any]:
        """This discovery as plain JSON-able data in the lxkns wire format."""
        return codec.codec().to_dict(self)

    def to_json(self, *, indent: int | str | None = None, compact: bool = False) -> str:
        """This discovery as lxkns JSON text, keys sorted (see :mod:`lxkns.wire`)."""
        return codec.codec().to_json(self, indent=indent, compact=compact)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Discovery:
        """A discovery rebuilt from wire-format data; WireFormatError if it is malformed."""
        return codec.codec().from_dict(data)

    @classmethod
    def from_json(cls, text: str | bytes) -> Discovery:
        """A discovery rebuilt from lxkns JSON text (ours or the Go lxkns');
        WireFormatError if it is malformed."""
        return codec.codec().from_json(text)

    # ------------------------------------------------------------ exports (lxkns.views)

    def to_networkx(self) -> Any:
        """This discovery as a ``networkx.MultiDiGraph`` (needs the ``networkx`` extra).

        Nodes are the model objects (namespaces, processes, containers,
        engines) with a ``kind`` attribute; edges point the way the model's
        links do and say which link they are in their ``kind``: ``parent``,
        ``owner``, ``member`` (process to namespace), ``holder`` (process to a
        namespace it keeps open), ``container`` (process to the container it
        is the initial process of) and ``engine`` (container to engine).
        """
        return rendering.renderer().networkx(self)

    def namespace_records(self) -> list[rendering.Record]:
        """One plain row per namespace, for ``pandas.DataFrame.from_records``."""
        return rendering.renderer().records(self, "namespaces")

    def process_records(self) -> list[rendering.Record]:
        """One plain row per process, with the inode of each of its namespaces."""
        return rendering.renderer().records(self, "processes")

    def mount_records(self) -> list[rendering.Record]:
        """One plain row per mount of every mount table read."""
        return rendering.renderer().records(self, "mounts")

    def container_records(self) -> list[rendering.Record]:
        """One plain row per container."""
        return rendering.renderer().records(self, "containers")

    def __repr__(self) -> str:
        return (f"<Discovery {len(self)} namespaces, {len(self.processes)} processes, "
                f"{len(self.diagnostics)} diagnostics>")
