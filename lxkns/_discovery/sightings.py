"""Stages: namespaces seen through processes, threads, fds, sockets and bind mounts."""

from __future__ import annotations

from .._lowlevel.records import (
    LINK_NET,
    LINK_PID,
    LINK_PID_FOR_CHILDREN,
    LINK_TIME,
    LINK_TIME_FOR_CHILDREN,
)
from ..model import Source
from .builder import Builder
from .scanning import selected_links

_FOR_CHILDREN = ((LINK_PID_FOR_CHILDREN, LINK_PID), (LINK_TIME_FOR_CHILDREN, LINK_TIME))


def add_from_procs(b: Builder) -> None:
    """/proc/PID/ns/*; pid_for_children and time_for_children where they differ.

    Most processes share all their links with others (a container's, a host's):
    10,000 processes have a few hundred sets of links. So the processes are
    grouped by their links once, and each namespace is given the groups it is
    in, not each of its processes (freeze makes the member tuples from them).
    """
    links = sorted(selected_links(b.options))
    children = [(k, t) for k, t in _FOR_CHILDREN if t in links]
    b.group_processes()
    for ns, members in b.groups.items():
        for k in links:
            if ns[k]:
                b.draft(k, ns[k], Source.PROCESS).groups.append(ns)
        for k, t in children:
            if ns[k] and ns[k] != ns[t]:
                b.draft(t, ns[k], Source.FOR_CHILDREN).for_children.extend(members)


def add_from_tasks(b: Builder) -> None:
    """Threads attached to namespaces other than their process' ("loose threads")."""
    links = sorted(selected_links(b.options))
    children = [(k, t) for k, t in _FOR_CHILDREN if t in links]
    for pid, tasks in b.tasks.items():
        proc = b.procs[pid]
        for t in tasks:
            if t.ns == proc.ns:
                continue  # most threads: all their links are their process' links
            for k in links:
                ino = t.ns[k]
                if ino and ino != proc.ns[k]:
                    b.draft(k, ino, Source.TASK).tasks.append(t)
            for k, typ in children:
                ino = t.ns[k]
                if ino and ino != t.ns[typ] and ino != proc.ns[k]:
                    b.draft(typ, ino, Source.FOR_CHILDREN).for_children.append(t)


def add_from_fds(b: Builder) -> None:
    """Namespace fds held open by processes."""
    links = selected_links(b.options)
    for f in b.scan.fds:
        if f.kind == 0 and f.link in links:
            b.draft(f.link, f.ino, Source.FD).fds.append(f)


def add_from_sockets(b: Builder) -> None:
    """The network namespace of every socket, and which processes hold each socket."""
    holders: dict[int, set[int]] = {}
    for f in b.scan.fds:
        if f.kind == 1:
            holders.setdefault(f.ino, set()).add(f.pid)
    b.socket_processes = {ino: sorted(pids) for ino, pids in holders.items()}
    if LINK_NET not in selected_links(b.options):
        return
    for s in b.scan.sockets:
        if s.netns:
            b.draft(LINK_NET, s.netns, Source.SOCKET).sockets.append(s.ino)


def add_from_bindmounts(b: Builder) -> None:
    """Namespaces bind-mounted in any mount namespace."""
    links = selected_links(b.options)
    for m in b.scan.bindmounts:
        if m.link in links:
            b.draft(m.link, m.ino, Source.BINDMOUNT).binds.append(m)
            if m.err > 0:
                b.diagnostics.oserror("bindmounts", "cannot open a bind-mounted namespace", m.err,
                                      example=f"mnt:[{m.mntns}] {m.path}")
