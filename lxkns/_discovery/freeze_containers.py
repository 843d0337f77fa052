"""Freezing the decorated engine drafts into model objects, linked to the processes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..decorators import ContainerDraft, EngineDraft, GroupDraft
from ..model import Process
from ..model._linking import set_links
from ..model.containers import Container, ContainerEngine, ContainerGroup

Frozen = tuple[tuple[Container, ...], tuple[ContainerEngine, ...], tuple[ContainerGroup, ...]]


def freeze_containers(drafts: Sequence[EngineDraft], procs: Mapping[int, Process]) -> Frozen:
    """Model objects for the drafts; sets ``Process.container`` of initial processes."""
    engines: dict[int, ContainerEngine] = {}
    containers: dict[int, Container] = {}
    groups: dict[int, ContainerGroup] = {}
    group_drafts: list[GroupDraft] = []
    for e in drafts:
        engines[id(e)] = ContainerEngine(id=e.id, type=e.type, version=e.version, api=e.api, pid=e.pid,
                                         labels=e.labels)
        for c in e.containers:
            containers[id(c)] = Container(id=c.id, name=c.name, type=c.type, flavor=c.flavor, pid=c.pid,
                                          paused=c.paused, labels=c.labels)
            for g in c.groups:
                if id(g) not in groups:
                    groups[id(g)] = ContainerGroup(name=g.name, type=g.type, flavor=g.flavor,
                                                   labels=g.labels)
                    group_drafts.append(g)

    def frozen(c: ContainerDraft) -> Container | None:
        return containers.get(id(c))

    claimed: set[int] = set()
    for e in drafts:
        engine = engines[id(e)]
        members = tuple(containers[id(c)] for c in e.containers)
        set_links(engine, containers=members, process=procs.get(e.pid) if e.pid else None,
                  container=frozen(e.container) if e.container is not None else None)
        for c in e.containers:
            proc = procs.get(c.pid) if c.pid else None
            if proc is not None and c.pid in claimed:
                proc = None  # two engines claim one process: the first keeps it
            container = containers[id(c)]
            set_links(container, engine=engine, process=proc,
                      groups=tuple(groups[id(g)] for g in c.groups if id(g) in groups))
            if proc is not None:
                claimed.add(c.pid)
                set_links(proc, container=container)
    for g in group_drafts:
        set_links(groups[id(g)], containers=tuple(m for d in g.containers if (m := frozen(d)) is not None))
    return (tuple(containers.values()), tuple(engines.values()),
            tuple(groups[id(g)] for g in group_drafts))
