"""Mount points, mount paths, and the mount namespaces holding them.

A mount namespace's mount table is kept twice over: as :class:`MountPoint`
objects linked into the mount tree (parent and children by mount ID), and
as :class:`MountPath` objects, one per path with at least one mount on it,
linked into a sparse path tree (a path's parent is its nearest ancestor path
with a mount). Mounts that something was mounted over stay in the model,
flagged ``hidden``. Propagation links mount points across mount namespaces:
``peers`` share a peer group, ``masters`` are the peer group a mount
receives propagation from, ``slaves`` receive propagation from it.

Like the rest of the model, these objects are frozen; their links are set
once while the discovery is put together. Equality and hash go by the mount
namespace ID and the mount ID (mount points) or path (mount paths).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType

import attrs

from .namespaces import Namespace
from .rendering import Viewable
from .types import NamespaceID

_NO_TAGS: Mapping[str, str] = MappingProxyType({})
_NO_PATHS: Mapping[str, MountPath] = MappingProxyType({})


def _int_tag(tags: Mapping[str, str], name: str) -> int | None:
    value = tags.get(name)
    return int(value) if value is not None and value.isdecimal() else None


@attrs.frozen(eq=False, repr=False, kw_only=True)
class MountPoint(Viewable):
    """One mount of a mount namespace, as mountinfo (or statmount) describes it.

    ``mount_id`` and ``parent_id`` are the kernel's mount IDs (the ones
    mountinfo shows); ``root`` is the directory of the filesystem mounted
    here, ``mount_point`` the path it is mounted on, as seen from the
    namespace's root. Paths are decoded (no ``\\040`` escapes). ``tags``
    holds the propagation tags (``shared``, ``master``, ``propagate_from``,
    ``unbindable``) with their values as text.

    ``hidden`` is True when the mount cannot be reached through its path:
    something was mounted over it, over a directory above it, or over a
    mount it sits in. ``parent`` is None when the parent mount is not in the
    table (the root mount, or mounts outside the root of the process whose
    view was read).
    """

    mntns_id: NamespaceID
    mount_id: int
    parent_id: int
    major: int
    minor: int
    root: str
    mount_point: str
    mount_options: tuple[str, ...] = ()
    tags: Mapping[str, str] = _NO_TAGS
    fstype: str = ""
    source: str = ""
    super_options: tuple[str, ...] = ()
    hidden: bool = False
    # links
    mntns: MountNamespace | None = None
    path: MountPath | None = None
    parent: MountPoint | None = None
    children: tuple[MountPoint, ...] = ()
    peers: tuple[MountPoint, ...] = ()
    masters: tuple[MountPoint, ...] = ()
    slaves: tuple[MountPoint, ...] = ()

    @property
    def dev(self) -> str:
        """``major:minor`` of the mounted filesystem."""
        return f"{self.major}:{self.minor}"

    @property
    def visible(self) -> bool:
        return not self.hidden

    @property
    def peer_group(self) -> int | None:
        """The ID of the peer group this mount is shared in, or None if it is not shared."""
        return _int_tag(self.tags, "shared")

    @property
    def master_group(self) -> int | None:
        """The ID of the peer group this mount receives propagation from, or None."""
        return _int_tag(self.tags, "master")

    @property
    def propagate_from(self) -> int | None:
        """The nearest peer group in this namespace that propagates to it, where that is
        not its master (the kernel's ``propagate_from`` tag)."""
        return _int_tag(self.tags, "propagate_from")

    @property
    def unbindable(self) -> bool:
        return "unbindable" in self.tags

    @property
    def propagation(self) -> str:
        """``shared``, ``slave``, ``shared,slave``, ``unbindable`` or ``private``."""
        kinds = [k for k, tag in (("shared", "shared"), ("slave", "master"), ("unbindable", "unbindable"))
                 if tag in self.tags]
        return ",".join(kinds) if kinds else "private"

    def walk(self) -> Iterator[MountPoint]:
        """This mount and all mounts below it in the mount tree, depth first."""
        stack: list[MountPoint] = [self]
        while stack:
            m = stack.pop()
            yield m
            stack.extend(reversed(m.children))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MountPoint):
            return NotImplemented
        return self.mount_id == other.mount_id and self.mntns_id == other.mntns_id

    def __hash__(self) -> int:
        return hash((self.mntns_id.dev, self.mntns_id.ino, self.mount_id))

    def __repr__(self) -> str:
        hidden = " hidden" if self.hidden else ""
        return (f"<MountPoint {self.mount_id} {self.mount_point!r} {self.fstype} "
                f"in mnt:[{self.mntns_id.ino}]{hidden}>")


@attrs.frozen(eq=False, repr=False, kw_only=True)
class MountPath(Viewable):
    """A path with one or more mounts on it, in one mount namespace.

    ``mounts`` are in mount order: later mounts on the same path sit on top
    of earlier ones. ``visible`` is the one mount reachable through this
    path, or None when all of them are hidden (by an overmount higher up).
    ``parent`` is the nearest ancestor path with a mount on it (None for
    ``/``, or for the topmost paths when ``/`` itself is not in the table);
    ``children`` are the paths whose nearest mounted ancestor this is.
    """

    mntns_id: NamespaceID
    path: str
    mounts: tuple[MountPoint, ...] = ()
    mntns: MountNamespace | None = None
    parent: MountPath | None = None
    children: tuple[MountPath, ...] = ()

    @property
    def visible(self) -> MountPoint | None:
        for m in reversed(self.mounts):
            if not m.hidden:
                return m
        return None

    @property
    def hidden(self) -> bool:
        """True if no mount on this path can be reached through it."""
        return self.visible is None

    def walk(self) -> Iterator[MountPath]:
        """This path and all paths below it, depth first, children by path."""
        stack: list[MountPath] = [self]
        while stack:
            p = stack.pop()
            yield p
            stack.extend(reversed(p.children))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MountPath):
            return NotImplemented
        return self.path == other.path and self.mntns_id == other.mntns_id

    def __hash__(self) -> int:
        return hash((self.mntns_id.dev, self.mntns_id.ino, self.path))

    def __repr__(self) -> str:
        state = "hidden" if self.hidden else f"visible {self.visible.mount_id}"  # type: ignore[union-attr]
        return f"<MountPath {self.path!r} in mnt:[{self.mntns_id.ino}] {len(self.mounts)} mounts, {state}>"


class MountTable(Mapping[str, MountPath], Viewable):
    """The mount table of one mount namespace: each path with a mount on it, to its
    :class:`MountPath`, sorted by path; read-only.

    It is what ``Discovery.mounts[mntns.id]`` and ``MountNamespace.mounts``
    hold, a mapping like any other, that also shows itself as a table in
    Jupyter.
    """

    __slots__ = ("_paths", "mntns", "mntns_id")

    def __init__(self, mntns_id: NamespaceID, paths: Mapping[str, MountPath],
                 mntns: MountNamespace | None = None) -> None:
        self.mntns_id: NamespaceID = mntns_id
        self.mntns: MountNamespace | None = mntns
        # a dict handed over by the builder is not copied (nothing changes it afterwards)
        self._paths: Mapping[str, MountPath] = MappingProxyType(paths if type(paths) is dict else dict(paths))

    def __getitem__(self, path: str) -> MountPath:
        return self._paths[path]

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)

    @property
    def mount_points(self) -> tuple[MountPoint, ...]:
        """All mounts of the table, in mount order."""
        if self.mntns is not None and self.mntns.mount_points:
            return self.mntns.mount_points
        return tuple(sorted((m for p in self._paths.values() for m in p.mounts),
                            key=lambda m: m.mount_id))

    @property
    def hidden_paths(self) -> tuple[MountPath, ...]:
        """The paths none of whose mounts can be reached (something above covers them)."""
        return tuple(p for p in self._paths.values() if p.hidden)

    @property
    def overmounted_paths(self) -> tuple[MountPath, ...]:
        """The paths with more than one mount stacked on them (the lower ones hidden)."""
        return tuple(p for p in self._paths.values() if len(p.mounts) > 1)

    def __repr__(self) -> str:
        return f"<MountTable of mnt:[{self.mntns_id.ino}] {len(self._paths)} paths>"



@attrs.frozen(eq=False, repr=False, kw_only=True)
class MountNamespace(Namespace):
    """A mount namespace, with its mount table when mounts were discovered.

    ``mounts`` maps each path with a mount on it to its :class:`MountPath`
    (empty if mounts were not discovered or the table could not be read);
    ``mount_points`` lists the mounts in mount order. ``mount_table_via``
    says how the table was read: ``"listmount"``, ``"mountinfo"`` or ``""``.
    """

    mounts: Mapping[str, MountPath] = _NO_PATHS
    mount_points: tuple[MountPoint, ...] = ()
    mount_table_via: str = ""

    def mount_point(self, mount_id: int) -> MountPoint:
        """The mount with this ID; KeyError if the table has none."""
        for m in self.mount_points:
            if m.mount_id == mount_id:
                return m
        raise KeyError(f"no mount {mount_id} in mnt:[{self.id.ino}]")

    @property
    def root_paths(self) -> tuple[MountPath, ...]:
        """The paths without a parent path: ``/``, or the topmost ones if ``/`` is missing."""
        return tuple(p for p in self.mounts.values() if p.parent is None)

    def visible_mounts(self) -> Iterator[MountPoint]:
        """The mounts reachable through their paths, in mount order."""
        return (m for m in self.mount_points if not m.hidden)


__all__ = ["MountNamespace", "MountPath", "MountPoint", "MountTable"]
