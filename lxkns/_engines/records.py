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

    How it is connected to (never by ``path`` again, which its owner may
    change meanwhile): ``root`` is the engine's root directory (``/proc/PID/root``,
    ``""`` for our own root) and ``inner`` the socket's path inside it, resolved
    inside that root; ``listener`` is the inode of the listening socket the
    engine was seen holding (0 = unknown): the process that answers must hold it.
    """

    path: str
    kind: str
    pid: int = 0
    activator: int = 0
    explicit: bool = False
    root: str = ""
    inner: str = ""
    listener: int = 0

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
