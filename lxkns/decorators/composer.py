"""Docker compose projects: containers with the same project label on one engine."""

from __future__ import annotations

from collections.abc import Sequence

from . import EngineDraft

PROJECT_LABEL = "com.docker.compose.project"
GROUP_TYPE = "com.docker.compose.project"


def decorate(engines: Sequence[EngineDraft]) -> None:
    """Group the containers of Docker compose projects by their project label."""
    for engine in engines:
        for c in engine.containers:
            project = c.labels.get(PROJECT_LABEL)
            if project:
                engine.group(GROUP_TYPE, project).add(c)
