"""The Kubernetes CRI API (gRPC), as containerd's CRI plugin and CRI-O serve it.

Only running containers are listed (the CRI knows no paused state). The PID
of a container comes from its verbose status (JSON under ``info["info"]``).
The pod of each container is put into its labels under the names kubelet
uses, so that pods can be grouped from labels alone, whoever made them.

The messages below are lxkns' own minimal declaration of the CRI: the calls
and fields lxkns reads, with the field numbers of the public API;
``runtime.v1alpha2`` uses the same messages under another package name.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Protocol

from .errors import Deadline, EngineProtocolError, EngineUnsupported
from .grpcunix import Channel
from .protobuf import ApiFile, Enum, Field, Message, Method, Reply, Rpc, Service
from .records import CRI, ContainerRecord, Endpoint, EngineReport

PACKAGES = ("runtime.v1", "runtime.v1alpha2")
CONTAINER_RUNNING = 1

POD_NAME = "io.kubernetes.pod.name"
POD_NAMESPACE = "io.kubernetes.pod.namespace"
POD_UID = "io.kubernetes.pod.uid"
CONTAINER_NAME = "io.kubernetes.container.name"
ANNOTATION_PREFIX = "annotation.k8s/"

# ------------------------------------------------------------------ the API, as far as lxkns reads it

API = ApiFile("cri.proto", "runtime.v1", enums=(
    Enum("PodSandboxState", (("SANDBOX_READY", 0), ("SANDBOX_NOTREADY", 1))),
    Enum("ContainerState", (("CONTAINER_CREATED", 0), ("CONTAINER_RUNNING", 1), ("CONTAINER_EXITED", 2),
                            ("CONTAINER_UNKNOWN", 3))),
), messages=(
    Message("VersionRequest", (Field("version", 1, "string"),)),
    Message("VersionResponse", (Field("version", 1, "string"), Field("runtime_name", 2, "string"),
                                Field("runtime_version", 3, "string"),
                                Field("runtime_api_version", 4, "string"))),
    Message("PodSandboxMetadata", (Field("name", 1, "string"), Field("uid", 2, "string"),
                                   Field("namespace", 3, "string"), Field("attempt", 4, "uint32"))),
    Message("PodSandbox", (Field("id", 1, "string"), Field("metadata", 2, "PodSandboxMetadata"),
                           Field("state", 3, "PodSandboxState"), Field("created_at", 4, "int64"),
                           Field("labels", 5, "string", map_value="string"),
                           Field("annotations", 6, "string", map_value="string"))),
    Message("ListPodSandboxRequest", ()),
    Message("ListPodSandboxResponse", (Field("items", 1, "PodSandbox", repeated=True),)),
    Message("ContainerStateValue", (Field("state", 1, "ContainerState"),)),
    Message("ContainerFilter", (Field("id", 1, "string"), Field("state", 2, "ContainerStateValue"),
                                Field("pod_sandbox_id", 3, "string"))),
    Message("ContainerMetadata", (Field("name", 1, "string"), Field("attempt", 2, "uint32"))),
    Message("Container", (Field("id", 1, "string"), Field("pod_sandbox_id", 2, "string"),
                          Field("metadata", 3, "ContainerMetadata"), Field("state", 6, "ContainerState"),
                          Field("created_at", 7, "int64"),
                          Field("labels", 8, "string", map_value="string"),
                          Field("annotations", 9, "string", map_value="string"))),
    Message("ListContainersRequest", (Field("filter", 1, "ContainerFilter"),)),
    Message("ListContainersResponse", (Field("containers", 1, "Container", repeated=True),)),
    Message("ContainerStatusRequest", (Field("container_id", 1, "string"), Field("verbose", 2, "bool"))),
    Message("ContainerStatus", (Field("id", 1, "string"), Field("state", 3, "ContainerState"))),
    Message("ContainerStatusResponse", (Field("status", 1, "ContainerStatus"),
                                        Field("info", 2, "string", map_value="string"))),
), services=(Service("RuntimeService", (
    Rpc("Version", "VersionRequest", "VersionResponse"),
    Rpc("ListPodSandbox", "ListPodSandboxRequest", "ListPodSandboxResponse"),
    Rpc("ListContainers", "ListContainersRequest", "ListContainersResponse"),
    Rpc("ContainerStatus", "ContainerStatusRequest", "ContainerStatusResponse"),
)),))


class VersionResponse(Reply, Protocol):
    """The runtime's name and version."""

    runtime_name: str
    runtime_version: str


class PodSandboxMetadata(Reply, Protocol):
    """The Kubernetes identity of a pod."""

    name: str
    uid: str
    namespace: str


class PodSandbox(Reply, Protocol):
    """A pod."""

    id: str
    metadata: PodSandboxMetadata


class ListPodSandboxResponse(Reply, Protocol):
    """Every pod."""

    items: Sequence[PodSandbox]


class ContainerMetadata(Reply, Protocol):
    """The Kubernetes name of a container."""

    name: str


class Container(Reply, Protocol):
    """A container of a pod."""

    id: str
    pod_sandbox_id: str
    metadata: ContainerMetadata
    state: int
    labels: Mapping[str, str]
    annotations: Mapping[str, str]


class ListContainersResponse(Reply, Protocol):
    """The containers asked for."""

    containers: Sequence[Container]


class ContainerStatusResponse(Reply, Protocol):
    """A container's status; verbose, with runtime details under ``info``."""

    info: Mapping[str, str]


VERSION: Method[VersionResponse] = Method(API, "RuntimeService", "Version")
LIST_PODS: Method[ListPodSandboxResponse] = Method(API, "RuntimeService", "ListPodSandbox")
LIST_CONTAINERS: Method[ListContainersResponse] = Method(API, "RuntimeService", "ListContainers")
STATUS: Method[ContainerStatusResponse] = Method(API, "RuntimeService", "ContainerStatus")


# ------------------------------------------------------------------ queries

def runtime_version(channel: Channel) -> tuple[str, str]:
    """(CRI package the runtime serves, "runtime-name version"); EngineUnsupported if none."""
    for package in PACKAGES:
        try:
            answer = channel.call(VERSION, VERSION.request(version=package.split(".")[-1]), package=package)
        except EngineUnsupported:
            continue
        return package, f"{answer.runtime_name} {answer.runtime_version}".strip()
    raise EngineUnsupported("no CRI runtime service")


def _pid(info: Mapping[str, str]) -> int:
    try:
        pid = json.loads(info.get("info", "{}")).get("pid", 0)
    except (ValueError, AttributeError):
        raise EngineProtocolError("verbose container status: info is not a JSON object") from None
    return pid if isinstance(pid, int) else 0


def query(endpoint: Endpoint, deadline: Deadline, *, channel: Channel | None = None,
          engine_id: str = "", version: tuple[str, str] | None = None) -> EngineReport:
    """The CRI runtime behind ``endpoint`` and its running containers; ``version`` is
    what :func:`runtime_version` said, if it was asked already."""
    if channel is None:
        with Channel(endpoint, deadline) as own:
            return query(endpoint, deadline, channel=own, engine_id=engine_id, version=version)
    package, ver = version or runtime_version(channel)
    pods = {p.id: p for p in channel.call(LIST_PODS, package=package).items}
    running = LIST_CONTAINERS.request(filter={"state": {"state": CONTAINER_RUNNING}})
    containers = []
    for c in channel.call(LIST_CONTAINERS, running, package=package).containers:
        if c.state != CONTAINER_RUNNING:
            continue
        answer = channel.call(STATUS, STATUS.request(container_id=c.id, verbose=True), package=package)
        labels = dict(c.labels)
        for key, value in c.annotations.items():
            labels.setdefault(ANNOTATION_PREFIX + key, value)
        meta = c.metadata.name if c.HasField("metadata") else ""
        pod = pods.get(c.pod_sandbox_id)
        if pod is not None and pod.HasField("metadata"):
            labels.setdefault(POD_NAME, pod.metadata.name)
            labels.setdefault(POD_NAMESPACE, pod.metadata.namespace)
            labels.setdefault(POD_UID, pod.metadata.uid)
        if meta:
            labels.setdefault(CONTAINER_NAME, meta)
        containers.append(ContainerRecord(id=c.id, name=meta or c.id, pid=_pid(answer.info),
                                          paused=False, labels=labels))
    return EngineReport(CRI, engine_id or endpoint.api, ver, endpoint, tuple(containers))
