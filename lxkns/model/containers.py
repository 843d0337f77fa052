"""Containers, the engines that manage them, and groups of containers.

A container is tied to its *initial* process (``Container.process``;
``Process.container`` points back), and through it to its namespaces.
Engines may themselves run inside containers ("turtles"): an engine's
``container`` is the container it runs in, and a container's ``enclosing``
lists the chain of containers around it, outermost first.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

import attrs

from .rendering import Viewable
from .types import NamespaceType

if TYPE_CHECKING:
    from .namespaces import Namespace
    from .processes import Process

_NO_LABELS: Mapping[str, str] = MappingProxyType({})


def _frozen_labels(labels: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(labels))


@attrs.frozen(eq=False, repr=False, kw_only=True)
class ContainerEngine(Viewable):
    """A container engine instance (Docker, containerd, a CRI runtime, podman).

    ``type`` is one of ``docker.com``, ``containerd.io``, ``k8s.io/cri-api``,
    ``podman.io``; ``id`` the engine's own instance ID where it has one, else
    its API endpoint; ``api`` the endpoint it was asked at (``unix://...``,
    through ``/proc/PID/root`` for an engine that sees another file system);
    ``pid`` its process in our PID namespace (0 if unknown). Engines without
    containers are included.
    """

    id: str
    type: str
    version: str
    api: str
    pid: int = 0
    labels: Mapping[str, str] = attrs.field(default=_NO_LABELS, converter=_frozen_labels)
    containers: tuple[Container, ...] = ()
    process: Process | None = None
    container: Container | None = None  #: the container this engine runs in, if any

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.type, self.id, self.api)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ContainerEngine):
            return NotImplemented
        return self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __repr__(self) -> str:
        return f"<ContainerEngine {self.type} {self.version} {self.api} pid {self.pid}>"


@attrs.frozen(eq=False, repr=False, kw_only=True)
class ContainerGroup(Viewable):
    """Related containers: a compose project, a Kubernetes pod, ...

    ``type`` says what kind of group (``com.docker.compose.project``,
    ``io.kubernetes.pod``); ``flavor`` may refine it.
    """

    name: str
    type: str
    flavor: str
    labels: Mapping[str, str] = attrs.field(default=_NO_LABELS, converter=_frozen_labels)
    containers: tuple[Container, ...] = ()

    def __repr__(self) -> str:
        return f"<ContainerGroup {self.type} {self.name!r} of {len(self.containers)}>"


@attrs.frozen(eq=False, repr=False, kw_only=True)
class Container(Viewable):
    """An alive (running or paused) container.

    ``pid`` is its initial process in our PID namespace (translated when
    the engine sits in another one; 0 if that failed); ``process`` that
    process, when the discovery saw it. ``type`` is the engine's type,
    ``flavor`` what decorators made of it (a Docker plugin, ...).
    """

    id: str
    name: str
    type: str
    flavor: str
    pid: int
    paused: bool = False
    labels: Mapping[str, str] = attrs.field(default=_NO_LABELS, converter=_frozen_labels)
    engine: ContainerEngine | None = None
    groups: tuple[ContainerGroup, ...] = ()
    process: Process | None = None

    @property
    def namespaces(self) -> Mapping[NamespaceType, Namespace]:
        """The namespaces of its initial process (empty if that was not seen)."""
        return self.process.namespaces if self.process is not None else MappingProxyType({})

    @property
    def enclosing(self) -> tuple[Container, ...]:
        """The containers this one runs inside (through its engine), outermost first."""
        chain: list[Container] = []
        outer = self.engine.container if self.engine is not None else None
        while outer is not None and outer not in chain and outer is not self:
            chain.append(outer)
            outer = outer.engine.container if outer.engine is not None else None
        return tuple(reversed(chain))

    @property
    def path(self) -> str:
        """Names of the enclosing containers and this one, joined by ``/``."""
        return "/".join([c.name for c in self.enclosing] + [self.name])

    def group(self, type: str) -> ContainerGroup | None:
        """Its group of a type (or flavor), if any."""
        for g in self.groups:
            if g.type == type or g.flavor == type:
                return g
        return None

    def walk_processes(self) -> Iterator[Process]:
        """Its initial process and that process' descendants."""
        if self.process is not None:
            yield from self.process.walk()

    @property
    def key(self) -> tuple[str, str, str, str]:
        """Engine type and ID, container ID and name (one containerd may have containers
        of the same ID in several of its namespaces; their names tell them apart)."""
        return (self.engine.type if self.engine else self.type,
                self.engine.id if self.engine else "", self.id, self.name)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Container):
            return NotImplemented
        return self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __repr__(self) -> str:
        state = " paused" if self.paused else ""
        return f"<Container {self.type} {self.name!r} pid {self.pid}{state}>"
