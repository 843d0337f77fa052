"""The lxkns information model: frozen, typed objects linked into one graph."""

from .containers import Container, ContainerEngine, ContainerGroup
from .diagnostics import Diagnostic, DiagnosticKind
from .discovery import Discovery
from .mounts import MountNamespace, MountPath, MountPoint, MountTable
from .namespaces import HierarchicalNamespace, Namespace, UserNamespace
from .options import FULL, STANDARD, DiscoveryOptions
from .pidmap import NamespacedPID, PIDMap
from .processes import Process, Task
from .types import (
    ALL_TYPES,
    LEXICAL_ORDER,
    NamespaceID,
    NamespaceRef,
    NamespaceType,
    Source,
    parse_type_id,
    ref_text,
)

__all__ = [
    "ALL_TYPES", "FULL", "LEXICAL_ORDER", "STANDARD", "Container", "ContainerEngine", "ContainerGroup",
    "Diagnostic", "DiagnosticKind", "Discovery", "DiscoveryOptions", "HierarchicalNamespace",
    "MountNamespace", "MountPath", "MountPoint", "MountTable", "Namespace", "NamespaceID", "NamespaceRef",
    "NamespaceType", "NamespacedPID", "PIDMap", "Process", "Source", "Task", "UserNamespace",
    "parse_type_id", "ref_text",
]
