"""Container discovery without real engines: the protobuf codec, detection helpers,
decorators on drafts, and fake engines that hang, die or talk nonsense."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

import lxkns
from lxkns._engines import containerd, cri, detect, protobuf, transport
from lxkns._engines.errors import Deadline
from lxkns._engines.records import Endpoint
from lxkns.decorators import ContainerDraft, EngineDraft, composer, devcontainer, dockerplugin, kubernetes
from lxkns.model.options import parse_endpoint

from privdrop import as_nobody

FAKE = Path(__file__).parent / "engines" / "fake_engine.py"
PROTOS = Path(__file__).parent / "protos"  # the .proto declarations our messages are checked against


# ------------------------------------------------------------------ protobuf messages

APIS = {api.name: api for api in (*containerd.APIS, cri.API)}
METHODS = [m for module in (containerd, cri) for m in vars(module).values() if isinstance(m, protobuf.Method)]


def test_every_declared_api_has_its_proto_file() -> None:
    assert set(APIS) == {p.name for p in PROTOS.glob("*.proto")}


def _protoc(name: str, tmp: Path) -> Any:
    """What protoc (grpcio-tools) makes of one of our .proto files."""
    protoc = pytest.importorskip("grpc_tools.protoc", reason="grpcio-tools is not installed")
    from google.protobuf import descriptor_pb2

    include = os.path.join(os.path.dirname(protoc.__file__), "_proto")
    out = tmp / "out.desc"
    assert protoc.main(["protoc", f"-I{PROTOS}", f"-I{include}", f"--descriptor_set_out={out}", name]) == 0
    (fd,) = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes()).file
    return fd


def _normalized(fd: Any) -> Any:
    """A file descriptor without what protoc adds for other languages (JSON names)."""
    fd = type(fd).FromString(fd.SerializeToString())

    def strip(message: Any) -> None:
        for f in message.field:
            f.ClearField("json_name")
        for nested in message.nested_type:
            strip(nested)

    for m in fd.message_type:
        strip(m)
    return fd


@pytest.mark.parametrize("name", sorted(APIS))
def test_our_declarations_are_what_protoc_makes_of_the_proto_files(name: str, tmp_path: Path) -> None:
    """The messages described in code are exactly those of the .proto declaration."""
    pytest.importorskip("google.protobuf")
    theirs = _normalized(_protoc(name, tmp_path))
    ours = APIS[name].descriptor()
    assert ours == theirs, f"ours:\n{ours}\nprotoc's:\n{theirs}"


def _field_kinds(cls: type) -> dict[str, Any]:
    import typing

    return {k: v for k, v in typing.get_type_hints(cls).items()}


@pytest.mark.parametrize("method", METHODS, ids=lambda m: f"{m.service}.{m.name}")
def test_the_typed_views_name_declared_fields_of_the_right_kind(method: protobuf.Method[Any]) -> None:
    """Each Protocol the engine clients read answers through names fields of the message,
    with a Python type the runtime gives for it (nested views checked the same way)."""
    import collections.abc
    import typing

    pytest.importorskip("google.protobuf")
    from google.protobuf.descriptor import FieldDescriptor

    scalars = {FieldDescriptor.TYPE_STRING: str, FieldDescriptor.TYPE_BOOL: bool,
               FieldDescriptor.TYPE_UINT32: int, FieldDescriptor.TYPE_INT64: int,
               FieldDescriptor.TYPE_ENUM: int}
    module = containerd if method.api in containerd.APIS else cri
    (view,) = typing.get_args(typing.get_type_hints(module)[next(
        k for k, v in vars(module).items() if v is method)])

    def check(view: Any, descriptor: Any) -> None:
        for name, hint in _field_kinds(view).items():
            f = descriptor.fields_by_name[name]  # KeyError: no such field
            if f.message_type is not None and f.message_type.GetOptions().map_entry:
                assert typing.get_origin(hint) is collections.abc.Mapping, name
            elif f.is_repeated if hasattr(f, "is_repeated") else f.label == FieldDescriptor.LABEL_REPEATED:
                assert typing.get_origin(hint) is collections.abc.Sequence, name
                check(typing.get_args(hint)[0], f.message_type)
            elif f.message_type is not None:
                check(hint, f.message_type)
            else:
                assert scalars[f.type] is hint, name

    check(view, method.response_class().DESCRIPTOR)


def test_a_message_sent_in_two_parts_is_merged() -> None:
    """inner{a:5} then inner{b:7} is inner{a:5, b:7} (the hand-written codec lost a)."""
    pytest.importorskip("google.protobuf")
    container = protobuf.message_class(cri.API, "Container")
    first = container(id="c1", metadata={"name": "web"}, labels={"a": "1"}).SerializeToString()
    second = container(metadata={"attempt": 7}, labels={"b": "2"}).SerializeToString()
    merged = container.FromString(first + second)
    assert (merged.id, merged.metadata.name, merged.metadata.attempt) == ("c1", "web", 7)
    assert dict(merged.labels) == {"a": "1", "b": "2"}
    # by hand: field 3 (metadata) twice, name = 1 then attempt = 2 (a varint)
    by_hand = b"\x1a\x05\x0a\x03web" + b"\x1a\x02\x10\x07"
    assert (container.FromString(by_hand).metadata.name, container.FromString(by_hand).metadata.attempt) \
        == ("web", 7)


def test_presence_and_unknown_fields() -> None:
    pytest.importorskip("google.protobuf")
    container = protobuf.message_class(cri.API, "Container")
    assert not container().HasField("metadata")
    assert container(metadata={}).HasField("metadata")
    # field 99 (varint), 98 (bytes), 97 (fixed64), 96 (fixed32) are not declared: skipped
    unknown = bytes([0x98, 0x06, 0x05, 0x92, 0x06, 0x02, 0x61, 0x62, 0x89, 0x06]) + bytes(8) + \
        bytes([0x85, 0x06]) + bytes(4)
    assert container.FromString(unknown + container(id="kept").SerializeToString()).id == "kept"


@pytest.mark.parametrize("data", [b"\x0a", b"\x0a\x05ab", b"\x0b", b"\x00\x01", b"\x1a\x03\x0a\x05a",
                                  b"\x0a\x02\xff\xfe"])
def test_malformed_messages_are_decode_errors(data: bytes) -> None:
    pytest.importorskip("google.protobuf")
    from google.protobuf.message import DecodeError

    with pytest.raises(DecodeError):
        protobuf.message_class(cri.API, "Container").FromString(data)


def test_messages_are_made_once_whatever_the_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Engines are asked from several threads at once: the first uses make one pool."""
    pytest.importorskip("google.protobuf")
    monkeypatch.setattr(protobuf, "_pools", [])
    monkeypatch.setattr(protobuf, "_loaded", {})
    names = [(api, m.name) for api in APIS.values() for m in api.messages]
    barrier = threading.Barrier(8)
    found: list[set[str]] = []
    errors: list[BaseException] = []

    def work() -> None:
        barrier.wait()
        try:
            found.append({protobuf.message_class(api, name).DESCRIPTOR.full_name for api, name in names})
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(protobuf._pools) == 1
    assert found == [{f"{api.package}.{name}" for api, name in names}] * 8


def test_declarations_that_cannot_be_resolved_are_refused() -> None:
    pytest.importorskip("google.protobuf")
    api = protobuf.ApiFile("broken.proto", "t.v1", messages=(
        protobuf.Message("A", (protobuf.Field("m", 1, "Missing"),)),))
    with pytest.raises(ValueError, match="unknown type Missing"):
        api.descriptor()
    with pytest.raises(ValueError, match="no rpc"):
        protobuf.Method(api, "S", "Call")


class _FakeChannel:
    """Answers the CRI calls of cri.query with messages of the runtime, as a CRI-O might."""

    def __init__(self, answers: dict[str, dict[str, Any]]) -> None:
        self.answers = answers
        self.asked: list[tuple[str, str | None]] = []

    def call(self, method: protobuf.Method[Any], request: Any = None, *, metadata: Any = (),
             package: str | None = None) -> Any:
        self.asked.append((method.path(package), str(request).strip() if request is not None else None))
        return method.response_class()(**self.answers[method.name])


def test_cri_containers_without_metadata_and_pods_without_metadata() -> None:
    """Fields an engine leaves out (no metadata message at all) are absent, not empty."""
    pytest.importorskip("google.protobuf")
    channel = _FakeChannel({
        "ListPodSandbox": {"items": [
            {"id": "p1", "metadata": {"name": "web", "namespace": "prod", "uid": "u"}}, {"id": "p2"}]},
        "ListContainers": {"containers": [
            {"id": "c1", "pod_sandbox_id": "p1", "state": 1, "metadata": {"name": "app"}},
            {"id": "c2", "pod_sandbox_id": "p2", "state": 1, "annotations": {"x": "y"}},
            {"id": "c3", "state": 2}]},
        "ContainerStatus": {"info": {"info": json.dumps({"pid": 4242})}},
    })
    ep = Endpoint("/run/fake.sock", "cri", 0, explicit=True)
    report = cri.query(ep, Deadline(5), channel=channel, version=("runtime.v1alpha2", "fake 1"))  # type: ignore[arg-type]
    c1, c2 = report.containers
    assert (c1.name, c1.pid, c1.labels[cri.POD_NAME]) == ("app", 4242, "web")
    assert c1.labels[cri.CONTAINER_NAME] == "app"
    assert (c2.name, c2.labels) == ("c2", {"annotation.k8s/x": "y"})
    assert all(path.startswith("/runtime.v1alpha2.RuntimeService/") for path, _ in channel.asked)
    assert channel.asked[1][1] == "filter {\n  state {\n    state: CONTAINER_RUNNING\n  }\n}"


# ------------------------------------------------------------------ detection helpers

NET_UNIX = """Num       RefCount Protocol Flags    Type St Inode Path
0000000000000000: 00000002 00000000 00010000 0001 01 1001 /run/docker.sock
0000000000000000: 00000002 00000000 00010000 0001 01 1002 /run/containerd/containerd.sock.ttrpc
0000000000000000: 00000002 00000000 00000000 0001 03 1003 /run/connected.sock
0000000000000000: 00000002 00000000 00010000 0002 01 1004 /run/dgram.sock
0000000000000000: 00000002 00000000 00010000 0001 01 1005 @abstract
0000000000000000: 00000003 00000000 00000000 0001 03 1006
0000000000000000: 00000002 00000000 00010000 0001 01 1007 /run/with space.sock
garbage line
"""


def test_listening_stream_sockets_with_paths_are_read_from_net_unix() -> None:
    assert detect.parse_net_unix(NET_UNIX) == {
        1001: "/run/docker.sock", 1002: "/run/containerd/containerd.sock.ttrpc",
        1007: "/run/with space.sock"}


def test_engine_processes_are_recognized_by_name_and_podman_by_its_service() -> None:
    procs = [(10, "dockerd", ("dockerd",)), (11, "containerd-shim", ("x",)),
             (12, "podman", ("podman", "run", "busybox")),
             (13, "podman", ("podman", "system", "service", "--time=0")),
             (14, "crio", ()), (15, "systemd", ("/sbin/init",)), (16, "bash", ("dockerd",))]
    assert [(c.pid, c.kind) for c in detect.candidates(procs)] == [
        (10, "docker"), (13, "podman"), (14, "cri"), (15, "activator")]


def test_paths_resolve_inside_another_root(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "real" / "run").mkdir(parents=True)
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(str(root / "real" / "run" / "docker.sock"))
    (root / "real" / "run" / "plain.sock").write_text("")  # a regular file is no socket
    outside = socket.socket(socket.AF_UNIX)
    outside.bind(str(tmp_path / "host.sock"))
    (root / "var").mkdir()
    os.symlink("/real/run", root / "var" / "run")  # absolute: means root/real/run
    os.symlink("../real", root / "rel")
    os.symlink("/loop", root / "loop")
    os.symlink(str(tmp_path / "host.sock"), root / "escape.sock")  # a host path: inside, nothing
    os.symlink("../../host.sock", root / "climb.sock")
    r = str(root)
    try:
        want = (f"{r}/real/run/docker.sock", "/real/run/docker.sock")
        assert transport.resolve(r, "/var/run/docker.sock") == want
        assert transport.resolve(r, "/rel/run/../run/docker.sock") == want
        assert transport.resolve(r, "/../../var/run/docker.sock") == want
        for path in ("/var/run/missing.sock", "/loop/x", "/var/run/plain.sock", "/escape.sock",
                     "/climb.sock"):
            assert transport.resolve(r, path) is None, path
    finally:
        srv.close()
        outside.close()


@pytest.mark.parametrize(("spec", "path", "kind"), [
    ("unix:///run/docker.sock", "/run/docker.sock", ""), ("/run/x.sock", "/run/x.sock", ""),
    ("podman:unix:///run/podman/podman.sock", "/run/podman/podman.sock", "podman"),
    ("cri:/run/crio/crio.sock", "/run/crio/crio.sock", "cri"), ("unix:/a", "/a", ""),
])
def test_explicit_endpoints(spec: str, path: str, kind: str) -> None:
    assert parse_endpoint(spec) == (kind, path)


@pytest.mark.parametrize("spec", ["docker.sock", "tcp://1.2.3.4:2375", "docker:relative.sock", ""])
def test_bad_endpoints_are_refused_when_the_options_are_made(spec: str) -> None:
    with pytest.raises(lxkns.ParseError, match="engine endpoint"):
        lxkns.DiscoveryOptions(engine_endpoints=[spec])
    with pytest.raises(lxkns.ParseError):
        lxkns.discover(engine_endpoints=spec)


def test_options_presets_and_timeouts() -> None:
    assert lxkns.FULL.with_containers and not lxkns.STANDARD.with_containers
    assert lxkns.STANDARD.replace(engine_endpoints="/a.sock").engine_endpoints == ("/a.sock",)
    for bad in (0, -1, 1000):
        with pytest.raises(ValueError):
            lxkns.DiscoveryOptions(engine_timeout=bad)


# ------------------------------------------------------------------ decorators on drafts

def _engine(type: str = "docker.com", root: str = "") -> EngineDraft:
    return EngineDraft(id="e", type=type, version="1", api="unix:///x", pid=1, root=root)


def _add(e: EngineDraft, name: str, labels: dict[str, str] | None = None, cid: str = "") -> ContainerDraft:
    c = ContainerDraft(id=cid or name, name=name, type=e.type, flavor=e.type, pid=0, paused=False,
                       labels=dict(labels or {}), engine=e)
    e.containers.append(c)
    return c


def test_composer_groups_projects_per_engine() -> None:
    a, b = _engine(), _engine()
    a1 = _add(a, "a1", {"com.docker.compose.project": "p"})
    a2 = _add(a, "a2", {"com.docker.compose.project": "p"})
    a3 = _add(a, "a3", {"com.docker.compose.project": "q"})
    b1 = _add(b, "b1", {"com.docker.compose.project": "p"})
    _add(a, "lonely")
    composer.decorate([a, b])
    pa = a.groups[("com.docker.compose.project", "p")]
    assert pa.containers == [a1, a2] and a1.groups == [pa]
    assert a3.groups[0].name == "q" and b1.groups[0] is not pa
    assert len(a.groups) == 2


@pytest.mark.parametrize(("name", "parsed"), [
    ("k8s_app_web-0_default_0d9a-11ee_0", ("app", "web-0", "default", "0d9a-11ee")),
    ("/k8s_POD_web-0_default_0d9a_3", ("POD", "web-0", "default", "0d9a")),
    ("k8s_app_web_kube-system_u1_0_deadbeef", ("app", "web", "kube-system", "u1")),
    ("k8s_App_web_default_u_0", None), ("k8s_app_web_default_u_x", None), ("k8s_app_web_default_u", None),
    ("k8s_app__default_u_0", None), ("docker_app_web_default_u_0", None), ("k8s_app_web_d_U!_0", None),
    ("k8s_" + "a" * 64 + "_web_default_u_0", None),
])
def test_dockershim_names(name: str, parsed: tuple[str, str, str, str] | None) -> None:
    assert kubernetes.dockershim_name(name) == parsed


def test_kubernetes_pods_from_labels_and_from_dockershim_names() -> None:
    cri, docker = _engine("k8s.io/cri-api"), _engine()
    c1 = _add(cri, "app", {"io.kubernetes.pod.name": "web", "io.kubernetes.pod.namespace": "prod"})
    c2 = _add(cri, "side", {"io.kubernetes.pod.name": "web", "io.kubernetes.pod.namespace": "prod"})
    sandbox = _add(docker, "k8s_POD_db_prod_u1_0")
    app = _add(docker, "k8s_pg_db_prod_u1_0")
    _add(docker, "k8s_nope")
    kubernetes.decorate([cri, docker])
    web = cri.groups[("io.kubernetes.pod", "prod/web")]
    assert web.containers == [c1, c2] and web.type == web.flavor == "io.kubernetes.pod"
    db = docker.groups[("io.kubernetes.pod", "prod/db")]
    assert db.containers == [sandbox, app]
    assert sandbox.labels["io.kubernetes.docker.type"] == "podsandbox"
    assert app.labels["io.kubernetes.container.name"] == "pg"
    assert app.labels["io.kubernetes.pod.uid"] == "u1"
    assert len(docker.groups) == 1


@pytest.mark.parametrize(("labels", "added"), [
    ({"devcontainer.local_folder": "/home/me/src/project"}, {"lxkns.devcontainer.name": "project"}),
    ({"devcontainer.local_folder": "C:\\Users\\me\\proj\\"}, {"lxkns.devcontainer.name": "proj"}),
    ({"devcontainer.local_folder": "/"}, {}),
    ({"devcontainer.metadata": json.dumps([{"id": "x"}, {"containerEnv": {
        "CODESPACES": "true", "RepositoryName": "lxkns"}}])}, {"lxkns.codespace.name": "lxkns"}),
    ({"devcontainer.metadata": json.dumps([{"containerEnv": {"RepositoryName": "x"}}])}, {}),
    ({"devcontainer.metadata": "not json"}, {}),
])
def test_devcontainers_get_a_name(labels: dict[str, str], added: dict[str, str]) -> None:
    e = _engine()
    c = _add(e, "c", labels)
    devcontainer.decorate([e])
    assert c.labels == {**labels, **added}


def test_docker_plugins_are_named_by_their_socket(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "run" / "docker" / "plugins" / "abc123").mkdir(parents=True)
    (root / "run" / "docker" / "plugins" / "abc123" / "myvol.sock").write_text("")
    e = _engine("containerd.io", root=str(root))
    plugin = _add(e, "plugins.moby/abc123", cid="abc123")
    other = _add(e, "plugins.moby/zzz", cid="zzz")
    plain = _add(e, "plain")
    dockerplugin.decorate([e])
    assert (plugin.name, plugin.flavor, plugin.labels["plugin.docker.com/name"]) == (
        "myvol", "plugin.docker.com", "myvol")
    assert (other.name, other.flavor) == ("plugins.moby/zzz", "plugin.docker.com")
    assert plain.flavor == "containerd.io"


# ------------------------------------------------------------------ fake engines

@contextmanager
def fake_engine(comm: str, behaviour: str, tmp: Path,
                name: str = "") -> Iterator[tuple[subprocess.Popen[str], str]]:
    path = str(tmp / (name or f"{comm}-{behaviour}.sock"))
    proc = subprocess.Popen([sys.executable, str(FAKE), comm, path, behaviour], stdout=subprocess.PIPE,
                            text=True, env={**os.environ, "FAKE_ENGINE_CLIENT": str(os.getpid())})
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        yield proc, path
    finally:
        proc.kill()
        proc.wait(timeout=30)


def _ours(d: lxkns.Discovery, path: str) -> list[lxkns.Diagnostic]:
    return [x for x in d.diagnostics if x.stage == "containers" and any(path in e for e in x.examples)]


def _namespaces_complete(d: lxkns.Discovery) -> None:
    me = d.process(os.getpid())
    for t in lxkns.NamespaceType.all().members():
        assert me.namespaces[t].id.ino == os.stat(f"/proc/self/ns/{t.type_name}").st_ino


@pytest.mark.parametrize(("comm", "behaviour", "reason"), [
    ("dockerd", "hang", "did not answer in time"),
    ("containerd", "hang", "did not answer in time"),
    ("dockerd", "die", "cannot be reached"),
    ("dockerd", "garbage", "answered something unexpected"),
    ("containerd", "badproto", "answered something unexpected"),
])
def test_an_engine_that_misbehaves_is_a_diagnostic(comm: str, behaviour: str, reason: str,
                                                  tmp_path: Path) -> None:
    if comm == "containerd":
        pytest.importorskip("grpc", reason="grpcio is not installed")
    with fake_engine(comm, behaviour, tmp_path) as (_, path):
        d = lxkns.discover(lxkns.FULL, engine_timeout=0.5)
    found = _ours(d, path)
    assert [x.message for x in found] == [f"a container engine {reason}"], d.diagnostics
    assert not [e for e in d.container_engines if path in e.api]
    _namespaces_complete(d)


def test_an_engine_killed_during_discovery_is_a_diagnostic(tmp_path: Path) -> None:
    """The fake is killed once discovery has connected to it and waits for its answer."""
    with fake_engine("dockerd", "hang", tmp_path) as (proc, path):
        assert proc.stdout is not None
        out = proc.stdout

        def kill_when_asked() -> None:
            if out.readline().strip() == "accepted":
                os.kill(proc.pid, signal.SIGKILL)

        killer = threading.Thread(target=kill_when_asked)
        killer.start()
        try:
            d = lxkns.discover(lxkns.FULL, engine_timeout=30.0)
        finally:
            proc.kill()
            killer.join()
    assert [x.message for x in _ours(d, path)] == ["a container engine cannot be reached"]
    _namespaces_complete(d)


@pytest.mark.unprivileged
def test_a_socket_behind_a_directory_nobody_may_search_is_denied_not_missing(tmp_path: Path) -> None:
    """As nobody, an engine socket in a root-only directory (mode 0700) is not "cannot be
    reached": the diagnostic says permissions are in the way."""
    def probe(sock: str) -> list[list[str]]:
        d = lxkns.discover(lxkns.STANDARD, with_containers=True, detect_engines=False,
                           engine_endpoints=[sock])
        return [[x.kind.value, x.message] for x in _ours(d, sock)]

    if os.geteuid() != 0:
        pytest.skip("needs root to drop to nobody while root's fake engine runs")
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    with fake_engine("dockerd", "ok", private) as (_, path):
        os.chmod(path, 0o666)  # the socket itself would let anybody connect
        assert as_nobody(probe, path) == [
            ["denied", "a container engine may not be connected to (permission denied)"]]


def test_a_listener_that_is_being_killed_has_ended_and_is_no_impostor(tmp_path: Path) -> None:
    """Between SIGKILL and becoming a zombie a process' fd table is emptied while /proc still
    shows it running: PF_EXITING in its flags says it is ending, not serving from elsewhere."""
    def fake(flags: int, fds: dict[str, str]) -> str:
        proc = tmp_path / f"proc-{flags}-{len(fds)}"
        (proc / "7" / "fd").mkdir(parents=True)
        for name, target in fds.items():
            os.symlink(target, proc / "7" / "fd" / name)
        (proc / "7" / "stat").write_text(f"7 (dockerd) R 1 7 7 0 -1 {flags} 0 0 0 0 0 0 0 0 20 0 1 0\n")
        return str(proc)

    assert transport.holds(7, 1234, fake(0x4, {})) is None  # PF_EXITING: ending
    assert transport.holds(7, 1234, fake(0x400040, {})) is False  # alive, holds no such socket
    assert transport.holds(7, 1234, fake(0x400040, {"3": "socket:[1234]"})) is True
    assert transport.holds(7, 1234, str(tmp_path / "nothing")) is None


def test_a_small_fake_docker_is_found_with_no_containers_and_given_endpoints_are_used(tmp_path: Path) -> None:
    with fake_engine("dockerd", "ok", tmp_path) as (proc, path):
        d = lxkns.discover(lxkns.STANDARD, with_containers=True)
        (e,) = [e for e in d.container_engines if e.api == "unix://" + path]
        assert (e.type, e.id, e.version, e.pid, e.containers) == ("docker.com", "fake-engine-id",
                                                                   "0.0.1-fake", proc.pid, ())
        assert e.process is d.process(proc.pid)
        only = lxkns.discover(lxkns.STANDARD, with_containers=True, detect_engines=False,
                              engine_endpoints=[f"unix://{path}"])
        assert [(x.api, x.pid) for x in only.container_engines] == [("unix://" + path, proc.pid)]
        missing = lxkns.discover(lxkns.STANDARD, with_containers=True, detect_engines=False,
                                 engine_endpoints=[str(tmp_path / "nothing.sock")])
        assert not missing.container_engines
        assert [x.message for x in missing.diagnostics if x.stage == "containers"] == [
            "a container engine cannot be reached"]


@pytest.mark.parametrize(("kind", "behaviour", "expected"), [
    ("docker", "ok", None), ("containerd", "hang", "a container engine did not answer in time")])
def test_socket_paths_too_long_for_sockaddr_un_are_reached(kind: str, behaviour: str, expected: str | None,
                                                           tmp_path: Path) -> None:
    if kind == "containerd":
        pytest.importorskip("grpc", reason="grpcio is not installed")
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True)
    with fake_engine("dockerd" if kind == "docker" else "containerd", behaviour, deep, name="engine.sock") \
            as (_, path):
        assert len(path) > 107
        d = lxkns.discover(lxkns.STANDARD, with_containers=True, detect_engines=False,
                           engine_endpoints=[f"{kind}:{path}"], engine_timeout=1.0)
    if expected is None:
        assert [(e.type, e.api) for e in d.container_engines] == [("docker.com", f"unix://{path}")]
    else:
        assert [x.message for x in d.diagnostics if x.stage == "containers"] == [expected]


@pytest.mark.parametrize("missing", ["grpc", "google.protobuf"])
def test_without_grpcio_or_protobuf_containerd_engines_are_a_diagnostic(missing: str, tmp_path: Path) -> None:
    """A fake containerd, found while grpcio or the protobuf runtime cannot be imported."""
    probe = (f"import sys, json; sys.modules[{missing!r}] = None\n"
             "import lxkns\n"
             "d = lxkns.discover(lxkns.STANDARD, with_containers=True, engine_timeout=0.5)\n"
             "print(json.dumps([[x.kind.value, x.message, list(x.examples)] for x in d.diagnostics"
             " if x.stage == 'containers']))")
    with fake_engine("containerd", "hang", tmp_path) as (_, path):
        out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    mine = [x for x in json.loads(out.stdout) if any(path in e for e in x[2])]
    assert [x[:2] for x in mine] == [
        ["unsupported",
         "containerd and CRI engines need grpcio and protobuf (pip install lxkns[containerd])"]]


def test_a_decorator_that_fails_is_a_diagnostic(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from lxkns._discovery import containers as stage

    def broken(engines: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(stage, "load", lambda: ((("broken", broken),), (("missing", "ImportError: x"),)))
    with fake_engine("dockerd", "ok", tmp_path):
        d = lxkns.discover(lxkns.STANDARD, with_containers=True)
    found = {(x.message, x.examples) for x in d.diagnostics if x.stage == "containers"}
    assert ("a decorator plugin failed", ("broken: RuntimeError: boom",)) in found
    assert ("a decorator plugin could not be loaded", ("missing: ImportError: x",)) in found


def _open_now() -> tuple[set[str], set[str]]:
    return set(os.listdir("/proc/self/fd")), set(os.listdir("/proc/self/task"))


def _settled(timeout: float = 5.0) -> tuple[set[str], set[str]]:
    """fds and threads once they stop changing: a joined thread may show for a moment while
    the kernel ends it, and grpcio closes an abandoned connection's socket from its own
    threads, a little later."""
    last, end = _open_now(), time.monotonic() + timeout
    while time.monotonic() < end:
        time.sleep(0.05)
        now = _open_now()
        if now == last:
            return now
        last = now
    return last


def test_container_discovery_leaves_no_thread_or_fd_behind(tmp_path: Path) -> None:
    pytest.importorskip("grpc", reason="grpcio is not installed")
    with fake_engine("dockerd", "ok", tmp_path), fake_engine("containerd", "hang", tmp_path), \
         fake_engine("dockerd", "hang", tmp_path):
        lxkns.discover(lxkns.STANDARD, with_containers=True, engine_timeout=0.3)
        fds, threads = _settled()
        for _ in range(3):
            lxkns.discover(lxkns.STANDARD, with_containers=True, engine_timeout=0.3)
        fds_after, threads_after = _settled()
    left = {fd: os.readlink(f"/proc/self/fd/{fd}") for fd in fds_after - fds}
    assert not left, left
    assert threads_after <= threads
