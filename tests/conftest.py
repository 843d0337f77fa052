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
sys.path.insert(0, str(Path(__file__).parent / "engines"))

import enginectl
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


@pytest.fixture(scope="session")
def engines() -> Iterator[enginectl.Engines]:
    """Real Docker, containerd (+CRI) and podman, once per session.

    ``LXKNS_ENGINES_DIR`` names engines already started by ``tests/engines/engines.sh
    start`` (CI does that, and stops them); they must answer. Otherwise, as root with
    the engines installed, the session starts its own and stops them at its end,
    failed or not. ``LXKNS_ENGINES=off`` skips the tests that need them.
    """
    if os.environ.get("LXKNS_ENGINES") == "off":
        pytest.skip("LXKNS_ENGINES=off: the real-engine tests are switched off")
    if not IS_ROOT:
        pytest.skip("the real container engines need root")
    given = os.environ.get("LXKNS_ENGINES_DIR")
    if given:
        if not enginectl.running(given):
            pytest.fail(f"LXKNS_ENGINES_DIR={given}, but its engines do not answer")
        yield enginectl.Engines(given)
        return
    if not enginectl.installed():
        pytest.skip("the engines are not installed (tests/engines/engines.sh install) "
                    "and LXKNS_ENGINES_DIR is not set")
    directory = enginectl.start()
    try:
        yield enginectl.Engines(directory)
    finally:
        enginectl.stop(directory)


@pytest.fixture(scope="session")
def cri(engines: enginectl.Engines) -> Iterator[enginectl.Cri]:
    """A CRI client (grpcio) for the engines' containerd, to make pods."""
    pytest.importorskip("grpc", reason="the CRI needs grpcio (pip install lxkns[containerd])")
    client = enginectl.Cri(engines)
    try:
        yield client
    finally:
        client.close()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("privileged") and not IS_ROOT:
            item.add_marker(pytest.mark.skip(reason="needs root (CAP_SYS_ADMIN) to build namespaces"))


__all__ = ["IS_ROOT", "SCANNERS", "discover", "enginectl", "nsbuild", "privileged"]
