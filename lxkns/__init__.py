"""lxkns: discover Linux kernel namespaces almost everywhere on a host.

>>> import lxkns
>>> d = lxkns.discover()
>>> netns = d.namespaces[lxkns.NET]          # {NamespaceID: Namespace}
>>> d.process(1).namespaces[lxkns.NET]       # doctest: +SKIP
"""

from __future__ import annotations

from . import views, wire  # noqa: F401 (views registers the HTML, text, rich and networkx views)
from ._discovery import discover
from ._lowlevel import native_available
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
from .model.changes import Changes, changes
from .mountineer import Mountineer
from .switching import NamespaceThread, open_namespace, run_in, run_in_process

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
    "ref_text", "run_in", "run_in_process", "wire",
]
