"""Container discovery without real engines: the protobuf codec, detection helpers,
decorators on drafts, and fake engines that hang, die or talk nonsense."""

from __future__ import annotations

import importlib
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
from hypothesis import given
from hypothesis import strategies as st

import lxkns
from lxkns._engines import detect, protobuf, transport
from lxkns._engines.protobuf import SchemaError, WireError
from lxkns.decorators import ContainerDraft, EngineDraft, composer, devcontainer, dockerplugin, kubernetes
from lxkns.model.options import parse_endpoint

FAKE = Path(__file__).parent / "engines" / "fake_engine.py"
PROTOS = [p.stem for p in Path(protobuf.PROTOS).glob("*.proto")]


# ------------------------------------------------------------------ protobuf codec

TEST_PROTO = """
syntax = "proto3";
package t.v1;
enum Colour { NONE = 0; RED = 1; }
message Inner { string s = 1; repeated int64 nums = 2; }
message All {
    int32 i32 = 1; int64 i64 = 2; uint32 u32 = 3; uint64 u64 = 4; sint32 s32 = 5; sint64 s64 = 6;
    bool b = 7; string s = 8; bytes raw = 9; Colour colour = 10; Inner inner = 11;
    repeated Inner inners = 12; map<string, string> labels = 13; repeated string names = 14;
    double d = 15; fixed32 f32 = 16; sfixed64 sf64 = 17; map<string, Inner> by_name = 18;
}
"""
PF = protobuf.parse(TEST_PROTO)

inner = st.fixed_dictionaries({"s": st.text(), "nums": st.lists(st.integers(-(2**63), 2**63 - 1))})
everything = st.fixed_dictionaries({}, optional={
    "i32": st.integers(-(2**31), 2**31 - 1), "i64": st.integers(-(2**63), 2**63 - 1),
    "u32": st.integers(0, 2**32 - 1), "u64": st.integers(0, 2**64 - 1),
    "s32": st.integers(-(2**31), 2**31 - 1), "s64": st.integers(-(2**63), 2**63 - 1),
    "b": st.booleans(), "s": st.text(), "raw": st.binary(), "colour": st.sampled_from([0, 1]),
    "inner": inner, "inners": st.lists(inner, max_size=3),
    "labels": st.dictionaries(st.text(), st.text(), max_size=4), "names": st.lists(st.text(), max_size=4),
    "d": st.floats(allow_nan=False), "f32": st.integers(0, 2**32 - 1),
    "sf64": st.integers(-(2**63), 2**63 - 1), "by_name": st.dictionaries(st.text(), inner, max_size=3),
})


@given(everything)
def test_codec_round_trips_every_field_kind(value: dict[str, Any]) -> None:
    decoded = protobuf.decode(PF, "All", protobuf.encode(PF, "All", value))
    for key, v in value.items():
        assert decoded[key] == v, key


def test_codec_leaves_defaults_out_and_skips_unknown_fields() -> None:
    assert protobuf.encode(PF, "All", {"i32": 0, "s": "", "b": False}) == b""
    # field 99 (varint), 98 (bytes), 97 (fixed64), 96 (fixed32) are not declared: skipped
    unknown = bytes([0x98, 0x06, 0x05, 0x92, 0x06, 0x02, 0x61, 0x62, 0x89, 0x06]) + bytes(8) + \
        bytes([0x85, 0x06]) + bytes(4)
    data = unknown + protobuf.encode(PF, "All", {"s": "kept"})
    assert protobuf.decode(PF, "All", data)["s"] == "kept"


def test_codec_decodes_unpacked_repeated_numbers() -> None:
    data = bytes([0x12, 0x00, 0x10, 0x05, 0x10, 0x07])  # inner.nums sent one by one
    assert protobuf.decode(PF, "Inner", data[2:])["nums"] == [5, 7]


@pytest.mark.parametrize("data", [
    b"\x08", b"\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", b"\x42\x05ab", b"\x0b", b"\x00\x01",
    b"\x42\x02\xff\xfe", b"\x08" + b"\x80" * 3, b"\x5a\x03\x0a\x05a",
])
def test_codec_rejects_malformed_messages(data: bytes) -> None:
    with pytest.raises(WireError):
        protobuf.decode(PF, "All", data)


def test_codec_rejects_a_wrong_wire_type() -> None:
    with pytest.raises(WireError):
        protobuf.decode(PF, "All", b"\x0a\x01x")  # i32 sent length-delimited


@pytest.mark.parametrize("text", [
    "message A { Missing m = 1; }", "message A { int32 a = 1; int32 b = 1; }",
    "message A { oneof x { int32 a = 1; } }", "message A { int32 a = 0; }", "message A {", "£",
])
def test_proto_parser_rejects_what_it_cannot_read(text: str) -> None:
    with pytest.raises(SchemaError):
        protobuf.parse(text)


def test_encode_rejects_undeclared_fields() -> None:
    with pytest.raises(SchemaError):
        protobuf.encode(PF, "All", {"nope": 1})


@pytest.mark.parametrize("name", PROTOS)
def test_our_protos_agree_with_protoc(name: str, tmp_path: Path) -> None:
    """protoc reads each of our .proto files, and its generated code and our codec
    understand each other's bytes for every message in it."""
    protoc = pytest.importorskip("grpc_tools.protoc", reason="grpcio-tools is not installed")
    pytest.importorskip("google.protobuf")
    from google.protobuf import json_format

    include = os.path.join(os.path.dirname(protoc.__file__), "_proto")
    rc = protoc.main(["protoc", f"-I{protobuf.PROTOS}", f"-I{include}", f"--python_out={tmp_path}",
                      f"{name}.proto"])
    assert rc == 0
    sys.path.insert(0, str(tmp_path))
    try:
        module = importlib.import_module(f"{name}_pb2")
    finally:
        sys.path.remove(str(tmp_path))
    pf = protobuf.load(name)
    for full, mt in pf.messages.items():
        if full == "google.protobuf.Empty":
            continue
        cls = getattr(module, full[len(pf.package) + 1:].split(".")[0])
        for part in full[len(pf.package) + 1:].split(".")[1:]:
            cls = getattr(cls, part)
        sample = _sample(pf, mt)
        ours = protobuf.encode(pf, full, sample)
        theirs = cls()
        theirs.ParseFromString(ours)
        assert json_format.MessageToDict(theirs, preserving_proto_field_name=True,
                                         use_integers_for_enums=True) == _as_json(pf, full, sample)
        assert protobuf.decode(pf, full, theirs.SerializeToString()) == protobuf.decode(pf, full, ours)
    del sys.modules[f"{name}_pb2"]


def _sample(pf: protobuf.ProtoFile, mt: protobuf.MessageType, depth: int = 0) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in mt.fields:
        if f.map_types is not None:
            out[f.name] = {"k1": "v1", "k2": "v2"}
        elif f.type in ("string",):
            out[f.name] = [f"{f.name}-a", f"{f.name}-b"] if f.repeated else f"{f.name}-ü"
        elif f.type in ("uint32", "int64", "int32", "enum"):
            out[f.name] = [1, 2] if f.repeated else 2
        elif f.type == "bool":
            out[f.name] = True
        elif depth < 3:
            sub = _sample(pf, pf.messages[f.type], depth + 1)
            out[f.name] = [sub, sub] if f.repeated else sub
    return out


def _as_json(pf: protobuf.ProtoFile, message: str, value: dict[str, Any]) -> dict[str, Any]:
    """What protobuf's MessageToDict makes of a sample (64-bit integers become strings)."""
    out: dict[str, Any] = {}
    for f in pf.messages[message].fields:
        if f.name not in value:
            continue
        v = value[f.name]
        if f.map_types is not None:
            out[f.name] = v
        elif f.type in ("int64", "uint64", "sint64", "fixed64", "sfixed64"):
            out[f.name] = [str(x) for x in v] if f.repeated else str(v)
        elif f.type in pf.messages:
            out[f.name] = ([_as_json(pf, f.type, x) for x in v] if f.repeated
                           else _as_json(pf, f.type, v))
        else:
            out[f.name] = v
    return out


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


def test_without_grpcio_containerd_engines_are_a_diagnostic(tmp_path: Path) -> None:
    """A fake containerd, found while grpcio cannot be imported."""
    probe = ("import sys, json; sys.modules['grpc'] = None\n"
             "import lxkns\n"
             "d = lxkns.discover(lxkns.STANDARD, with_containers=True, engine_timeout=0.5)\n"
             "print(json.dumps([[x.kind.value, x.message, list(x.examples)] for x in d.diagnostics"
             " if x.stage == 'containers']))")
    with fake_engine("containerd", "hang", tmp_path) as (_, path):
        out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    mine = [x for x in json.loads(out.stdout) if any(path in e for e in x[2])]
    assert [x[:2] for x in mine] == [
        ["unsupported", "containerd and CRI engines need grpcio (pip install lxkns[containerd])"]]


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
