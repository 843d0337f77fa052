"""Namespaces: plain ones, hierarchical ones (PID) and user namespaces.

Objects are frozen attrs instances. The links between them (owner, parent,
processes, ...) are set once, while the discovery that creates them is
being put together; afterwards nothing can be assigned. Equality and hash
go by (type, ID), so cycles in the graph never recurse.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

import attrs

from .rendering import Viewable
from .types import NamespaceID, NamespaceRef, NamespaceType, Source, ref_text

if TYPE_CHECKING:
    from .containers import Container
    from .processes import Process, Task

_EMPTY_OWNED: Mapping[NamespaceType, tuple[Namespace, ...]] = MappingProxyType({})


@attrs.frozen(eq=False, repr=False, kw_only=True)
class Namespace(Viewable):
    """A Linux namespace of any type.

    ``ref`` is the best way found to open it (empty for namespaces only
    reachable through NS_GET_PARENT or NS_GET_USERNS, or held only by a
    socket). ``leaders`` are the topmost processes in it (their parents are
    elsewhere); the ``ealdorman`` is the oldest leader. ``processes`` are
    all processes attached to it; ``loose_threads`` the threads attached to
    it while their process is attached to another namespace of this type;
    ``holders`` the processes keeping it open through an fd or (network
    namespaces) a socket, wherever they are attached themselves.

    ``id`` (nsfs device and inode) identifies a namespace within one
    discovery only: the kernel reuses an inode number as soon as its
    namespace is gone. ``stable_id`` is the kernel's own 64-bit namespace
    ID (ioctl NS_GET_ID, Linux 6.18 and later), which is never reused while
    the system runs: None where the kernel lacks it (a diagnostic says so),
    where the namespace could not be opened, or in a dump without it.
    Compare namespaces of two discoveries by :attr:`stable_key`.
    """

    id: NamespaceID
    type: NamespaceType
    stable_id: int | None = None
    ref: NamespaceRef = ()
    sources: frozenset[Source] = frozenset()
    owner: UserNamespace | None = None
    leaders: tuple[Process, ...] = ()
    ealdorman: Process | None = None
    processes: tuple[Process, ...] = ()
    loose_threads: tuple[Task, ...] = ()
    holders: tuple[Process, ...] = ()

    @property
    def ino(self) -> int:
        return self.id.ino

    @property
    def stable_key(self) -> tuple[int, int] | tuple[int, int, int]:
        """What identifies this namespace across discoveries: (type, stable ID) where the
        kernel gave one, else (type, device, inode), which holds only as long as the
        namespace lives (its inode may go to a new namespace afterwards)."""
        if self.stable_id is not None:
            return (int(self.type), self.stable_id)
        return (int(self.type), self.id.dev, self.id.ino)

    @property
    def type_id(self) -> str:
        """The kernel's text form, ``net:[4026531833]``."""
        return f"{self.type.type_name}:[{self.id.ino}]"

    @property
    def ref_text(self) -> str:
        return ref_text(self.ref)

    @property
    def leader_pids(self) -> tuple[int, ...]:
        return tuple(p.pid for p in self.leaders)

    @property
    def hidden(self) -> bool:
        """True for namespaces found only as a parent or owner of another one."""
        return not (self.sources - {Source.PARENT, Source.OWNER})

    def containers(self) -> tuple[Container, ...]:
        """The containers whose initial process is attached to this namespace."""
        return tuple(p.container for p in self.processes if p.container is not None)

    def container_names(self) -> tuple[str, ...]:
        """Names of :meth:`containers`, sorted."""
        return tuple(sorted(c.name for c in self.containers()))

    def owners(self) -> Iterator[UserNamespace]:
        """The user namespace owning this one, its parent, ... up to the root."""
        user = self.parent if isinstance(self, UserNamespace) else self.owner
        while user is not None:
            yield user
            user = user.parent

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Namespace):
            return NotImplemented
        return self.id == other.id and self.type == other.type

    def __hash__(self) -> int:
        return hash((self.id.dev, self.id.ino, int(self.type)))

    def __str__(self) -> str:
        return self.type_id

    def __repr__(self) -> str:
        where = self.ref_text or ",".join(sorted(s.value for s in self.sources)) or "?"
        return f"<{type(self).__name__} {self.type_id} {where}>"


@attrs.frozen(eq=False, repr=False, kw_only=True)
class HierarchicalNamespace(Namespace):
    """A namespace with a parent: PID namespaces (and user namespaces, below).

    ``parent`` is None for a root: the initial namespace, or one whose
    parent lies outside what the caller may see.
    """

    parent: HierarchicalNamespace | None = None
    children: tuple[HierarchicalNamespace, ...] = ()

    def ancestors(self) -> Iterator[HierarchicalNamespace]:
        """Parent, grandparent, ... up to the root."""
        ns = self.parent
        while ns is not None:
            yield ns
            ns = ns.parent

    def walk(self) -> Iterator[HierarchicalNamespace]:
        """This namespace and all its descendants, depth first, children by inode."""
        stack: list[HierarchicalNamespace] = [self]
        while stack:
            ns = stack.pop()
            yield ns
            stack.extend(reversed(ns.children))

    @property
    def root(self) -> HierarchicalNamespace:
        ns = self
        while ns.parent is not None:
            ns = ns.parent
        return ns

    @property
    def depth(self) -> int:
        """0 for a root, 1 for its children, ..."""
        return sum(1 for _ in self.ancestors())


@attrs.frozen(eq=False, repr=False, kw_only=True)
class UserNamespace(HierarchicalNamespace):
    """A user namespace: it owns the namespaces created while it was current.

    ``owner_uid`` is the UID of its creator (NS_GET_OWNER_UID), ``owner_name``
    that UID's name in the initial mount namespace's passwd database.
    ``owned`` maps each type to the non-user namespaces it owns (child user
    namespaces are its ``children``).
    """

    parent: UserNamespace | None = None
    children: tuple[UserNamespace, ...] = ()
    owner_uid: int | None = None
    owner_name: str | None = None
    owned: Mapping[NamespaceType, tuple[Namespace, ...]] = _EMPTY_OWNED

    def owned_namespaces(self) -> Iterator[Namespace]:
        """All owned non-user namespaces, by type name, then inode."""
        for t in sorted(self.owned, key=lambda t: t.type_name):
            yield from self.owned[t]
