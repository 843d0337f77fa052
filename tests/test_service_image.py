"""The service image, built from deploy/Containerfile on a Debian base made with debootstrap
(no registry is reachable here), run on the real Docker engine as the deployment runs it:
host PID and cgroup namespaces, read-only root file system, nobody, the manifest's
capabilities only. From inside, /api/namespaces must show a network namespace this test
made on the host and the engine's containers."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from servicectl import free_port
from test_service_caps import manifest_caps

from conftest import IS_ROOT

ROOT = Path(__file__).resolve().parent.parent
BASE_TAG = "localtest/lxkns-base:bookworm-v1"
IMAGE_TAG = "localtest/lxkns-service:test"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.engines,
    pytest.mark.skipif(not IS_ROOT, reason="needs root for the real Docker engine"),
    pytest.mark.skipif(os.environ.get("LXKNS_IMAGE_TEST") == "off", reason="LXKNS_IMAGE_TEST=off"),
]


def _docker(engines: Any, *args: str, timeout: float = 300) -> str:
    proc = subprocess.run(["docker", "-H", f"unix://{engines.docker_sock}", *args], capture_output=True,
                          text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"docker {' '.join(args[:3])} failed: {proc.stderr.strip()[-2000:]}")
    return proc.stdout.strip()


@pytest.fixture(scope="module")
def image(engines: Any, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The service image, built from this checkout (the base tar is cached across runs)."""
    if sys.version_info[:2] != (3, 11):
        pytest.skip("the image's Python is Debian bookworm's 3.11; wheels of this Python cannot go in")
    made = subprocess.run([str(ROOT / "tests" / "deploy" / "make_base.sh")], capture_output=True,
                          text=True, timeout=1200)
    assert made.returncode == 0, f"cannot make the Debian base with debootstrap: {made.stderr[-2000:]}"
    tar = made.stdout.strip().splitlines()[-1]
    try:
        _docker(engines, "image", "inspect", BASE_TAG)
    except RuntimeError:
        _docker(engines, "import", tar, BASE_TAG)
    context = tmp_path_factory.mktemp("image")
    shutil.copy(ROOT / "deploy" / "Containerfile", context / "Containerfile")
    wheels = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--wheel-dir",
                             str(context / "wheels"), f"{ROOT}[service,containerd]"],
                            capture_output=True, text=True, timeout=900)
    assert wheels.returncode == 0, wheels.stderr[-3000:]
    _docker(engines, "build", "-q", "--network", "none", "-f", str(context / "Containerfile"),
            "--build-arg", f"BASE={BASE_TAG}", "-t", IMAGE_TAG, str(context), timeout=900)
    return IMAGE_TAG


@contextlib.contextmanager
def host_netns() -> Iterator[tuple[int, int]]:
    """A network namespace made on the host for this test: (its process, its inode)."""
    proc = subprocess.Popen(["unshare", "--net", "sleep", "600"])
    try:
        own = os.stat("/proc/self/ns/net").st_ino
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError):
                ino = os.stat(f"/proc/{proc.pid}/ns/net").st_ino
                if ino != own:
                    break
            assert time.monotonic() < deadline
            time.sleep(0.02)
        yield proc.pid, ino
    finally:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def service(engines: Any, image: str, caps: list[str]) -> Iterator[tuple[str, int]]:
    """The image running as the deployment runs it; (container name, port on loopback)."""
    port = free_port()
    name = f"lxkns-svc-{os.getpid()}-{port}"
    cap_args = [a for c in caps for a in ("--cap-add", c.upper())]
    # this engine has no bridge network: the host's network namespace lets the test reach it
    _docker(engines, "run", "-d", "--name", name, "--pid=host", "--cgroupns=host", "--network=host",
            "--read-only", "--user", "65534:65534", "--cap-drop", "ALL", *cap_args,
            "--security-opt", "apparmor=unconfined", image, "--http", f"127.0.0.1:{port}", "--max-age", "0")
    try:
        deadline = time.monotonic() + 120
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code == 200:
                    break
            running = _docker(engines, "inspect", "-f", "{{.State.Running}}", name)
            assert running == "true", _docker(engines, "logs", name)
            assert time.monotonic() < deadline, _docker(engines, "logs", name)
            time.sleep(0.2)
        yield name, port
    finally:
        subprocess.run(["docker", "-H", f"unix://{engines.docker_sock}", "rm", "-f", name],
                       capture_output=True, timeout=60)


def _logs(engines: Any, name: str) -> str:
    proc = subprocess.run(["docker", "-H", f"unix://{engines.docker_sock}", "logs", name],
                          capture_output=True, text=True, timeout=60)
    return proc.stdout + proc.stderr


def _inside(engines: Any, name: str, port: int) -> dict[str, Any]:
    """/api/namespaces as fetched from inside the container."""
    url = f"http://127.0.0.1:{port}/api/namespaces"
    code = f"import urllib.request as u, sys; sys.stdout.buffer.write(u.urlopen({url!r}, timeout=60).read())"
    out: dict[str, Any] = json.loads(_docker(engines, "exec", name, "/opt/lxkns/bin/python3", "-c", code))
    return out


def test_the_image_in_docker_sees_the_host(engines: Any, image: str) -> None:
    caps = manifest_caps()
    with host_netns() as (holder, netns), \
            engines.docker_container(engines.busybox, "sleep", "600") as (other, other_pid), \
            service(engines, image, caps) as (name, port):
        doc = _inside(engines, name, port)
        assert doc["namespaces"][str(netns)]["type"] == "net"
        assert holder in doc["namespaces"][str(netns)]["leaders"]
        containers = {c["name"]: c for c in doc["containers"].values()}
        assert containers[other]["pid"] == other_pid
        assert containers[name]["type"] == "docker.com"  # itself, too
        engines_found = {e["type"] for e in doc["container-engines"].values()}
        assert {"docker.com", "containerd.io"} <= engines_found
        # what it runs as: nobody, exactly the manifest's capabilities, read-only root
        inspect = json.loads(_docker(engines, "inspect", name))[0]
        assert inspect["HostConfig"]["ReadonlyRootfs"] is True
        pid = inspect["State"]["Pid"]
        status = Path(f"/proc/{pid}/status").read_text()
        uids = next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1:]
        assert set(uids) == {"65534"}
        log = _logs(engines, name)
        assert f"euid=65534 caps={','.join(sorted(caps))} " in log
        # its cgroup paths are the host's (cgroupns=host)
        me = doc["processes"][str(pid)]
        assert me["cpucgroup"] and me["cpucgroup"] in Path(f"/proc/{pid}/cgroup").read_text()


def test_the_image_starts_with_fewer_capabilities(engines: Any, image: str) -> None:
    """File capabilities without the effective bit: a container that grants fewer still runs
    the service (which then finds less), instead of failing to start it."""
    caps = [c for c in manifest_caps() if c != "net_admin"]
    with service(engines, image, caps) as (name, port):
        r = httpx.get(f"http://127.0.0.1:{port}/api/namespaces", timeout=60)
        assert r.status_code == 200
        log = _logs(engines, name)
        assert f"caps={','.join(sorted(caps))} " in log
