"""Docker managed plugins: containerd containers in the ``plugins.moby`` namespace.

Their flavor becomes ``plugin.docker.com``; their name becomes the name of
the socket the plugin serves, found in the plugin's bundle directory
(``/run/docker/plugins/ID/``) as the engine sees its file system.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from . import ContainerDraft, EngineDraft

NAMESPACE_PREFIX = "plugins.moby/"
FLAVOR = "plugin.docker.com"
NAME_LABEL = "plugin.docker.com/name"
BUNDLE_LABEL = "com.docker/engine.bundle.path"
PLUGINS_DIR = "/run/docker/plugins"


def _socket_name(engine: EngineDraft, c: ContainerDraft) -> str | None:
    """The plugin's socket (the first ``*.sock``) in its bundle directory, which Docker
    names in a label (else ``/run/docker/plugins/ID``), as the engine sees it."""
    bundle = c.labels.get(BUNDLE_LABEL, "").rstrip("/")
    directory = bundle if bundle.startswith("/") else f"{PLUGINS_DIR}/{c.id}"
    try:
        names = sorted(os.listdir(engine.root + directory))
    except OSError:
        return None
    for name in names:
        if name.endswith(".sock") and len(name) > len(".sock"):
            return name[: -len(".sock")]
    return None


def decorate(engines: Sequence[EngineDraft]) -> None:
    """Mark Docker managed plugins (containerd's ``plugins.moby``) and name them by their socket."""
    for engine in engines:
        if engine.type != "containerd.io":
            continue
        for c in engine.containers:
            if not c.name.startswith(NAMESPACE_PREFIX):
                continue
            c.flavor = FLAVOR
            name = _socket_name(engine, c)
            if name:
                c.name = name
                c.labels.setdefault(NAME_LABEL, name)
