"""lxkns: discover Linux kernel namespaces almost everywhere on a host.

>>> import lxkns
>>> d = lxkns.discover()
>>> netns = d.namespaces[lxkns.NET]          # {NamespaceID: Namespace}
>>> d.process(1).namespaces[lxkns.NET]       # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .errors import (
    LxknsError,
    NamespaceError,
    NamespaceOpenError,
    NamespaceTypeError,
    ParseError,
    RestoreNamespaceError,
    ScanError,
    SwitchNamespaceError,
    UnknownContainerError,
    UnknownNamespaceError,
    UnknownProcessError,
    WireFormatError,
)
from .model import (
    ALL_TYPES,
    FULL,
    STANDARD,
    Container,
    ContainerEngine,
    ContainerGroup,
    Diagnostic,
    DiagnosticKind,
    Discovery,
    DiscoveryOptions,
    HierarchicalNamespace,
    MountNamespace,
    MountPath,
    MountPoint,
    MountTable,
    Namespace,
    NamespacedPID,
    NamespaceID,
    NamespaceRef,
    NamespaceType,
    PIDMap,
    Process,
    Source,
    Task,
    UserNamespace,
    ref_text,
)
from .model import codec as _codec
from .model import rendering as _rendering

if TYPE_CHECKING:
    from . import views, wire
    from ._discovery import discover
    from ._lowlevel import native_available
    from .model.changes import Changes, changes
    from .mountineer import Mountineer
    from .switching import NamespaceThread, open_namespace, run_in, run_in_process

# What only some callers need is imported when first used (PEP 562), so that
# ``import lxkns`` stays cheap: discovery itself, the wire format, entering namespaces, the
# views and the comparison of discoveries.
_LAZY = {
    "discover": "._discovery", "native_available": "._lowlevel", "wire": ".wire",
    "Mountineer": ".mountineer", "NamespaceThread": ".switching", "open_namespace": ".switching",
    "run_in": ".switching", "run_in_process": ".switching", "views": ".views",
    "changes": ".model.changes", "Changes": ".model.changes",
}


def __getattr__(name: str) -> Any:
    where = _LAZY.get(name)
    if where is None:
        raise AttributeError(f"module 'lxkns' has no attribute {name!r}")
    module = importlib.import_module(where, __name__)
    value = module if name in ("wire", "views") else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


class _WireOnFirstUse:
    """Stands in for the wire format until :mod:`lxkns.wire` is imported (which registers
    the real one): ``Discovery.to_json()`` and friends work without importing it first."""

    def to_dict(self, d: Discovery) -> dict[str, Any]:
        return self._codec().to_dict(d)

    def to_json(self, d: Discovery, *, indent: int | str | None = None, compact: bool = False) -> str:
        return self._codec().to_json(d, indent=indent, compact=compact)

    def from_dict(self, data: Any) -> Discovery:
        return self._codec().from_dict(data)

    def from_json(self, text: str | bytes) -> Discovery:
        return self._codec().from_json(text)

    @staticmethod
    def _codec() -> _codec.WireCodec:
        importlib.import_module(".wire", __name__)
        return _codec.codec()


if not _codec.registered():
    _codec.register(_WireOnFirstUse())


class _ViewsOnFirstUse:
    """Stands in for :mod:`lxkns.views` until it is imported (which registers the real
    renderer): the model's ``_repr_html_()`` and friends import it when first used."""

    def html(self, obj: object) -> str:
        return self._renderer().html(obj)

    def text(self, obj: object) -> str:
        return self._renderer().text(obj)

    def rich(self, obj: object) -> Any:
        return self._renderer().rich(obj)

    def networkx(self, d: Discovery) -> Any:
        return self._renderer().networkx(d)

    def records(self, d: Discovery, kind: str) -> list[_rendering.Record]:
        return self._renderer().records(d, kind)

    @staticmethod
    def _renderer() -> _rendering.Renderer:
        importlib.import_module(".views", __name__)
        return _rendering.renderer()


if not _rendering.registered():
    _rendering.register(_ViewsOnFirstUse())

MNT = NamespaceType.MNT
CGROUP = NamespaceType.CGROUP
UTS = NamespaceType.UTS
IPC = NamespaceType.IPC
USER = NamespaceType.USER
PID = NamespaceType.PID
NET = NamespaceType.NET
TIME = NamespaceType.TIME

__all__ = [
    "ALL_TYPES", "CGROUP", "FULL", "IPC", "MNT", "NET", "PID", "STANDARD", "TIME", "USER", "UTS",
    "Changes", "Container", "ContainerEngine", "ContainerGroup", "Diagnostic", "DiagnosticKind",
    "Discovery", "DiscoveryOptions", "HierarchicalNamespace", "LxknsError", "MountNamespace",
    "MountPath", "MountPoint", "MountTable", "Mountineer", "Namespace", "NamespaceError",
    "NamespaceID", "NamespaceOpenError", "NamespaceRef", "NamespaceThread", "NamespaceType",
    "NamespaceTypeError", "NamespacedPID", "PIDMap", "ParseError", "Process",
    "RestoreNamespaceError", "ScanError", "Source", "SwitchNamespaceError", "Task",
    "UnknownContainerError", "UnknownNamespaceError", "UnknownProcessError", "UserNamespace",
    "WireFormatError", "__version__", "changes", "discover", "native_available", "open_namespace",
    "ref_text", "run_in", "run_in_process", "views", "wire",
]
