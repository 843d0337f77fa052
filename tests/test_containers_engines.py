"""Container discovery against real Docker, containerd (+CRI) and podman.

The engines come from tests/engines/engines.sh (the ``engines`` session
fixture); ground truth comes from the engines' own CLIs and from /proc, never
from lxkns' engine clients. Other engines may run on the same host: only
engines under the fixture's directory are looked at.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest

import lxkns

from conftest import enginectl
from privdrop import as_nobody

pytestmark = pytest.mark.privileged

TYPES = {t.type_name: t for t in lxkns.NamespaceType.all().members()}
DOCKER, CONTAINERD, CRI, PODMAN = "docker.com", "containerd.io", "k8s.io/cri-api", "podman.io"


def discover(scanner: str | None = None, **kw: object) -> lxkns.Discovery:
    if scanner is not None:
        kw["native"] = scanner == "native"
    return lxkns.discover(lxkns.FULL, engine_timeout=10.0, **kw)


def engine(d: lxkns.Discovery, engines: enginectl.Engines, type: str) -> lxkns.ContainerEngine:
    found = [e for e in d.container_engines if e.type == type and engines.dir in e.api]
    assert len(found) == 1, (type, d.container_engines, [str(x) for x in d.diagnostics])
    return found[0]


def by_name(e: lxkns.ContainerEngine, name: str) -> lxkns.Container:
    found = [c for c in e.containers if c.name == name]
    assert len(found) == 1, (name, e.containers)
    return found[0]


def by_id(e: lxkns.ContainerEngine, cid: str) -> lxkns.Container:
    """A container by its ID: CRI container names are only unique within their pod, and other
    test runs on this busy host make pods of the same names in the same engines."""
    found = [c for c in e.containers if c.id == cid]
    assert len(found) == 1, (cid, e.containers)
    return found[0]


def assert_tied(d: lxkns.Discovery, c: lxkns.Container, pid: int) -> None:
    """The container is tied to process ``pid`` and through it to that process'
    namespaces, as /proc says; the namespaces name the container."""
    assert c.pid == pid
    assert c.process is d.process(pid)
    assert d.process(pid).container is c
    for name, t in TYPES.items():
        ino = os.stat(f"/proc/{pid}/ns/{name}").st_ino
        assert c.namespaces[t].id.ino == ino, name
        assert c in c.namespaces[t].containers()
    assert c.name in c.namespaces[lxkns.NET].container_names()
    # a container's own namespaces: a fresh net namespace (loopback only) with no one else's
    assert c.namespaces[lxkns.NET].id.ino != os.stat("/proc/self/ns/net").st_ino


def test_a_container_in_each_engine(engines: enginectl.Engines, cri: enginectl.Cri, scanner: str) -> None:
    with ExitStack() as stack:
        dname, dpid = stack.enter_context(engines.docker_container(engines.busybox, "sleep", "1000"))
        cid, cpid = stack.enter_context(engines.ctr_container("default"))
        pname, ppid = stack.enter_context(engines.podman_container())
        _, ids = stack.enter_context(cri.pod("solo", "lxkns-test", ["only"]))
        kpid = engines.ctr_task_pid("k8s.io", ids["only"])
        d = discover(scanner)
        docker = engine(d, engines, DOCKER)
        assert docker.pid == int(Path(engines.dir, "dockerd.pid").read_text())
        assert docker.process is d.process(docker.pid) and docker.container is None
        c = by_name(docker, dname)
        assert (c.type, c.flavor, c.paused, c.engine) == (DOCKER, DOCKER, False, docker)
        assert_tied(d, c, dpid)
        containerd = engine(d, engines, CONTAINERD)
        assert_tied(d, by_name(containerd, cid), cpid)
        podman = engine(d, engines, PODMAN)
        assert podman.version and podman.pid == int(Path(engines.dir, "podman-service.pid").read_text())
        assert_tied(d, by_name(podman, pname), ppid)
        cri_engine = engine(d, engines, CRI)
        assert cri_engine.pid == containerd.pid and cri_engine.api == containerd.api
        k = by_id(cri_engine, ids["only"])
        assert k.name == "only"
        assert_tied(d, k, kpid)
    assert d.container(dname) is c and d.container(k.id) is k
    with pytest.raises(lxkns.UnknownContainerError):
        d.container("no-such-container")


def test_paused_containers_are_paused(engines: enginectl.Engines, cri: enginectl.Cri) -> None:
    with ExitStack() as stack:
        dname, _ = stack.enter_context(engines.docker_container(engines.busybox, "sleep", "1000"))
        running, _ = stack.enter_context(engines.docker_container(engines.busybox, "sleep", "1000"))
        cid, _ = stack.enter_context(engines.ctr_container("default"))
        pname, _ = stack.enter_context(engines.podman_container())
        _, ids = stack.enter_context(cri.pod("frozen", "lxkns-test", ["cold"]))
        engines.docker("pause", dname)
        stack.callback(engines.docker, "unpause", dname)
        engines.ctr("default", "task", "pause", cid)
        stack.callback(engines.ctr, "default", "task", "resume", cid)
        engines.podman("pause", pname)
        stack.callback(engines.podman, "unpause", pname)
        engines.ctr("k8s.io", "task", "pause", ids["cold"])  # the CRI itself cannot pause
        stack.callback(engines.ctr, "k8s.io", "task", "resume", ids["cold"])
        d = discover()
    assert by_name(engine(d, engines, DOCKER), dname).paused
    assert not by_name(engine(d, engines, DOCKER), running).paused
    assert by_name(engine(d, engines, CONTAINERD), cid).paused
    assert by_name(engine(d, engines, PODMAN), pname).paused
    cold = by_id(engine(d, engines, CRI), ids["cold"])
    assert cold.paused and cold.process is not None and cold.process.frozen


def test_a_compose_labelled_pair_is_grouped(engines: enginectl.Engines) -> None:
    project = enginectl.unique("proj")
    args = ("--label", f"com.docker.compose.project={project}", engines.busybox, "sleep", "1000")
    with ExitStack() as stack:
        a, _ = stack.enter_context(engines.docker_container(*args))
        b, _ = stack.enter_context(engines.docker_container(*args))
        alone, _ = stack.enter_context(engines.docker_container(engines.busybox, "sleep", "1000"))
        d = discover()
    docker = engine(d, engines, DOCKER)
    (group,) = [g for g in d.container_groups if g.name == project]
    assert (group.type, group.flavor) == ("com.docker.compose.project", "com.docker.compose.project")
    assert sorted(c.name for c in group.containers) == sorted([a, b])
    assert by_name(docker, a).groups == (group,) and by_name(docker, a).group(group.type) is group
    assert by_name(docker, alone).groups == ()


def test_a_cri_pod_with_two_containers_is_a_pod(engines: enginectl.Engines, cri: enginectl.Cri) -> None:
    name = enginectl.unique("web")
    with cri.pod(name, "lxkns-test", ["app", "sidecar"]) as (pod, ids):
        pids = {n: engines.ctr_task_pid("k8s.io", cid) for n, cid in ids.items()}
        sandbox = engines.ctr_task_pid("k8s.io", pod)
        d = discover()
        cri_engine = engine(d, engines, CRI)
        (group,) = [g for g in d.container_groups if g.name == f"lxkns-test/{name}"]
        assert (group.type, group.flavor) == ("io.kubernetes.pod", "io.kubernetes.pod")
        members = {c.name: c for c in group.containers}
        assert set(members) == {"app", "sidecar"}
        for n, c in members.items():
            assert c.engine is cri_engine and c.id == ids[n] and c.groups == (group,)
            assert_tied(d, c, pids[n])
            assert c.labels["io.kubernetes.pod.name"] == name
            assert c.labels["io.kubernetes.pod.namespace"] == "lxkns-test"
            assert c.labels["io.kubernetes.container.name"] == n
    # the pod's containers share the sandbox's network namespace, and it names them
    net = d.process(sandbox).namespaces[lxkns.NET]
    assert members["app"].namespaces[lxkns.NET] is net is members["sidecar"].namespaces[lxkns.NET]
    assert set(net.container_names()) == {"app", "sidecar"}
    # containerd leaves its k8s.io namespace to the CRI: no container is listed twice
    containerd = engine(d, engines, CONTAINERD)
    assert not [c for c in containerd.containers if c.id in ids.values() or c.id == pod]
    pids_seen = [c.pid for c in d.containers if c.pid]
    assert len(pids_seen) == len(set(pids_seen))


def test_containerd_namespaces_are_kept_apart(engines: enginectl.Engines) -> None:
    cid = enginectl.unique("same")
    other = "lxkns-test"  # (a containerd namespace stays until engines.sh stop removes it all)
    with ExitStack() as stack:
        _, pid_default = stack.enter_context(engines.ctr_container("default", cid))
        _, pid_other = stack.enter_context(engines.ctr_container(other, cid))
        _, dpid = stack.enter_context(engines.docker_container(engines.busybox, "sleep", "1000"))
        d = discover()
    containerd = engine(d, engines, CONTAINERD)
    mine = {c.name: c for c in containerd.containers if c.id == cid}
    assert set(mine) == {cid, f"{other}/{cid}"}
    assert mine[cid].pid == pid_default and mine[f"{other}/{cid}"].pid == pid_other
    assert mine[cid] != mine[f"{other}/{cid}"]
    # Docker's containers live in containerd's "moby" namespace: listed by Docker only
    assert [c.engine.type for c in d.containers if c.pid == dpid] == [DOCKER]  # type: ignore[union-attr]


def test_dockershim_names_make_pods_and_devcontainers_get_names(engines: enginectl.Engines) -> None:
    uid = enginectl.unique("uid")
    pod = enginectl.unique("db")
    with ExitStack() as stack:
        sandbox, _ = stack.enter_context(engines.docker_container(
            engines.busybox, "sleep", "1000", name=f"k8s_POD_{pod}_prod_{uid}_0"))
        app, _ = stack.enter_context(engines.docker_container(
            engines.busybox, "sleep", "1000", name=f"k8s_pg_{pod}_prod_{uid}_0"))
        dev, _ = stack.enter_context(engines.docker_container(
            "--label", "devcontainer.local_folder=/home/me/src/lxkns-python",
            engines.busybox, "sleep", "1000"))
        d = discover()
    docker = engine(d, engines, DOCKER)
    (group,) = [g for g in d.container_groups if g.name == f"prod/{pod}"]
    assert {c.name for c in group.containers} == {sandbox, app}
    assert by_name(docker, app).labels["io.kubernetes.container.name"] == "pg"
    assert by_name(docker, sandbox).labels["io.kubernetes.docker.type"] == "podsandbox"
    assert by_name(docker, dev).labels["lxkns.devcontainer.name"] == "lxkns-python"


def _host_pid(marker: str) -> int:
    """The PID (ours) of the process whose command line ends in ``marker``, from /proc."""
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/cmdline", "rb") as f:
                    if f.read().split(b"\0")[:-1][-2:] == [b"sleep", marker.encode()]:
                        found.append(int(name))
            except OSError:
                continue
    assert len(found) == 1, found
    return found[0]


@contextmanager
def docker_in_docker(engines: enginectl.Engines) -> Iterator[tuple[str, int, str]]:
    """A container whose initial process is a dockerd (the host's binaries, bind-mounted):
    (container name, its PID, the inner engine's socket as reachable from here)."""
    name = enginectl.unique("lxkns-dind")
    data = Path(engines.dir, "dind", name)
    data.mkdir(parents=True)
    # root here lacks CAP_SYS_RESOURCE, so --privileged fails: every other capability instead
    args = ["--cap-add", "ALL", "--cap-drop", "SYS_RESOURCE", "--security-opt", "seccomp=unconfined",
            "--security-opt", "systempaths=unconfined", "--device-cgroup-rule", "a *:* rwm",
            "-v", "/sys/fs/cgroup:/sys/fs/cgroup", "-v", "/usr:/usr:ro", "-v", f"{data}:/var/lib/docker",
            "--entrypoint", "/usr/sbin/dockerd", engines.hostbin,
            "--bridge=none", "--iptables=false", "--ip6tables=false", "--ip-forward=false", "--ip-masq=false",
            "--cgroup-parent", f"/{engines.cgroup_parent}/dind", "-H", "unix:///run/docker.sock"]
    with engines.docker_container(*args, name=name) as (_, pid):
        sock = f"/proc/{pid}/root/run/docker.sock"
        for _ in range(300):
            if os.path.exists(sock) and subprocess.run(
                    ["docker", "-H", f"unix://{sock}", "version"], capture_output=True).returncode == 0:
                break
            subprocess.run(["sleep", "0.1"])
        else:
            pytest.fail(f"the inner dockerd did not come up: {engines.docker('logs', name)[-2000:]}")
        engines.docker("load", "-q", "-i", os.path.join(engines.dir, "images", "busybox.tar"), sock=sock)
        yield name, pid, sock


def test_an_engine_inside_a_container_is_found_with_translated_pids(engines: enginectl.Engines,
                                                                    scanner: str) -> None:
    marker = str(random.randrange(100000, 999999))
    with docker_in_docker(engines) as (outer_name, outer_pid, sock), \
         engines.docker_container(engines.busybox, "sleep", marker, sock=sock) as (inner_name, inner_pid):
        host_pid = _host_pid(marker)
        d = discover(scanner)
        outer = by_name(engine(d, engines, DOCKER), outer_name)
        assert outer.pid == outer_pid
        (inner_engine,) = [e for e in d.container_engines if e.type == DOCKER and e.api == f"unix://{sock}"]
        assert inner_engine.pid == outer_pid  # the dockerd is the container's initial process
        assert inner_engine.container is outer
        inner = by_name(inner_engine, inner_name)
        assert inner_pid != host_pid  # the inner engine said its own PID namespace's PID ...
        assert_tied(d, inner, host_pid)  # ... and it was translated into ours
        assert inner.enclosing == (outer,) and inner.path == f"{outer_name}/{inner_name}"
        assert outer.enclosing == ()
        # the inner dockerd's own containerd: an engine without containers, in the same container
        (inner_ctrd,) = [e for e in d.container_engines if e.type == CONTAINERD and e.container is outer]
        assert inner_ctrd.containers == ()
        assert inner_ctrd.api.startswith(f"unix:///proc/{inner_ctrd.pid}/root/")


def test_given_endpoints_only(engines: enginectl.Engines) -> None:
    d = discover(detect_engines=False, engine_endpoints=[f"docker:unix://{engines.docker_sock}",
                                                         engines.podman_sock])
    assert sorted((e.type, e.api, e.pid) for e in d.container_engines) == sorted([
        (DOCKER, f"unix://{engines.docker_sock}", int(Path(engines.dir, "dockerd.pid").read_text())),
        (PODMAN, f"unix://{engines.podman_sock}", int(Path(engines.dir, "podman-service.pid").read_text())),
    ])


ACTIVATOR = r"""
import ctypes, os, select, socket, sys
ctypes.CDLL(None).prctl(15, b"systemd", 0, 0, 0)
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(sys.argv[1]); srv.listen(16)
print("ready", flush=True)
select.select([srv], [], [])        # the first client: start the service, as systemd would
pid = os.fork()
if pid == 0:
    if srv.fileno() == 3:
        os.set_inheritable(3, True)     # dup2 onto itself would keep close-on-exec
    else:
        os.dup2(srv.fileno(), 3)
    os.environ.update(LISTEN_FDS="1", LISTEN_PID=str(os.getpid()))
    os.execvp("podman", ["podman", "system", "service", "--time=0"])
print(pid, flush=True)
os.waitpid(pid, 0)
"""


def test_a_socket_activated_podman_is_found(engines: enginectl.Engines) -> None:
    """A process named systemd holding a podman.sock: connecting starts podman on it.

    The activated podman gets a storage of its own, so that its containers are its own.
    """
    base = Path(engines.dir, enginectl.unique("activated"))
    (base / "tmp").mkdir(parents=True)
    storage = base / "storage.conf"
    storage.write_text(f'[storage]\ndriver = "overlay"\ngraphroot = "{base}/root"\nrunroot = "{base}/run"\n')
    env = {"CONTAINERS_CONF": engines.env["CONTAINERS_CONF"], "CONTAINERS_STORAGE_CONF": str(storage)}
    path = str(base / "podman.sock")
    act = subprocess.Popen([sys.executable, "-c", ACTIVATOR, path], stdout=subprocess.PIPE, text=True,
                           env={**os.environ, **env})
    assert act.stdout is not None
    service = 0
    try:
        assert act.stdout.readline().strip() == "ready"
        engines._run(["podman", "load", "-q", "-i", os.path.join(engines.dir, "images", "busybox.tar")], env)
        name = enginectl.unique("lxkns-activated")
        engines._run(["podman", "run", "-d", "--name", name, f"localhost/{engines.busybox}", "sleep", "1000"],
                     env)
        try:
            pid = int(engines._run(["podman", "inspect", "-f", "{{.State.Pid}}", name], env))
            d = discover()
            service = int(act.stdout.readline())
            (activated,) = [e for e in d.container_engines if e.api == f"unix://{path}"]
            # not running when /proc was read -- unless a discovery of another test run on this
            # busy host connected first (each connects to every engine it finds): then it was
            assert activated.type == PODMAN and activated.pid in (0, service)
            assert_tied(d, by_name(activated, name), pid)
        finally:
            engines._run(["podman", "rm", "-f", "-t", "0", name], env)
    finally:
        if service:
            os.kill(service, signal.SIGTERM)
        else:
            act.kill()
        act.wait(timeout=60)


@pytest.mark.unprivileged
def test_an_unprivileged_caller_is_told_what_it_may_not_see(engines: enginectl.Engines) -> None:
    """As nobody: the engine processes are seen, their sockets are not, and a root-owned
    engine socket given explicitly may not be connected to; diagnostics say so."""
    def probe(sock: str) -> dict[str, Any]:
        d = lxkns.discover(lxkns.FULL, engine_endpoints=[sock])
        return {"engines": [e.api for e in d.container_engines],
                "diagnostics": [[x.kind.value, x.message, list(x.examples)] for x in d.diagnostics
                                if x.stage == "containers"]}

    if os.geteuid() != 0:
        pytest.skip("needs root to drop to nobody while root's engines run")
    result = as_nobody(probe, engines.docker_sock)
    assert not [api for api in result["engines"] if engines.dir in api]
    seen = {(kind, message) for kind, message, _ in result["diagnostics"]}
    assert ("denied", "cannot see which sockets a container engine listens on") in seen
    denied = [x for x in result["diagnostics"] if engines.docker_sock in " ".join(x[2])]
    assert [x[:2] for x in denied] == [["denied", "a container engine may not be connected to "
                                                  "(permission denied)"]]


PLUGIN_SERVER = """
import http.server, signal, socketserver, sys
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # PID 1 of its PID namespace ignores it otherwise
class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = b'{"Implements": ["VolumeDriver"]}' if self.path == "/Plugin.Activate" else b"{}"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    pass
Server(sys.argv[1], Handler).serve_forever()
"""


def test_a_docker_managed_plugin_is_named_after_its_socket(engines: enginectl.Engines) -> None:
    """A volume plugin (the host's python3, bind-mounted) that Docker runs in containerd's
    plugins.moby namespace: a containerd container of flavor plugin.docker.com."""
    sock = enginectl.unique("lx")  # short: /run/docker/plugins/<64 hex>/<sock>.sock must fit sun_path
    src = Path(engines.dir, sock)
    for d in ("usr", "run/docker/plugins", "tmp", "proc", "dev", "sys", "etc"):
        (src / "rootfs" / d).mkdir(parents=True)
    for link in ("bin", "sbin", "lib", "lib64"):
        (src / "rootfs" / link).symlink_to(f"usr/{link}")
    (src / "config.json").write_text(json.dumps({
        "description": "lxkns test volume plugin", "documentation": "https://example.invalid",
        "entrypoint": ["/usr/bin/python3", "-c", PLUGIN_SERVER, f"/run/docker/plugins/{sock}.sock"],
        "interface": {"types": ["docker.volumedriver/1.0"], "socket": f"{sock}.sock"},
        "network": {"type": "none"}, "linux": {"capabilities": []},
        "mounts": [{"source": "/usr", "destination": "/usr", "type": "bind", "options": ["rbind", "ro"]}],
    }))
    ref = f"lxkns/{sock}:latest"
    engines.docker("plugin", "create", ref, str(src))
    try:
        engines.docker("plugin", "enable", ref)
        plugin_id = engines.docker("plugin", "inspect", "-f", "{{.Id}}", ref)
        pid = engines.ctr_task_pid("plugins.moby", plugin_id)
        d = discover()
        c = by_name(engine(d, engines, CONTAINERD), sock)
        assert (c.id, c.flavor, c.type) == (plugin_id, "plugin.docker.com", CONTAINERD)
        assert c.labels["plugin.docker.com/name"] == sock
        assert_tied(d, c, pid)
    finally:
        engines.docker("plugin", "rm", "-f", ref)


def test_lsallns_and_lxkns_name_the_containers_of_the_live_engines(engines: enginectl.Engines) -> None:
    """lsallns asks the engines it finds by default (--no-containers: not); the lxkns
    command does when its CONTAINER column is asked for."""
    from lxkns.cli import lsallns
    from lxkns.cli import main as lxkns_cli

    def run(main: Any, *argv: str) -> str:
        import contextlib
        import io

        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            assert main(["-q", *argv]) == 0
        return out.getvalue()

    with engines.docker_container(engines.busybox, "sleep", "1000") as (name, pid):
        uts = str(os.stat(f"/proc/{pid}/ns/uts").st_ino)
        rows = {(r["namespace"], r["type"]): r for r in json.loads(run(lsallns.main, "--json"))}
        assert rows[(int(uts), "uts")]["container"] == name
        rows = {(r["namespace"], r["type"]): r
                for r in json.loads(run(lsallns.main, "--json", "--no-containers"))}
        assert rows[(int(uts), "uts")]["container"] == ""
        table = run(lsallns.main)
        (line,) = [line for line in table.splitlines() if line.split()[:2] == [uts, "uts"]]
        assert line.split()[2:4] == [name, str(pid)]
        (row,) = json.loads(run(lxkns_cli.main, "-J", "-p", str(pid), "-t", "uts", "-o", "NS,CONTAINER"))[
            "namespaces"]
        assert row == {"ns": int(uts), "container": [name]}
