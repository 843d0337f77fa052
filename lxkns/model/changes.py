"""What changed between two discoveries: the namespaces, processes, containers and
mounts that appeared, and those that went away.

Objects of two discoveries are never the same Python objects; they are
matched by identity keys, and only here: :func:`namespace_key` is the one
place that says when two namespace objects stand for the same kernel
namespace (the leak guard of the pytest plugin, the assertion explanations
and any caller comparing snapshots go through it). It is the namespace's
:attr:`~lxkns.model.namespaces.Namespace.stable_key`: the type and the
kernel's stable 64-bit namespace ID (NS_GET_ID, Linux 6.18 and later),
which is never reused while the system runs. Where either discovery lacks
stable IDs (older kernels, dumps without them), namespaces are matched by
type, nsfs device and inode number instead; inode numbers are reused once a
namespace is gone, so a namespace that died and was replaced by a new one
with the same inode between the two discoveries is then told apart by what
never changes during a namespace's life: its parent, its owner and (user
namespaces) its creator's UID, where both discoveries know them. Processes
are keyed by PID and start time, which tells reused PIDs apart.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, TypeVar

import attrs

from .namespaces import HierarchicalNamespace, Namespace, UserNamespace
from .types import LEXICAL_ORDER, NamespaceType

if TYPE_CHECKING:
    from .containers import Container
    from .discovery import Discovery
    from .mounts import MountPoint
    from .processes import Process

_T = TypeVar("_T")
_ORDER = {t: i for i, t in enumerate(LEXICAL_ORDER)}


def namespace_key(ns: Namespace) -> Hashable:
    """The identity of a namespace across discoveries (of one host, in one boot): its
    ``stable_key``, (type, stable ID) where the kernel gave one, else (type, device, inode)."""
    return ns.stable_key


def inode_key(ns: Namespace) -> Hashable:
    """(type, nsfs device, inode number): the identity of a namespace while it lives, what
    discoveries without stable IDs are compared by."""
    return (int(ns.type), ns.id.dev, ns.id.ino)


def key_for(*discoveries: Discovery) -> Callable[[Namespace], Hashable]:
    """The namespace key to compare these discoveries by: :func:`namespace_key` where every
    namespace of each has a stable ID, else :func:`inode_key` for all of them."""
    stable = all(ns.stable_id is not None for d in discoveries for ns in d.all_namespaces())
    return namespace_key if stable else inode_key


def process_key(p: Process) -> Hashable:
    """The identity of a process across discoveries: PID and start time."""
    return (p.pid, p.starttime)


def container_key(c: Container) -> Hashable:
    """The identity of a container across discoveries: engine type and ID, container ID
    and name."""
    return c.key


def mount_key(m: MountPoint, nskey: Callable[[Namespace], Hashable] = namespace_key) -> Hashable:
    """The identity of a mount across discoveries: its mount namespace (by ``nskey``), mount
    ID, and what is mounted where (mount IDs are reused too)."""
    mntns = nskey(m.mntns) if m.mntns is not None else (
        int(NamespaceType.MNT), m.mntns_id.dev, m.mntns_id.ino)
    return (mntns, m.mount_id, m.mount_point, m.root, m.major, m.minor, m.fstype, m.source)


def _lifetime_facts(ns: Namespace, key: Callable[[Namespace], Hashable]
                    ) -> tuple[Hashable | None, Hashable | None, int | None]:
    """What stays the same for as long as a namespace lives (None: not known)."""
    parent = ns.parent if isinstance(ns, HierarchicalNamespace) else None
    uid = ns.owner_uid if isinstance(ns, UserNamespace) else None
    return (key(ns.owner) if ns.owner is not None else None,
            key(parent) if parent is not None else None, uid)


def _replaced(old: Namespace, new: Namespace, key: Callable[[Namespace], Hashable]) -> bool:
    """True if two namespaces with the same key cannot be the same namespace."""
    return any(a is not None and b is not None and a != b
               for a, b in zip(_lifetime_facts(old, key), _lifetime_facts(new, key), strict=True))


def _ns_order(ns: Namespace) -> tuple[int, int, int]:
    return (_ORDER.get(ns.type, len(_ORDER)), ns.id.ino, ns.id.dev)


def _mount_order(m: MountPoint) -> tuple[int, int]:
    return (m.mntns_id.ino, m.mount_id)


def _diff(before: Iterable[_T], after: Iterable[_T], key: Callable[[_T], Hashable]
          ) -> tuple[list[_T], list[_T]]:
    old = {key(x): x for x in before}
    new = {key(x): x for x in after}
    return [x for k, x in new.items() if k not in old], [x for k, x in old.items() if k not in new]


def _mounts(d: Discovery) -> Iterator[MountPoint]:
    for table in d.mounts.values():
        for path in table.values():
            yield from path.mounts


@attrs.frozen(kw_only=True)
class Changes:
    """The difference between two discoveries.

    ``appeared_*`` are objects of the later discovery that the earlier one
    did not have; ``gone_*`` objects of the earlier one that the later one
    no longer has. A namespace whose inode was reused in between shows up
    in both. Mounts are compared for the mount tables both discoveries read
    (so compare discoveries taken with the same options). A Changes object
    is false when nothing changed.
    """

    appeared_namespaces: tuple[Namespace, ...] = ()
    gone_namespaces: tuple[Namespace, ...] = ()
    appeared_processes: tuple[Process, ...] = ()
    gone_processes: tuple[Process, ...] = ()
    appeared_containers: tuple[Container, ...] = ()
    gone_containers: tuple[Container, ...] = ()
    appeared_mounts: tuple[MountPoint, ...] = ()
    gone_mounts: tuple[MountPoint, ...] = ()

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) for f in attrs.fields(Changes))

    def lines(self, limit: int = 5) -> list[str]:
        """A few readable lines, one per kind of change, naming up to ``limit`` objects each."""
        out = []
        for noun, verb, objects in (("namespace", "appeared", self.appeared_namespaces),
                                    ("namespace", "gone", self.gone_namespaces),
                                    ("process", "appeared", self.appeared_processes),
                                    ("process", "gone", self.gone_processes),
                                    ("container", "appeared", self.appeared_containers),
                                    ("container", "gone", self.gone_containers),
                                    ("mount", "appeared", self.appeared_mounts),
                                    ("mount", "gone", self.gone_mounts)):
            if objects:
                plural = noun if len(objects) == 1 else noun + ("es" if noun.endswith("s") else "s")
                out.append(f"{len(objects)} {plural} {verb}: {_names(objects, limit)}")
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines()) or "no changes"


def _name(obj: object) -> str:
    from .containers import Container
    from .mounts import MountPoint
    from .processes import Process

    if isinstance(obj, Namespace):
        return obj.type_id
    if isinstance(obj, Process):
        return f"{obj.pid} ({obj.name})"
    if isinstance(obj, Container):
        return f"{obj.name} ({obj.type})"
    if isinstance(obj, MountPoint):
        return f"{obj.mount_point} (mount {obj.mount_id} in mnt:[{obj.mntns_id.ino}])"
    return repr(obj)


def _names(objects: Sequence[object], limit: int) -> str:
    shown = ", ".join(_name(o) for o in objects[:limit])
    return shown + (f", and {len(objects) - limit} more" if len(objects) > limit else "")


def changes(before: Discovery, after: Discovery) -> Changes:
    """What appeared and what went away between two discoveries of the same host.

    .. code-block:: python

        before = lxkns.discover()
        make_a_network_namespace()
        print(lxkns.changes(before, lxkns.discover()))   # 1 namespace appeared: net:[4026532290]
    """
    nskey = key_for(before, after)
    old_ns = {nskey(ns): ns for ns in before.all_namespaces()}
    appeared_ns: list[Namespace] = []
    seen = set()
    for ns in after.all_namespaces():
        key = nskey(ns)
        seen.add(key)
        old = old_ns.get(key)
        if old is None:
            appeared_ns.append(ns)
        elif _replaced(old, ns, nskey):
            appeared_ns.append(ns)
            seen.discard(key)
    gone_ns = [ns for key, ns in old_ns.items() if key not in seen]
    new_procs, gone_procs = _diff(before.processes.values(), after.processes.values(), process_key)
    new_cs, gone_cs = _diff(before.containers, after.containers, container_key)
    new_ms, gone_ms = _diff(_mounts(before), _mounts(after), lambda m: mount_key(m, nskey))
    return Changes(
        appeared_namespaces=tuple(sorted(appeared_ns, key=_ns_order)),
        gone_namespaces=tuple(sorted(gone_ns, key=_ns_order)),
        appeared_processes=tuple(sorted(new_procs, key=lambda p: p.pid)),
        gone_processes=tuple(sorted(gone_procs, key=lambda p: p.pid)),
        appeared_containers=tuple(sorted(new_cs, key=lambda c: (c.type, c.name, c.id))),
        gone_containers=tuple(sorted(gone_cs, key=lambda c: (c.type, c.name, c.id))),
        appeared_mounts=tuple(sorted(new_ms, key=_mount_order)),
        gone_mounts=tuple(sorted(gone_ms, key=_mount_order)),
    )
