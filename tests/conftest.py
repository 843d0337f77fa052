"""Shared fixtures: privilege markers, leak snapshots, namespace scenarios."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import lxkns

sys.path.insert(0, str(Path(__file__).parent))

import nsbuild

IS_ROOT = os.geteuid() == 0

privileged = pytest.mark.skipif(not IS_ROOT, reason="needs root (CAP_SYS_ADMIN) to build namespaces")

SCANNERS = ["native", "python"] if lxkns.native_available() else ["python"]


@pytest.fixture(params=SCANNERS)
def scanner(request: pytest.FixtureRequest) -> str:
    """Run a test once with each scanner implementation that is available."""
    return str(request.param)


def discover(scanner: str, options: lxkns.DiscoveryOptions = lxkns.FULL, **kw: object) -> lxkns.Discovery:
    return lxkns.discover(options, native=(scanner == "native"), **kw)


@pytest.fixture
def tmp_base() -> Iterator[str]:
    """A fresh directory for a scenario's mounts (removed by the scenario itself)."""
    base = f"/tmp/lxkns-test-{os.getpid()}-{os.urandom(4).hex()}"
    yield base
    if os.path.isdir(base) and not os.path.ismount(base):
        shutil.rmtree(base, ignore_errors=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("privileged") and not IS_ROOT:
            item.add_marker(pytest.mark.skip(reason="needs root (CAP_SYS_ADMIN) to build namespaces"))


__all__ = ["IS_ROOT", "SCANNERS", "discover", "nsbuild", "privileged"]
