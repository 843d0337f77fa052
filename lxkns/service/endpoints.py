"""The three discovery endpoints: what each discovers (as the Go lxkns does) and what it returns.

* ``/api/namespaces``: everything -- namespaces from every source, the
  process table with threads, the PID map, CPU affinity and scheduling,
  mounts and containers (unless the server runs with ``--no-containers``):
  the whole wire format.
* ``/api/processes``: the process table only (processes and threads with
  their namespaces, cgroups, freezer state and affinity): an OpenAPI
  ``ProcessTable``.
* ``/api/pidmap``: the PIDs of every process in every PID namespace it is
  in, threads included: an OpenAPI ``PIDMap``.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import attrs

from ..model import FULL, STANDARD, Discovery, DiscoveryOptions, NamespaceType
from ..wire import pidmap as wire_pidmap
from ..wire import processes as wire_processes
from ..wire import to_json
from .queries import BOOLEANS


def _namespaces(d: Discovery) -> bytes:
    return to_json(d, compact=True).encode()


def _processes(d: Discovery) -> bytes:
    table = wire_processes.dump(d)["processes"]
    return json.dumps(table, separators=(",", ":"), sort_keys=True).encode()


def _pidmap(d: Discovery) -> bytes:
    chains = wire_pidmap.dump(d).get("pidmap", [])
    return json.dumps(chains, separators=(",", ":")).encode()


@attrs.frozen
class Endpoint:
    """One discovery endpoint: its path, its default options, the query
    parameters it accepts and how it renders a discovery."""

    name: str
    path: str
    summary: str
    schema: str  #: the component schema of its answer in our OpenAPI document
    options: Callable[[bool], DiscoveryOptions]  #: containers allowed -> the default options
    params: frozenset[str]
    render: Callable[[Discovery], bytes]


NAMESPACES = Endpoint(
    "namespaces", "/api/namespaces", "Linux kernel namespaces, processes, mounts and containers",
    "DiscoveryResult",
    lambda containers: FULL.replace(with_containers=containers),
    frozenset({*BOOLEANS, "types"}),
    _namespaces,
)

PROCESSES = Endpoint(
    "processes", "/api/processes", "The process table, with threads",
    "ProcessTable",
    lambda _: STANDARD.replace(from_fds=False, from_sockets=False, from_bindmounts=False,
                               with_hierarchy=False, with_ownership=False, with_user_names=False,
                               with_affinity=True),
    frozenset({"tasks", "affinity", "cgroups", "freezer", "cmdline", "credentials", "types"}),
    _processes,
)

PIDMAP = Endpoint(
    "pidmap", "/api/pidmap", "PID translation between PID namespaces",
    "PIDMap",
    lambda _: STANDARD.replace(types=NamespaceType.PID, with_ownership=False, with_user_names=False,
                               with_cgroups=False, with_freezer=False, with_cmdline=False,
                               with_pid_map=True),
    frozenset({"tasks"}),
    _pidmap,
)

ENDPOINTS = (NAMESPACES, PROCESSES, PIDMAP)
