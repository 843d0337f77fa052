"""Discovery options and the two presets, STANDARD and FULL."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs
from typing_extensions import Self

from ..errors import ParseError
from .types import ALL_TYPES, NamespaceType, types_of


def _types(value: NamespaceType | int | str | Iterable[NamespaceType | str]) -> NamespaceType:
    return types_of(value)


#: the kinds of engine API an endpoint text may name as its prefix (``podman:unix:///...``)
ENGINE_KINDS = ("docker", "podman", "containerd", "cri")


def parse_endpoint(spec: str) -> tuple[str, str]:
    """An engine endpoint text -> (kind, socket path): ``unix:///path``, ``unix:/path`` or
    ``/path``, optionally prefixed with its kind (``docker:``, ``podman:``, ``containerd:``,
    ``cri:``); kind "" when not given. ParseError for anything else."""
    original, kind = spec, ""
    head, sep, rest = spec.partition(":")
    if sep and head in ENGINE_KINDS:
        kind, spec = head, rest
    if spec.startswith("unix://"):
        spec = spec[len("unix://"):]
    elif spec.startswith("unix:"):
        spec = spec[len("unix:"):]
    if not spec.startswith("/"):
        raise ParseError("engine endpoint", original, "not an absolute unix socket path")
    return kind, spec


def _endpoints(value: str | Iterable[str]) -> tuple[str, ...]:
    """Endpoint texts, checked now (ParseError) rather than when discovery runs."""
    values = (value,) if isinstance(value, str) else tuple(value)
    for v in values:
        if not isinstance(v, str):
            raise TypeError(f"an engine endpoint must be a str, not {type(v).__name__}")
        parse_endpoint(v)
    return values


@attrs.frozen(kw_only=True)
class DiscoveryOptions:
    """What a discovery looks at. Every part can be switched on or off on its own.

    Sources (where namespaces are found): ``from_procs`` (/proc/PID/ns,
    including pid_for_children and time_for_children), ``from_tasks``
    (threads), ``from_fds`` (open namespace fds), ``from_sockets`` (the
    network namespace of every socket), ``from_bindmounts`` (namespaces
    bind-mounted in any mount namespace, process-less ones included).

    Containers: ``with_containers`` asks the container engines found on
    the host (Docker, containerd, CRI runtimes, podman; inside containers
    too) for their containers; ``engine_endpoints`` adds sockets to ask
    (``"unix:///run/docker.sock"``, optionally prefixed ``docker:``,
    ``podman:``, ``containerd:`` or ``cri:``), ``detect_engines=False``
    asks only those; ``engine_timeout`` bounds, in seconds, how long each
    engine may take in all.

    Relations and extras: ``with_hierarchy`` (PID and user namespace parents,
    including hidden ones), ``with_ownership`` (owning user namespaces and
    owner UIDs; it needs the user namespaces, so it adds USER to ``types``),
    ``with_user_names``, ``with_cmdline``, ``with_cgroups``, ``with_freezer``,
    ``with_pid_map``, ``with_affinity``, ``with_credentials`` (effective UID
    and capabilities of every process, which the nscaps tool needs),
    ``with_mounts`` (the mount table of every mount namespace; it needs the
    mount namespaces, so it adds MNT to ``types``). ``listmount`` reads mount
    tables with listmount()/statmount() where the kernel and privileges allow
    (the compiled scanner only), False reads /proc/.../mountinfo always; both
    give the same model.

    ``types`` limits which namespace types are discovered: a mask
    (``lxkns.NET | lxkns.PID``), names (``"net,pid"``) or an iterable of
    either; an empty mask discovers the process table only. ``native`` picks
    the scanner: None = the compiled one if it is available. ``workers`` is
    the number of threads walking /proc.
    """

    types: NamespaceType = attrs.field(default=ALL_TYPES, converter=_types)
    from_procs: bool = True
    from_tasks: bool = True
    from_fds: bool = True
    from_sockets: bool = True
    from_bindmounts: bool = True
    with_hierarchy: bool = True
    with_ownership: bool = True
    with_user_names: bool = True
    with_cmdline: bool = True
    with_cgroups: bool = True
    with_freezer: bool = True
    with_pid_map: bool = False
    with_affinity: bool = False
    with_credentials: bool = False
    with_containers: bool = False
    detect_engines: bool = True
    engine_endpoints: tuple[str, ...] = attrs.field(default=(), converter=_endpoints)
    engine_timeout: float = attrs.field(default=3.0, converter=float, validator=attrs.validators.and_(
        attrs.validators.gt(0.0), attrs.validators.le(300.0)))
    with_mounts: bool = False
    listmount: bool = True
    native: bool | None = None
    workers: int = attrs.field(default=2, validator=attrs.validators.and_(
        attrs.validators.instance_of(int), attrs.validators.ge(1), attrs.validators.le(16)))

    def replace(self, **changes: Any) -> Self:
        """A copy with some options changed (``STANDARD.replace(from_fds=False)``)."""
        return attrs.evolve(self, **changes)

    @property
    def effective_types(self) -> NamespaceType:
        """``types``, plus USER when ownership is asked for (and any type at all is),
        plus MNT when mounts are."""
        types = self.types
        if self.with_ownership and int(types):
            types |= NamespaceType.USER
        if self.with_mounts:
            types |= NamespaceType.MNT
        return types


#: Every namespace source and relation, the process table with cgroups and
#: freezer state; no PID map, mounts, affinity or containers. The default.
STANDARD = DiscoveryOptions()

#: STANDARD plus the PID map, CPU affinity, the mount tables and containers.
FULL = DiscoveryOptions(with_pid_map=True, with_affinity=True, with_mounts=True, with_containers=True)
