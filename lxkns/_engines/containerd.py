"""containerd's own gRPC API: every containerd namespace, its containers and tasks.

A container is alive when it has a task that runs or is paused. Two
containerd namespaces are left to other engines so that no container is
listed twice: ``moby`` (Docker's containers, which Docker lists itself) and,
when the same socket serves the CRI API, ``k8s.io`` (the CRI's).
"""

from __future__ import annotations

from collections.abc import Collection

from .errors import Deadline, EngineUnsupported
from .grpcunix import Channel
from .protobuf import load
from .records import CONTAINERD, ContainerRecord, Endpoint, EngineReport

MOBY = "moby"
CRI_NAMESPACE = "k8s.io"
_ALIVE = {2, 4, 5}  # RUNNING, PAUSED, PAUSING
_PAUSED = {4, 5}


def version(channel: Channel) -> str:
    """containerd's version; EngineUnsupported if the socket serves no containerd API."""
    pf = load("containerd_version")
    answer = channel.call(pf, pf.method("Version", "Version"))
    return str(answer["version"])


def _server_id(channel: Channel) -> str:
    pf = load("containerd_introspection")
    try:
        return str(channel.call(pf, pf.method("Introspection", "Server"))["uuid"])
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
    ns_pf = load("containerd_namespaces")
    names = sorted(n["name"] for n in channel.call(ns_pf, ns_pf.method("Namespaces", "List"))["namespaces"])
    ctr_pf = load("containerd_containers")
    task_pf = load("containerd_tasks")
    containers: list[ContainerRecord] = []
    for ns in names:
        if ns in skip:
            continue
        md = (("containerd-namespace", ns),)
        # a task's ID is its container's (containerd 1.6 leaves container_id empty)
        tasks = {t["container_id"] or t["id"]: t for t in
                 channel.call(task_pf, task_pf.method("Tasks", "List"), metadata=md)["tasks"]
                 if t["status"] in _ALIVE}
        if not tasks:
            continue
        for c in channel.call(ctr_pf, ctr_pf.method("Containers", "List"), metadata=md)["containers"]:
            task = tasks.get(c["id"])
            if task is None:
                continue
            name = c["id"] if ns == "default" else f"{ns}/{c['id']}"
            containers.append(ContainerRecord(id=c["id"], name=name, pid=int(task["pid"]),
                                              paused=task["status"] in _PAUSED,
                                              labels=dict(c["labels"])))
    return EngineReport(CONTAINERD, engine_id, ver, endpoint, tuple(containers))
