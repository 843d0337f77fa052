"""Processes and their threads (tasks)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

import attrs

from .rendering import Viewable
from .types import NamespaceType

if TYPE_CHECKING:
    from .containers import Container
    from .namespaces import Namespace

_NO_NAMESPACES: Mapping[NamespaceType, Namespace] = MappingProxyType({})
_MAIN_THREADS = threading.Lock()  # makes each process' main thread object exactly once


@attrs.frozen(eq=False, repr=False, kw_only=True)
class _Common(Viewable):
    """What processes and tasks both have (from stat, cgroup and the ns links)."""

    name: str
    starttime: int
    state: str = "?"
    nice: int = 0
    priority: int = 0
    policy: int = 0
    cpu_cgroup: str | None = None
    fridge_cgroup: str | None = None
    frozen: bool | None = None
    affinity: tuple[tuple[int, int], ...] | None = None
    namespaces: Mapping[NamespaceType, Namespace] = _NO_NAMESPACES
    for_children: Mapping[NamespaceType, Namespace] = _NO_NAMESPACES


@attrs.frozen(eq=False, repr=False, kw_only=True)
class Process(_Common):
    """A process (thread group), identified by PID and start time.

    ``namespaces`` holds the namespace of each type it is attached to (types
    that could not be read are missing); ``for_children`` the PID and time
    namespaces its future children will be in (``pid_for_children`` and
    ``time_for_children``), usually the same as its own. ``euid`` and
    ``effective_caps`` (the ``CapEff`` bit mask) come from its status file
    when credentials were discovered, else they are None. ``container`` is
    set on the initial process of a container only, not on its descendants.
    ``tasks`` are its threads, the main one first.
    """

    pid: int = 0
    ppid: int = 0
    cmdline: tuple[str, ...] = ()
    euid: int | None = None
    effective_caps: int | None = None
    parent: Process | None = None
    children: tuple[Process, ...] = ()
    # ``tasks=`` gives all threads; a discovery gives only the threads other than the main one
    # (``threads=``): the main thread's object has the process' own values and is made when
    # ``tasks`` is first asked for (most programs never look at most main threads)
    _tasks: tuple[Task, ...] | None = None
    _threads: tuple[Task, ...] = ()
    container: Container | None = None

    @property
    def tasks(self) -> tuple[Task, ...]:
        """All threads of this process, the main one (``tid == pid``) first."""
        tasks = self._tasks
        if tasks is None:
            with _MAIN_THREADS:
                tasks = self._tasks
                if tasks is None:
                    main = Task(tid=self.pid, process=self, name=self.name, starttime=self.starttime,
                                state=self.state, nice=self.nice, priority=self.priority,
                                policy=self.policy, cpu_cgroup=self.cpu_cgroup,
                                fridge_cgroup=self.fridge_cgroup, frozen=self.frozen,
                                affinity=self.affinity, namespaces=self.namespaces,
                                for_children=self.for_children)
                    tasks = (main, *self._threads)
                    object.__setattr__(self, "_tasks", tasks)
        return tasks

    @property
    def basename(self) -> str:
        """The program's base name from the command line, else the comm name."""
        if self.cmdline and self.cmdline[0]:
            return os.path.basename(self.cmdline[0]) or self.name
        return self.name or f"process ({self.pid})"

    @property
    def key(self) -> tuple[int, int]:
        return (self.pid, self.starttime)

    def ancestors(self) -> Iterator[Process]:
        """The parent, its parent, ... up to the topmost process known."""
        p = self.parent
        while p is not None:
            yield p
            p = p.parent

    def walk(self) -> Iterator[Process]:
        """This process and all its descendants, depth first, children by PID."""
        stack: list[Process] = [self]
        while stack:
            p = stack.pop()
            yield p
            stack.extend(reversed(p.children))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Process):
            return NotImplemented
        return self.pid == other.pid and self.starttime == other.starttime

    def __hash__(self) -> int:
        return hash((self.pid, self.starttime))

    def __repr__(self) -> str:
        return f"<Process {self.pid} {self.name!r}>"


@attrs.frozen(eq=False, repr=False, kw_only=True)
class Task(_Common):
    """A thread of a process; the main thread has ``tid == process.pid``."""

    tid: int = 0
    process: Process | None = None

    @property
    def pid(self) -> int:
        return self.process.pid if self.process is not None else 0

    @property
    def is_main(self) -> bool:
        return self.process is not None and self.tid == self.process.pid

    @property
    def loose(self) -> tuple[NamespaceType, ...]:
        """Types whose namespace differs from its process' namespace of that type."""
        if self.process is None:
            return ()
        mine, theirs = self.namespaces, self.process.namespaces
        return tuple(t for t, ns in mine.items() if t in theirs and theirs[t] is not ns)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Task):
            return NotImplemented
        return self.tid == other.tid and self.starttime == other.starttime

    def __hash__(self) -> int:
        return hash((self.tid, self.starttime, "task"))

    def __repr__(self) -> str:
        return f"<Task {self.tid} of {self.pid} {self.name!r}>"
