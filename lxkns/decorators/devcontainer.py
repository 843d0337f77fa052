"""Development containers (VS Code devcontainers, GitHub codespaces) get a readable name
in a label: the workspace folder's base name, or the codespace's repository."""

from __future__ import annotations

import json
import posixpath
from collections.abc import Sequence
from typing import Any

from . import EngineDraft

LOCAL_FOLDER = "devcontainer.local_folder"
METADATA = "devcontainer.metadata"
NAME_LABEL = "lxkns.devcontainer.name"
CODESPACE_LABEL = "lxkns.codespace.name"


def _codespace(metadata: str) -> str | None:
    try:
        blocks: Any = json.loads(metadata)
    except ValueError:
        return None
    if isinstance(blocks, dict):
        blocks = [blocks]
    if not isinstance(blocks, list):
        return None
    for block in blocks:
        env = block.get("containerEnv") if isinstance(block, dict) else None
        if not isinstance(env, dict) or env.get("CODESPACES") != "true":
            continue
        repo = env.get("RepositoryName") or block.get("RepositoryName")
        if isinstance(repo, str) and repo:
            return repo
    return None


def decorate(engines: Sequence[EngineDraft]) -> None:
    """Give development containers a readable name: their workspace folder or codespace."""
    for engine in engines:
        for c in engine.containers:
            folder = c.labels.get(LOCAL_FOLDER)
            if folder is not None:
                name = posixpath.basename(folder.replace("\\", "/").rstrip("/"))
                if name and name not in (".", ".."):
                    c.labels.setdefault(NAME_LABEL, name)
                continue
            metadata = c.labels.get(METADATA)
            if metadata:
                repo = _codespace(metadata)
                if repo:
                    c.labels.setdefault(CODESPACE_LABEL, repo)
