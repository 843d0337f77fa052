"""From discovery options to what the scanner has to read."""

from __future__ import annotations

from .._lowlevel import LINK_NAMES, ScanFlags, ScanRequest
from .._lowlevel.records import (
    LINK_MNT,
    LINK_PID,
    LINK_PID_FOR_CHILDREN,
    LINK_TIME,
    LINK_TIME_FOR_CHILDREN,
)
from ..model import DiscoveryOptions, NamespaceType
from ..model.types import LEXICAL_ORDER

TYPE_INDEX = {t: i for i, t in enumerate(LEXICAL_ORDER)}


def selected_links(options: DiscoveryOptions) -> set[int]:
    """Type indices (0-7) of the namespaces this discovery reports."""
    return {TYPE_INDEX[t] for t in options.effective_types.members()}


def request(options: DiscoveryOptions, procfs: str) -> ScanRequest:
    links = selected_links(options)
    if LINK_PID in links:
        links.add(LINK_PID_FOR_CHILDREN)
    if LINK_TIME in links:
        links.add(LINK_TIME_FOR_CHILDREN)
    if options.from_bindmounts or options.with_mounts:
        links.add(LINK_MNT)  # mount namespaces are where bind mounts and mounts are looked for
    if options.with_pid_map or options.with_containers:
        links.add(LINK_PID)
    if options.with_containers:
        links.add(LINK_MNT)  # where engines and containers see their files
    flags = ScanFlags(0)
    if (options.from_procs or options.from_tasks or options.from_bindmounts or options.with_pid_map
            or options.with_containers or options.with_mounts):
        flags |= ScanFlags.PROCS  # threads are judged against their process' namespaces
    if options.from_tasks:
        flags |= ScanFlags.TASKS
    if options.from_fds:
        flags |= ScanFlags.FDS
    if options.from_sockets:
        flags |= ScanFlags.SOCKETS
    if options.with_hierarchy or options.with_ownership or options.with_containers:
        flags |= ScanFlags.META  # containers: PID namespace parents, to translate PIDs
    if options.with_cmdline:
        flags |= ScanFlags.CMDLINE
    if options.with_cgroups or options.with_freezer:
        flags |= ScanFlags.CGROUP
    if options.with_pid_map or options.with_containers:
        flags |= ScanFlags.NSPID
    if options.with_affinity:
        flags |= ScanFlags.AFFINITY
    if options.with_mounts:
        flags |= ScanFlags.KEEP_MOUNTINFO
        if options.listmount:
            flags |= ScanFlags.LISTMOUNT
    mask = sum(1 << k for k in links if k < len(LINK_NAMES))
    return ScanRequest(procfs=procfs, flags=flags, link_mask=mask,
                       mounts=options.from_bindmounts or options.with_mounts, workers=options.workers)


__all__ = ["TYPE_INDEX", "NamespaceType", "request", "selected_links"]
