"""lxkns: discover Linux kernel namespaces almost everywhere on a host.

>>> import lxkns
>>> d = lxkns.discover()
>>> netns = d.namespaces[lxkns.NET]          # {NamespaceID: Namespace}
>>> d.process(1).namespaces[lxkns.NET]       # doctest: +SKIP
"""

from __future__ import annotations

from . import wire
from ._discovery import discover
from ._lowlevel import native_available
from ._version import __version__
from .errors import (
    LxknsError,
    ParseError,
    ScanError,
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
    "Container", "ContainerEngine", "ContainerGroup", "Diagnostic", "DiagnosticKind", "Discovery",
    "DiscoveryOptions", "HierarchicalNamespace",
    "LxknsError", "Namespace", "NamespaceID", "NamespaceRef", "NamespaceType", "NamespacedPID",
    "PIDMap", "ParseError", "Process", "ScanError", "Source", "Task", "UnknownContainerError",
    "UnknownNamespaceError", "UnknownProcessError", "UserNamespace", "WireFormatError",
    "__version__", "discover", "native_available", "ref_text", "wire",
]
