"""Translating PIDs between PID namespaces."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

import attrs

from .namespaces import HierarchicalNamespace


class NamespacedPID(NamedTuple):
    """A PID as seen in one PID namespace."""

    pid: int
    pidns: HierarchicalNamespace


_Chains = Mapping[tuple[HierarchicalNamespace, int], tuple["NamespacedPID", ...]]


def _frozen_chains(chains: _Chains) -> _Chains:
    return MappingProxyType(dict(chains))


@attrs.frozen(eq=False, repr=False)
class PIDMap:
    """Which PID a process (or thread) has in each PID namespace it is visible in.

    Built from the ``NSpid`` lines of /proc/PID/status and the PID namespace
    hierarchy: ``chains`` maps (PID namespace, PID) to the PIDs of the same
    process from the topmost visible PID namespace down to its own.
    """

    chains: Mapping[tuple[HierarchicalNamespace, int], tuple[NamespacedPID, ...]] = attrs.field(
        converter=_frozen_chains
    )

    def namespaced_pids(self, pid: int, pidns: HierarchicalNamespace) -> tuple[NamespacedPID, ...]:
        """All PIDs of the process ``pid`` (as seen in ``pidns``), from the topmost
        visible PID namespace down to its own; () if unknown."""
        return self.chains.get((pidns, pid), ())

    def translate(self, pid: int, from_ns: HierarchicalNamespace,
                  to_ns: HierarchicalNamespace) -> int | None:
        """``pid`` as seen in ``from_ns``, as seen in ``to_ns``; None if it is not visible there."""
        for entry in self.chains.get((from_ns, pid), ()):
            if entry.pidns == to_ns:
                return entry.pid
        return None

    def __len__(self) -> int:
        return len(self.chains)

    def __repr__(self) -> str:
        return f"<PIDMap of {len(self.chains)} namespaced PIDs>"
