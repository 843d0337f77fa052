"""Kubernetes pods: from the labels kubelet (or lxkns' CRI client) puts on containers,
and from the names dockershim gave Docker containers (``k8s_CTR_POD_NS_UID_ATTEMPT``).

Pods are grouped per engine as ``namespace/name``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from . import ContainerDraft, EngineDraft

POD_NAME = "io.kubernetes.pod.name"
POD_NAMESPACE = "io.kubernetes.pod.namespace"
POD_UID = "io.kubernetes.pod.uid"
CONTAINER_NAME = "io.kubernetes.container.name"
DOCKER_TYPE = "io.kubernetes.docker.type"  #: "podsandbox" or "container", as dockershim set it
GROUP_TYPE = "io.kubernetes.pod"

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_UID = re.compile(r"^[-a-z0-9]+$")


def dockershim_name(name: str) -> tuple[str, str, str, str] | None:
    """(container, pod, namespace, uid) from a dockershim container name, or None.

    ``k8s_<container>_<pod>_<namespace>_<uid>_<attempt>``, optionally with a
    seventh random field; the container is ``POD`` for the sandbox.
    """
    fields = name.lstrip("/").split("_")
    if len(fields) not in (6, 7) or fields[0] != "k8s" or not fields[5].isdigit():
        return None
    ctr, pod, ns, uid = fields[1:5]
    if not (ctr == "POD" or _DNS_LABEL.match(ctr)) or not _DNS_LABEL.match(pod):
        return None
    if not _DNS_LABEL.match(ns) or not _UID.match(uid):
        return None
    return ctr, pod, ns, uid


def _from_name(c: ContainerDraft) -> None:
    parsed = dockershim_name(c.name)
    if parsed is None:
        return
    ctr, pod, ns, uid = parsed
    c.labels.setdefault(POD_NAME, pod)
    c.labels.setdefault(POD_NAMESPACE, ns)
    c.labels.setdefault(POD_UID, uid)
    if ctr == "POD":
        c.labels.setdefault(DOCKER_TYPE, "podsandbox")
    else:
        c.labels.setdefault(CONTAINER_NAME, ctr)
        c.labels.setdefault(DOCKER_TYPE, "container")


def decorate(engines: Sequence[EngineDraft]) -> None:
    """Group containers into Kubernetes pods by their kubelet labels (or dockershim names)."""
    for engine in engines:
        for c in engine.containers:
            if POD_NAME not in c.labels:
                _from_name(c)
            name, ns = c.labels.get(POD_NAME), c.labels.get(POD_NAMESPACE)
            if name and ns:
                engine.group(GROUP_TYPE, f"{ns}/{name}").add(c)
