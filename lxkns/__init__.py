"""lxkns: discover Linux kernel namespaces almost everywhere on a host.

>>> import lxkns
>>> d = lxkns.discover()
>>> netns = d.namespaces[lxkns.NET]          # {NamespaceID: Namespace}
>>> d.process(1).namespaces[lxkns.NET]       # doctest: +SKIP
"""

from __future__ import annotations

from ._discovery import discover
from ._lowlevel import native_available
from .errors import (
    LxknsError,
    ParseError,
    ScanError,
    UnknownContainerError,
    UnknownNamespaceError,
    UnknownProcessError,
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

__version__ = "0.1.0"

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
    "UnknownNamespaceError",
    "UnknownProcessError", "UserNamespace", "__version__", "discover", "native_available",
    "ref_text",
]
