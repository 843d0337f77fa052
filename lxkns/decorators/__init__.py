"""Decorators: plugins that add meaning to the containers engines report.

After the engines have been asked and before the discovery is frozen, every
decorator gets the engines found, as mutable *drafts*, and may set container
flavors and names, add labels, and put containers into groups (compose
projects, Kubernetes pods, ...). A decorator is any callable taking a
sequence of :class:`EngineDraft`; it is registered as an entry point in the
group ``lxkns.decorators``::

    [project.entry-points."lxkns.decorators"]
    mything = "mypackage.lxkns_plugin:decorate"

The built-in ones run first, in this order: ``composer``, ``kubernetes``,
``dockerplugin``, ``devcontainer``; others follow by entry point name. A
decorator that raises is reported in the discovery's diagnostics; the
discovery goes on.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

GROUP = "lxkns.decorators"
BUILTIN = ("composer", "kubernetes", "dockerplugin", "devcontainer")


@dataclass(eq=False)
class GroupDraft:
    """A group of containers being put together."""

    name: str
    type: str
    flavor: str
    labels: dict[str, str] = field(default_factory=dict)
    containers: list[ContainerDraft] = field(default_factory=list)

    def add(self, container: ContainerDraft) -> None:
        """Put a container into this group (once)."""
        if container not in self.containers:
            self.containers.append(container)
            container.groups.append(self)


@dataclass(eq=False)
class ContainerDraft:
    """A container as reported by its engine, open to decorators.

    ``pid`` is already translated into the discovering process' PID
    namespace (0 if that was not possible).
    """

    id: str
    name: str
    type: str
    flavor: str
    pid: int
    paused: bool
    labels: dict[str, str]
    engine: EngineDraft
    groups: list[GroupDraft] = field(default_factory=list)


@dataclass(eq=False)
class EngineDraft:
    """An engine and its containers, open to decorators.

    ``root`` is where this process reaches the engine's file system: ``""``
    when the engine sees the same one, else ``/proc/PID/root``;
    ``container`` is the container the engine runs in, if any.
    """

    id: str
    type: str
    version: str
    api: str
    pid: int
    root: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    containers: list[ContainerDraft] = field(default_factory=list)
    groups: dict[tuple[str, str], GroupDraft] = field(default_factory=dict)
    container: ContainerDraft | None = None

    def group(self, type: str, name: str, flavor: str | None = None) -> GroupDraft:
        """This engine's group of ``type`` named ``name``, created on first use."""
        g = self.groups.get((type, name))
        if g is None:
            g = self.groups[(type, name)] = GroupDraft(name, type, flavor or type)
        return g


Decorator = Callable[[Sequence[EngineDraft]], None]


@functools.lru_cache(maxsize=1)
def load() -> tuple[tuple[tuple[str, Decorator], ...], tuple[tuple[str, str], ...]]:
    """The decorators to run, in order, and (name, error) of those that failed to load.

    Built-in decorators run even when the package metadata (and so its entry
    points) cannot be found, for example when lxkns runs from a source tree.
    """
    found: dict[str, Decorator] = {}
    failed: list[tuple[str, str]] = []
    from importlib.metadata import entry_points

    for ep in entry_points(group=GROUP):
        if ep.name in found:
            continue
        try:
            found[ep.name] = ep.load()
        except Exception as exc:
            failed.append((ep.name, f"{type(exc).__name__}: {exc}"))
    for name in BUILTIN:
        if name not in found:
            found[name] = importlib.import_module(f"{__name__}.{name}").decorate
    order = [*BUILTIN, *sorted(n for n in found if n not in BUILTIN)]
    return tuple((n, found[n]) for n in order), tuple(failed)


__all__ = ["BUILTIN", "GROUP", "ContainerDraft", "Decorator", "EngineDraft", "GroupDraft", "load"]
