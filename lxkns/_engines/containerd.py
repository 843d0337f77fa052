"""containerd's own gRPC API: every containerd namespace, its containers and tasks.

A container is alive when it has a task that runs or is paused. Two
containerd namespaces are left to other engines so that no container is
listed twice: ``moby`` (Docker's containers, which Docker lists itself) and,
when the same socket serves the CRI API, ``k8s.io`` (the CRI's).

The services and messages below are lxkns' own minimal declarations: only
what lxkns reads, with the names and field numbers of containerd's public
API. Calls carry the containerd namespace in the ``containerd-namespace``
metadata.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Protocol

from .errors import Deadline, EngineUnsupported
from .grpcunix import Channel
from .protobuf import EMPTY, ApiFile, Enum, Field, Message, Method, Reply, Rpc, Service
from .records import CONTAINERD, ContainerRecord, Endpoint, EngineReport

MOBY = "moby"
CRI_NAMESPACE = "k8s.io"

# ------------------------------------------------------------------ the API, as far as lxkns reads it

_LABELS = Field("labels", 2, "string", map_value="string")

VERSION_API = ApiFile("containerd_version.proto", "containerd.services.version.v1", messages=(
    Message("VersionResponse", (Field("version", 1, "string"), Field("revision", 2, "string"))),
), services=(Service("Version", (Rpc("Version", EMPTY, "VersionResponse"),)),))

INTROSPECTION_API = ApiFile("containerd_introspection.proto", "containerd.services.introspection.v1",
                            messages=(
    Message("ServerResponse", (Field("uuid", 1, "string"),)),
), services=(Service("Introspection", (Rpc("Server", EMPTY, "ServerResponse"),)),))

NAMESPACES_API = ApiFile("containerd_namespaces.proto", "containerd.services.namespaces.v1", messages=(
    Message("Namespace", (Field("name", 1, "string"), _LABELS)),
    Message("ListNamespacesRequest", (Field("filter", 1, "string"),)),
    Message("ListNamespacesResponse", (Field("namespaces", 1, "Namespace", repeated=True),)),
), services=(Service("Namespaces", (Rpc("List", "ListNamespacesRequest", "ListNamespacesResponse"),)),))

CONTAINERS_API = ApiFile("containerd_containers.proto", "containerd.services.containers.v1", messages=(
    Message("Container", (Field("id", 1, "string"), _LABELS, Field("image", 3, "string"),
                          Field("runtime", 4, "Runtime")),
            nested=(Message("Runtime", (Field("name", 1, "string"),)),)),
    Message("ListContainersRequest", (Field("filters", 1, "string", repeated=True),)),
    Message("ListContainersResponse", (Field("containers", 1, "Container", repeated=True),)),
), services=(Service("Containers", (Rpc("List", "ListContainersRequest", "ListContainersResponse"),)),))

# Process and its Status belong to containerd.v1.types; the wire carries no package names
TASKS_API = ApiFile("containerd_tasks.proto", "containerd.services.tasks.v1", enums=(
    Enum("Status", (("UNKNOWN", 0), ("CREATED", 1), ("RUNNING", 2), ("STOPPED", 3), ("PAUSED", 4),
                    ("PAUSING", 5))),
), messages=(
    Message("Process", (Field("container_id", 1, "string"), Field("id", 2, "string"),
                        Field("pid", 3, "uint32"), Field("status", 4, "Status"))),
    Message("ListTasksRequest", (Field("filter", 1, "string"),)),
    Message("ListTasksResponse", (Field("tasks", 1, "Process", repeated=True),)),
), services=(Service("Tasks", (Rpc("List", "ListTasksRequest", "ListTasksResponse"),)),))

APIS = (VERSION_API, INTROSPECTION_API, NAMESPACES_API, CONTAINERS_API, TASKS_API)


class VersionResponse(Reply, Protocol):
    """containerd's version."""

    version: str


class ServerResponse(Reply, Protocol):
    """The instance: its UUID (containerd 1.6 and later)."""

    uuid: str


class Namespace(Reply, Protocol):
    """A containerd namespace (no Linux namespace)."""

    name: str


class ListNamespacesResponse(Reply, Protocol):
    """Every containerd namespace."""

    namespaces: Sequence[Namespace]


class Container(Reply, Protocol):
    """A container of a containerd namespace, alive or not."""

    id: str
    labels: Mapping[str, str]


class ListContainersResponse(Reply, Protocol):
    """The containers of one containerd namespace."""

    containers: Sequence[Container]


class Process(Reply, Protocol):
    """A task: the process of a container, and its status."""

    container_id: str
    id: str
    pid: int
    status: int


class ListTasksResponse(Reply, Protocol):
    """The tasks of one containerd namespace."""

    tasks: Sequence[Process]


VERSION: Method[VersionResponse] = Method(VERSION_API, "Version", "Version")
SERVER: Method[ServerResponse] = Method(INTROSPECTION_API, "Introspection", "Server")
NAMESPACES: Method[ListNamespacesResponse] = Method(NAMESPACES_API, "Namespaces", "List")
CONTAINERS: Method[ListContainersResponse] = Method(CONTAINERS_API, "Containers", "List")
TASKS: Method[ListTasksResponse] = Method(TASKS_API, "Tasks", "List")

RUNNING, PAUSED, PAUSING = 2, 4, 5
_ALIVE = {RUNNING, PAUSED, PAUSING}
_PAUSED = {PAUSED, PAUSING}


# ------------------------------------------------------------------ queries

def version(channel: Channel) -> str:
    """containerd's version; EngineUnsupported if the socket serves no containerd API."""
    return channel.call(VERSION).version


def _server_id(channel: Channel) -> str:
    try:
        return channel.call(SERVER).uuid
    except EngineUnsupported:
        return ""  # containerd < 1.6


def query(endpoint: Endpoint, deadline: Deadline, *, skip: Collection[str] = (MOBY,),
          channel: Channel | None = None) -> EngineReport:
    """containerd behind ``endpoint`` and the alive containers of its namespaces but ``skip``."""
    if channel is None:
        with Channel(endpoint, deadline) as own:
            return query(endpoint, deadline, skip=skip, channel=own)
    ver = version(channel)
    engine_id = _server_id(channel) or endpoint.api
    names = sorted(n.name for n in channel.call(NAMESPACES).namespaces)
    containers: list[ContainerRecord] = []
    for ns in names:
        if ns in skip:
            continue
        md = (("containerd-namespace", ns),)
        # a task's ID is its container's (containerd 1.6 leaves container_id empty)
        tasks = {t.container_id or t.id: t for t in channel.call(TASKS, metadata=md).tasks
                 if t.status in _ALIVE}
        if not tasks:
            continue
        for c in channel.call(CONTAINERS, metadata=md).containers:
            task = tasks.get(c.id)
            if task is None:
                continue
            name = c.id if ns == "default" else f"{ns}/{c.id}"
            containers.append(ContainerRecord(id=c.id, name=name, pid=task.pid,
                                              paused=task.status in _PAUSED, labels=dict(c.labels)))
    return EngineReport(CONTAINERD, engine_id, ver, endpoint, tuple(containers))
