"""Discovery: run the scan, then the stages, then freeze the graph."""

from __future__ import annotations

import gc
from typing import Any

from .. import _lowlevel
from ..model import STANDARD, Discovery, DiscoveryOptions
from . import (
    affinity,
    cgroups,
    credentials,
    failures,
    freeze,
    freeze_processes,
    initial,
    leaders,
    mounts,
    pidmap,
    processes,
    refs,
    relations,
    scanning,
    sightings,
    users,
)
from .builder import Builder


def discover(options: DiscoveryOptions = STANDARD, /, *, procfs_root: str = "/proc",
             **changes: Any) -> Discovery:
    """Discover the namespaces of this host (or of a procfs tree at ``procfs_root``).

    ``options`` is a preset (:data:`STANDARD`, :data:`FULL`) or any
    :class:`DiscoveryOptions`; keyword arguments change single options, e.g.
    ``discover(types=lxkns.NET | lxkns.USER, from_fds=False)``.
    Nothing is changed on the host. Problems that did not stop the discovery
    (denied paths, vanished processes, missing kernel features) are in
    ``Discovery.diagnostics``; ScanError means the procfs root itself could
    not be read.
    """
    if changes:
        options = options.replace(**changes)
    procfs = procfs_root.rstrip("/") or "/"
    # discovery makes a few hundred thousand objects and none of them are garbage: the cyclic
    # collector's passes over them would only cost time
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _discover(options, procfs)
    finally:
        if enabled:
            gc.enable()


def _discover(options: DiscoveryOptions, procfs: str) -> Discovery:
    pending = _lowlevel.start(scanning.request(options, procfs), native=options.native)
    try:
        b = Builder(options, pending.walked(), procfs)
        _from_the_walk(b)  # while the scanner reads sockets and mount tables
        made = freeze_processes.make_processes(b)
        b.scan = pending.finish()
    finally:
        pending.close()
    if options.from_sockets:
        sightings.add_from_sockets(b)
    if options.from_bindmounts:
        sightings.add_from_bindmounts(b)
    if options.with_hierarchy:
        relations.add_hierarchy(b)
    if options.with_ownership:
        relations.add_ownership(b)
        if options.with_hierarchy:
            relations.add_hierarchy(b)  # parents of owners found just now
    relations.add_details(b)
    refs.add_refs(b)
    initial.add_initial(b)
    if options.with_user_names:
        users.add_user_names(b)
    if options.with_freezer:
        cgroups.add_freezer(b)
    if options.with_pid_map:
        pidmap.add_pid_map(b)
    if options.with_mounts:
        mounts.add_mounts(b)
    if options.with_containers:
        from . import containers

        containers.add_containers(b)
    failures.add_failures(b)
    return freeze.freeze(b, made)


def _from_the_walk(b: Builder) -> None:
    """The stages that need only what the /proc walk found: processes, threads and fds."""
    options = b.options
    processes.add_processes(b)
    if options.from_procs:
        sightings.add_from_procs(b)
    if options.from_tasks:
        sightings.add_from_tasks(b)
    if options.from_fds:
        sightings.add_from_fds(b)
    leaders.add_leaders(b)
    if options.with_cgroups or options.with_freezer:
        cgroups.add_cgroups(b)
    if options.with_affinity:
        affinity.add_affinity(b)
    if options.with_credentials:
        credentials.add_credentials(b)
