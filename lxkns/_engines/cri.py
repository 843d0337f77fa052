"""The Kubernetes CRI API (gRPC), as containerd's CRI plugin and CRI-O serve it.

Only running containers are listed (the CRI knows no paused state). The PID
of a container comes from its verbose status (JSON under ``info["info"]``).
The pod of each container is put into its labels under the names kubelet
uses, so that pods can be grouped from labels alone, whoever made them.
"""

from __future__ import annotations

import json
from typing import Any

from .errors import Deadline, EngineProtocolError, EngineUnsupported
from .grpcunix import Channel
from .protobuf import load
from .records import CRI, ContainerRecord, Endpoint, EngineReport

PACKAGES = ("runtime.v1", "runtime.v1alpha2")
CONTAINER_RUNNING = 1

POD_NAME = "io.kubernetes.pod.name"
POD_NAMESPACE = "io.kubernetes.pod.namespace"
POD_UID = "io.kubernetes.pod.uid"
CONTAINER_NAME = "io.kubernetes.container.name"
ANNOTATION_PREFIX = "annotation.k8s/"


def runtime_version(channel: Channel) -> tuple[str, str]:
    """(CRI package the runtime serves, "runtime-name version"); EngineUnsupported if none."""
    pf = load("cri")
    method = pf.method("RuntimeService", "Version")
    for package in PACKAGES:
        try:
            answer = channel.call(pf, method, {"version": package.split(".")[-1]}, package=package)
        except EngineUnsupported:
            continue
        return package, f"{answer['runtime_name']} {answer['runtime_version']}".strip()
    raise EngineUnsupported("no CRI runtime service")


def _pid(info: dict[str, str]) -> int:
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
    pf = load("cri")
    pods: dict[str, dict[str, Any]] = {
        p["id"]: p for p in channel.call(pf, pf.method("RuntimeService", "ListPodSandbox"),
                                         package=package)["items"]
    }
    listed = channel.call(pf, pf.method("RuntimeService", "ListContainers"),
                          {"filter": {"state": {"state": CONTAINER_RUNNING}}}, package=package)
    status = pf.method("RuntimeService", "ContainerStatus")
    containers = []
    for c in listed["containers"]:
        if c["state"] != CONTAINER_RUNNING:
            continue
        answer = channel.call(pf, status, {"container_id": c["id"], "verbose": True}, package=package)
        labels = dict(c["labels"])
        for key, value in c["annotations"].items():
            labels.setdefault(ANNOTATION_PREFIX + key, value)
        meta = (c["metadata"] or {}).get("name", "")
        pod = pods.get(c["pod_sandbox_id"])
        if pod is not None and pod["metadata"] is not None:
            labels.setdefault(POD_NAME, pod["metadata"]["name"])
            labels.setdefault(POD_NAMESPACE, pod["metadata"]["namespace"])
            labels.setdefault(POD_UID, pod["metadata"]["uid"])
        if meta:
            labels.setdefault(CONTAINER_NAME, meta)
        containers.append(ContainerRecord(id=c["id"], name=meta or c["id"], pid=_pid(answer["info"]),
                                          paused=False, labels=labels))
    return EngineReport(CRI, engine_id or endpoint.api, ver, endpoint, tuple(containers))
