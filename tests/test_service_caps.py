"""The capabilities the deployment grants, tested for real: the service as nobody with
exactly the manifest's capabilities (capsh, ambient) finds what it finds as root; and
without each one of them, it loses what docs/many-hosts.rst says it loses."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from servicectl import Server, python_for_others

import nsbuild
from conftest import IS_ROOT

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"

pytestmark = [
    pytest.mark.skipif(not IS_ROOT, reason="needs root to build namespaces and grant capabilities"),
    pytest.mark.skipif(shutil.which("capsh") is None, reason="capsh (libcap2-bin) is missing"),
]

#: what is lost without each capability (docs/many-hosts.rst shows the same table)
LOSSES = {
    "sys_admin": {"netns-in-processless-mntns", "mount-tables"},
    "sys_chroot": {"netns-in-processless-mntns", "mount-tables"},
    "sys_ptrace": {"fd-netns", "socket-netns", "loose-thread-netns", "user-chain", "pidns-parents",
                   "container"},
    "dac_override": {"container", "fd-netns", "socket-netns"},
    "net_admin": {"socket-netns"},
}

#: what CAP_DAC_READ_SEARCH would add to the set (the Go lxkns grants it): nothing
EXTRA = {"dac_read_search": set()}


def manifest_caps() -> list[str]:
    """The capabilities the DaemonSet adds (lower case, without cap_)."""
    docs = list(yaml.safe_load_all((DEPLOY / "kubernetes" / "lxkns-daemonset.yaml").read_text()))
    ds = next(d for d in docs if d and d.get("kind") == "DaemonSet")
    sc = ds["spec"]["template"]["spec"]["containers"][0]["securityContext"]
    assert sc["capabilities"]["drop"] == ["ALL"]
    return [c.lower() for c in sc["capabilities"]["add"]]


def capsh(caps: list[str], python: str) -> list[str]:
    """A prefix that runs ``python ARGS`` as nobody with exactly ``caps`` (ambient, so that
    they survive the exec)."""
    named = ",".join(f"cap_{c}" for c in caps)
    keep = "cap_setpcap,cap_setuid,cap_setgid+ep"
    granted = f"{named}+eip {keep}" if caps else keep
    amb = [f"--addamb={named}"] if caps else []
    return ["capsh", f"--caps={granted}", "--keep=1", "--user=nobody", *amb, f"--shell={python}", "--"]


@contextlib.contextmanager
def scenarios(tmp_base: str) -> Iterator[dict[str, Any]]:
    """Namespaces in every place discovery looks: the ground truth."""
    with contextlib.ExitStack() as stack:
        facts = {
            "chain": stack.enter_context(nsbuild.run(nsbuild.USERNS_CHAIN.replace("DEPTH", "3"))).facts,
            "pid": stack.enter_context(nsbuild.run(nsbuild.PIDNS_CHAIN)).facts,
            "fd": stack.enter_context(nsbuild.run(nsbuild.FD_HELD_NETNS)).facts,
            "sock": stack.enter_context(nsbuild.run(nsbuild.SOCKET_NETNS)).facts,
            "loose": stack.enter_context(nsbuild.run(nsbuild.LOOSE_THREAD)).facts,
            "bound": stack.enter_context(nsbuild.run(nsbuild.NETNS_BINDMOUNT.replace(
                "BASE", repr(tmp_base + "-b")))).facts,  # below a directory only root may enter
            "nested": stack.enter_context(nsbuild.run(nsbuild.NESTED_PROCESSLESS.replace(
                "BASE", repr(tmp_base + "-n")))).facts,
        }
        os.chmod(os.path.dirname(facts["bound"]["path"]), 0o700)
        yield facts


def findings(doc: dict[str, Any], facts: dict[str, Any], container: tuple[str, int] | None) -> dict[str, Any]:
    """What a discovery shows of the ground truth, one entry per kind of place."""
    ns = doc["namespaces"]

    def has(ino: int, t: str) -> bool:
        return ns.get(str(ino), {}).get("type") == t

    chain = facts["chain"]["chain"]
    out: dict[str, Any] = {
        "user-chain": [ns.get(str(i), {}).get("parent") for i in chain] if all(has(i, "user") for i in chain)
        else None,
        "pidns-parents": [ns.get(str(facts["pid"][k]), {}).get("parent") for k in ("ns1", "ns2")],
        "fd-netns": has(facts["fd"]["net"], "net"),
        "socket-netns": has(facts["sock"]["net"], "net"),
        "loose-thread-netns": has(facts["loose"]["net"], "net"),
        "bindmounted-netns": has(facts["bound"]["net"], "net"),
        "netns-in-processless-mntns": has(facts["nested"]["net"], "net")
        and has(facts["nested"]["mnt"], "mnt"),
        "mount-tables": str(facts["nested"]["mnt"]) in doc.get("mounts", {}),
        "cgroups": doc["processes"].get(str(facts["fd"]["pid"]), {}).get("cpucgroup"),
    }
    if container is not None:
        name, pid = container
        out["container"] = any(c["name"] == name and c["pid"] == pid for c in doc["containers"].values())
    return out


def _discover(caps: list[str] | None, ground: dict[str, Any]) -> dict[str, Any]:
    """/api/namespaces of a service run as root (caps None) or as nobody with ``caps``."""
    prefix: list[str] = []
    interpreter = None
    env = None
    if caps is not None:
        python, env = ground["python"]
        prefix, interpreter = capsh(caps, python), []
    with Server(["--max-age", "0", "--timeout", "120"], prefix=prefix, web_root=ground["web"],
                interpreter=interpreter, env=env) as s:
        r = s.client.get("/api/namespaces")
        assert r.status_code == 200, r.text
        doc: dict[str, Any] = r.json()
        doc["_log"] = s.log()
        return doc


@pytest.fixture(scope="module")
def ground(engines, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:  # type: ignore[no-untyped-def]
    base = f"/tmp/lxkns-caps-{os.getpid()}"
    site_dir = tempfile.mkdtemp(prefix="lxkns-site-")  # not below pytest's 0700 directory
    web = os.path.join(site_dir, "web")
    os.mkdir(web)
    python = python_for_others(site_dir)
    with scenarios(base) as facts, engines.docker_container(engines.busybox, "sleep", "600") as container:
        ground = {"facts": facts, "container": container, "web": web, "python": python}
        ground["root"] = findings(_discover(None, ground), facts, container)
        yield ground
    shutil.rmtree(site_dir, ignore_errors=True)
    for suffix in ("-b", "-n"):
        if os.path.isdir(base + suffix) and not os.path.ismount(base + suffix):
            shutil.rmtree(base + suffix, ignore_errors=True)


def _nobody_python(ground: dict[str, Any]) -> None:
    if ground["python"] is None:
        pytest.skip(f"no Python {sys.version_info[0]}.{sys.version_info[1]} that nobody may run")
    python, env = ground["python"]
    probe = subprocess.run([*capsh([], python), "-c", "import lxkns.service"], capture_output=True, text=True,
                           env={**os.environ, **env}, cwd="/")
    if probe.returncode != 0:
        pytest.skip(f"nobody cannot run {python} with our packages: {probe.stderr[-300:]}")


def test_root_finds_every_place(ground: dict[str, Any]) -> None:
    root = ground["root"]
    assert {k for k, v in root.items() if not v} == set(), root  # the ground truth is complete as root


def test_the_manifest_capabilities_find_what_root_finds(ground: dict[str, Any]) -> None:
    _nobody_python(ground)
    caps = manifest_caps()
    doc = _discover(caps, ground)
    assert f"euid=65534 caps={','.join(sorted(caps))}" in doc["_log"]
    assert findings(doc, ground["facts"], ground["container"]) == ground["root"]


@pytest.mark.parametrize("cap", sorted(LOSSES))
def test_without_each_capability_the_documented_part_is_lost(ground: dict[str, Any], cap: str) -> None:
    _nobody_python(ground)
    caps = [c for c in manifest_caps() if c != cap]
    doc = _discover(caps, ground)
    found = findings(doc, ground["facts"], ground["container"])
    lost = {k for k, v in found.items() if v != ground["root"][k]}
    assert lost == LOSSES[cap], (cap, sorted(lost))


@pytest.mark.parametrize("cap", sorted(EXTRA))
def test_a_capability_beyond_the_set_adds_nothing(ground: dict[str, Any], cap: str) -> None:
    _nobody_python(ground)
    doc = _discover([*manifest_caps(), cap], ground)
    assert findings(doc, ground["facts"], ground["container"]) == ground["root"]
    without = _discover([c for c in manifest_caps() if c != "dac_override"] + [cap], ground)
    lost = {k for k, v in findings(without, ground["facts"], ground["container"]).items()
            if v != ground["root"][k]}
    assert lost == {"container"}  # it reads as DAC_OVERRIDE does, but an engine socket needs write


def test_compose_and_containerfile_grant_the_same_capabilities() -> None:
    caps = manifest_caps()
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]["lxkns"]
    assert compose["cap_drop"] == ["ALL"]
    assert [c.lower() for c in compose["cap_add"]] == caps
    recipe = (DEPLOY / "Containerfile").read_text().splitlines()
    setcap = next(line for line in recipe if "setcap cap_" in line)
    assert setcap.split("setcap ", 1)[1].split("+", 1)[0].split(",") == [f"cap_{c}" for c in caps]
    docs = (Path(__file__).resolve().parent.parent / "docs" / "many-hosts.rst").read_text()
    for c in caps:
        assert f"CAP_{c.upper()}" in docs
