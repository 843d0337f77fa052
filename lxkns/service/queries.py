"""Query parameters that choose what a discovery looks at (``?mounts=0&types=net,user``).

Each parameter switches one discovery option; an endpoint accepts only the
ones that change what it returns. Booleans are ``1``/``0``, ``true``/``false``,
``yes``/``no`` or ``on``/``off``; ``types`` is a comma-separated list of
namespace type names (``cgroup,ipc,mnt,net,pid,time,user,uts``), ``all``
or ``none``. Anything else -- an unknown name, a repeated parameter, a
malformed value -- is a :class:`~lxkns.service.errors.QueryError`.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import LxknsError
from ..model import ALL_TYPES, DiscoveryOptions, NamespaceType
from ..model.types import types_of
from .errors import QueryError

#: query parameter -> the discovery option it switches
BOOLEANS = {
    "procs": "from_procs",
    "tasks": "from_tasks",
    "fds": "from_fds",
    "sockets": "from_sockets",
    "bindmounts": "from_bindmounts",
    "hierarchy": "with_hierarchy",
    "ownership": "with_ownership",
    "usernames": "with_user_names",
    "cmdline": "with_cmdline",
    "cgroups": "with_cgroups",
    "freezer": "with_freezer",
    "pidmap": "with_pid_map",
    "affinity": "with_affinity",
    "credentials": "with_credentials",
    "mounts": "with_mounts",
    "containers": "with_containers",
}

#: what each boolean parameter does, for the OpenAPI document and the docs
DESCRIPTIONS = {
    "procs": "namespaces of processes (/proc/PID/ns)",
    "tasks": "namespaces of single threads (/proc/PID/task/TID/ns)",
    "fds": "namespaces held by open file descriptors",
    "sockets": "network namespaces of sockets",
    "bindmounts": "namespaces bind-mounted in any mount namespace",
    "hierarchy": "parents of PID and user namespaces",
    "ownership": "owning user namespaces and owner UIDs",
    "usernames": "user names of owner UIDs",
    "cmdline": "command lines of processes",
    "cgroups": "cgroup paths of processes",
    "freezer": "freezer state of processes",
    "pidmap": "the PID map (PIDs in every PID namespace)",
    "affinity": "CPU affinity and scheduling of processes and threads",
    "credentials": "effective UID and capabilities of processes",
    "mounts": "the mount table of every mount namespace",
    "containers": "containers of the engines found on the host",
}

TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off"})
BOOLEAN_VALUES = ("1", "0", "true", "false", "yes", "no", "on", "off")
TYPE_NAMES = tuple(t.type_name for t in NamespaceType)


def boolean(name: str, value: str) -> bool:
    """A boolean query parameter; QueryError for a value that is none."""
    v = value.strip().lower()
    if v in TRUE:
        return True
    if v in FALSE:
        return False
    raise QueryError(f"{name}={value!r}: expected one of {', '.join(BOOLEAN_VALUES)}")


def types(value: str) -> NamespaceType:
    """The namespace types a ``types`` query parameter names; QueryError for others."""
    v = value.strip().lower()
    if v == "all":
        return ALL_TYPES
    if v == "none":
        return NamespaceType(0)
    names = [n.strip() for n in v.split(",")]
    if not v or any(not n for n in names):
        raise QueryError(f"types={value!r}: expected namespace type names separated by commas "
                         f"({', '.join(TYPE_NAMES)}), 'all' or 'none'")
    unknown = [n for n in names if n not in TYPE_NAMES]
    if unknown:
        raise QueryError(f"types={value!r}: unknown namespace type {unknown[0]!r} "
                         f"(known: {', '.join(TYPE_NAMES)})")
    try:
        return types_of(names)
    except (LxknsError, ValueError) as exc:  # pragma: no cover - names were checked above
        raise QueryError(f"types={value!r}: {exc}") from None


def apply(base: DiscoveryOptions, items: Iterable[tuple[str, str]], allowed: frozenset[str],
          containers_allowed: bool = True) -> DiscoveryOptions:
    """``base`` changed by the query ``items``; QueryError for anything not ``allowed``."""
    seen: set[str] = set()
    changes: dict[str, object] = {}
    for name, value in items:
        if name not in allowed:
            known = ", ".join(sorted(allowed)) or "none"
            raise QueryError(f"unknown query parameter {name!r} (this endpoint knows: {known})")
        if name in seen:
            raise QueryError(f"query parameter {name!r} is given more than once")
        seen.add(name)
        if name == "types":
            changes["types"] = types(value)
            continue
        on = boolean(name, value)
        if name == "containers" and on and not containers_allowed:
            raise QueryError("containers=1: this server was started with --no-containers")
        changes[BOOLEANS[name]] = on
    return base.replace(**changes) if changes else base
