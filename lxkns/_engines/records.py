"""What the engine layer hands up: plain records, no policy, no model objects."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

#: engine type IDs (the Go lxkns' names, kept for its JSON format)
DOCKER = "docker.com"
PODMAN = "podman.io"
CONTAINERD = "containerd.io"
CRI = "k8s.io/cri-api"


class Endpoint(NamedTuple):
    """A unix socket an engine may answer on.

    ``path`` is how this process reaches it (through ``/proc/PID/root`` when
    the engine sees another file system); ``kind`` is what the listening
    process looked like (``docker``, ``containerd``, ``cri``, ``podman``, or
    ``""`` for an explicit endpoint of unknown kind); ``pid`` is the engine's
    PID in our PID namespace (0 = unknown); ``activator`` the PID of a
    socket-activating process (systemd) holding the socket for the engine.
    """

    path: str
    kind: str
    pid: int = 0
    activator: int = 0
    explicit: bool = False

    @property
    def api(self) -> str:
        return "unix://" + self.path


class ContainerRecord(NamedTuple):
    """A running or paused container as its engine reports it.

    ``pid`` is the initial process' PID as the engine sees it (its own PID
    namespace), 0 if it did not say.
    """

    id: str
    name: str
    pid: int
    paused: bool
    labels: Mapping[str, str]


class EngineReport(NamedTuple):
    """One engine instance and its alive containers."""

    type: str
    id: str
    version: str
    endpoint: Endpoint
    containers: tuple[ContainerRecord, ...]
