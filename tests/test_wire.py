"""The wire format both ways: round trips of real discoveries compared field by field,
our JSON schema and the OpenAPI contract, dumps of the Go lxkns, and malformed input."""

from __future__ import annotations

import contextlib
import copy
import json
import os
from pathlib import Path
from typing import Any

import attrs
import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lxkns
from lxkns import Discovery, WireFormatError

import fakeproc
import landscape
from conftest import discover, nsbuild
from graphs import summary
from landscape import M0, N0, N1, N4, N5, N6, N7, P0, P1, P2, U0, U1, U2, U3
from privdrop import as_nobody


def _openapi_file() -> Path | None:
    """The Go lxkns' OpenAPI description, if $LXKNS_OPENAPI names it. It is reference
    material, not part of the project: our own schema (lxkns/wire/schema) is what the
    project checks against; this is a second opinion where the original is at hand."""
    path = os.environ.get("LXKNS_OPENAPI")
    return Path(path) if path else None


def everything(d: Discovery) -> dict[str, Any]:
    """``graphs.summary`` plus every other field of processes, threads and the discovery."""
    def extra(x: lxkns.Process | lxkns.Task) -> tuple[Any, ...]:
        return (x.state, x.nice, x.priority, x.policy, x.affinity)

    out = summary(d)
    out["extra"] = {pid: (extra(p), p.euid, p.effective_caps, [extra(t) for t in p.tasks])
                    for pid, p in d.processes.items()}
    out["pidmap"] = None if d.pid_map is None else sorted(
        (pidns.id.ino, pid, tuple((e.pid, e.pidns.id.ino) for e in chain))
        for (pidns, pid), chain in d.pid_map.chains.items())
    out["options"] = attrs.evolve(d.options, native=None, workers=2)
    out["diagnostics"] = d.diagnostics
    out["ids"] = sorted((ns.type.type_name, ns.id.dev, ns.id.ino) for ns in d.all_namespaces())
    out["rest"] = (d.online_cpus, d.nsfs_dev, d.scanner, d.procfs_root)
    out["mounts"] = {
        nsid.ino: {path: ([(m.mount_id, m.parent_id, m.major, m.minor, m.root, m.fstype, m.source,
                            m.mount_options, dict(m.tags), m.super_options, m.hidden,
                            m.parent.mount_id if m.parent else None,
                            sorted(c.mount_id for c in m.children),
                            sorted((p.mntns_id.ino, p.mount_id) for p in m.peers),
                            sorted((p.mntns_id.ino, p.mount_id) for p in m.masters))
                           for m in mp.mounts],
                          mp.parent.path if mp.parent else None, [c.path for c in mp.children],
                          mp.visible.mount_id if mp.visible else None)
                   for path, mp in paths.items()}
        for nsid, paths in d.mounts.items()}
    out["containers"] = sorted(
        (c.id, c.name, c.type, c.flavor, c.pid, c.paused, dict(c.labels),
         c.engine.key if c.engine else None, [(g.type, g.name) for g in c.groups],
         c.process.pid if c.process else None, [x.name for x in c.enclosing])
        for c in d.containers if c.pid)
    out["engines"] = sorted((e.key, e.version, e.pid, dict(e.labels),
                             e.container.pid if e.container else None,
                             [c.pid for c in e.containers if c.pid]) for e in d.container_engines)
    out["groups"] = sorted((g.type, g.name, g.flavor, dict(g.labels), [c.pid for c in g.containers])
                           for g in d.container_groups)
    return out


def assert_same(a: Discovery, b: Discovery) -> None:
    sa, sb = everything(a), everything(b)
    for key in sa:  # one key at a time, so that a failure says which part differs
        assert sa[key] == sb[key], key
    assert sa == sb


def full(scanner: str) -> Discovery:
    return discover(scanner, lxkns.FULL, with_credentials=True)


# ------------------------------------------------------------------ round trips


def test_round_trip_of_a_live_full_discovery(scanner: str) -> None:
    d = full(scanner)
    text = d.to_json()
    back = Discovery.from_json(text)
    assert_same(d, back)
    assert back.to_json() == text
    me = back.process(os.getpid())
    assert me.euid == os.geteuid() and me.namespaces[lxkns.NET].id.ino == os.stat("/proc/self/ns/net").st_ino
    assert d.pid_map is not None and len(d.pid_map) == len(back.pid_map or ())


def _unprivileged_round_trip() -> dict[str, Any]:
    d = lxkns.discover(lxkns.FULL, with_credentials=True)
    back = Discovery.from_json(d.to_json())
    a, b = everything(d), everything(back)
    unknown = [p for p in d.processes.values() if not p.namespaces]
    return {"uid": os.geteuid(), "differ": [key for key in a if a[key] != b[key]],
            "same_text": back.to_json() == d.to_json(), "without_namespaces": len(unknown),
            "diagnostics": len(d.diagnostics)}


@pytest.mark.unprivileged
def test_round_trip_of_an_unprivileged_discovery() -> None:
    """Much is unknown to nobody (namespaces of others, owners, freezer states): all of it
    must come back as unknown, not as zero or false."""
    r = as_nobody(_unprivileged_round_trip)
    assert r["differ"] == [] and r["same_text"]
    assert r["uid"] != 0 and r["without_namespaces"] > 0 and r["diagnostics"] > 0


def test_round_trip_of_the_procfs_fixture(scanner: str, tmp_path: Path) -> None:
    root = fakeproc.build(tmp_path / "proc")
    d = lxkns.discover(lxkns.FULL, procfs_root=str(root), native=scanner == "native", with_credentials=True)
    back = lxkns.wire.from_json(lxkns.wire.to_json(d, indent=1))
    assert_same(d, back)
    child = back.process(110)
    assert (child.euid, child.effective_caps) == (1000, 0)
    assert back.process(1).effective_caps == (1 << 41) - 1
    assert back.process(100).frozen is True and back.process(100).tasks[1].frozen is False
    assert back.namespace("net:[4100]").loose_threads[0].tid == 101
    assert back.namespace("pid:[4500]").ref == (f"{root}/110/ns/pid_for_children",)
    assert back.process(110).for_children[lxkns.PID] is back.namespace("pid:[4500]")


@pytest.mark.privileged
def test_round_trip_with_real_namespaces(scanner: str, tmp_base: str) -> None:
    with nsbuild.run(nsbuild.USERNS_CHAIN.replace("DEPTH", "3")) as users, \
         nsbuild.run(nsbuild.PIDNS_CHAIN) as pids, \
         nsbuild.run(nsbuild.NESTED_PROCESSLESS.replace("BASE", repr(tmp_base))) as nested, \
         nsbuild.run(nsbuild.SOCKET_NETNS) as sockets, nsbuild.run(nsbuild.LOOSE_THREAD) as loose, \
         nsbuild.run(nsbuild.FD_HELD_NETNS) as held:
        d = full(scanner)
        back = Discovery.from_json(d.to_json())
    assert_same(d, back)
    # the facts the scenarios built are in the imported graph
    chain = [back.namespace(ino, lxkns.USER) for ino in users["chain"]]
    assert chain[0].ref == () and chain[1].parent is chain[0] and chain[2].parent is chain[1]
    assert back.namespace(users["net"], lxkns.NET).owner is chain[2]
    top = back.process(pids["top"]).namespaces[lxkns.PID]
    ns1, ns2 = back.namespace(pids["ns1"], lxkns.PID), back.namespace(pids["ns2"], lxkns.PID)
    assert back.pid_map is not None
    assert back.pid_map.translate(pids["grandchild"], top, ns1) == pids["grandchild_in_ns1"]
    assert back.pid_map.translate(pids["grandchild"], top, ns2) == 1
    assert back.namespace(nested["net"], lxkns.NET).ref[-1] == nested["inner"]
    assert [p.pid for p in back.namespace(sockets["net"], lxkns.NET).holders] == [sockets["pid"]]
    assert back.socket_processes[sockets["sock"]] == (sockets["pid"],)
    assert [t.tid for t in back.namespace(loose["net"], lxkns.NET).loose_threads] == [loose["tid"]]
    assert back.namespace(held["net"], lxkns.NET).ref == (f"/proc/{held['pid']}/fd/{held['fd']}",)


def test_dumps_are_reproducible_and_sorted() -> None:
    d = lxkns.wire.from_dict(landscape.landscape())
    text = d.to_json(indent=2)
    assert text == Discovery.from_json(text).to_json(indent=2)
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True)
    compact = d.to_json(compact=True)
    assert compact == json.dumps(json.loads(text), separators=(",", ":"), sort_keys=True)
    assert "\n" not in compact
    data = d.to_dict()
    data["namespaces"].clear()  # fresh objects: changing them changes nothing else
    assert d.to_dict()["namespaces"]


def test_an_imported_discovery_is_a_complete_frozen_graph() -> None:
    d = lxkns.wire.from_dict(landscape.landscape())
    u1 = d.namespace(f"user:[{U1}]")
    assert isinstance(u1, lxkns.UserNamespace)
    assert (u1.owner_uid, u1.owner_name, u1.parent) == (1000, "alice", d.namespace(f"user:[{U0}]"))
    assert [c.id.ino for c in u1.children] == [U2]
    assert {n.type_id for n in u1.owned_namespaces()} == {f"pid:[{P1}]", f"net:[{N1}]", "mnt:[4026532403]"}
    assert d.namespace(f"user:[{U2}]").hidden and d.namespace(f"user:[{U2}]").ref == ()
    net = d.namespace(f"net:[{N1}]")
    assert net.leader_pids == (1200,) and net.ealdorman is d.process(1200)
    assert [p.pid for p in net.processes] == [1200, 1201, 1202]
    assert d.process(1202).parent is d.process(1201) and d.process(1201).children == (d.process(1202),)
    assert d.process(1500).tasks[1].loose == (lxkns.NET,)
    assert d.task(1501).process is d.process(1500)
    assert d.namespace(f"net:[{N5}]").holders == (d.process(1500),)
    assert d.initial_namespaces[lxkns.USER] is d.user_roots[0]
    assert d.namespace(f"net:[{N1}]").id == lxkns.NamespaceID(4, N1)  # the dump's nsfs device
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        net.ref = ()  # type: ignore[misc]
    with pytest.raises(TypeError):
        d.processes[1] = d.process(2)  # type: ignore[index]


# ------------------------------------------------------------------ schemas


def _validate(schema: dict[str, Any], data: Any) -> list[str]:
    validator = jsonschema.Draft202012Validator(schema)
    return [f"{e.json_path}: {e.message[:200]}" for e in validator.iter_errors(data)]


def test_our_schema_is_valid_and_accepts_what_we_write(tmp_path: Path) -> None:
    schema = lxkns.wire.schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    dumps = [full("native" if lxkns.native_available() else "python").to_dict(),
             lxkns.discover(procfs_root=str(fakeproc.build(tmp_path / "proc"))).to_dict()]
    dumps += [lxkns.wire.from_dict(f()).to_dict() for f in (landscape.landscape, landscape.go_new,
                                                          landscape.go_old)]
    for data in dumps:
        assert _validate(schema, data) == []
    # ... and it is strict enough to notice mistakes
    bad = copy.deepcopy(dumps[-1])
    bad["processes"]["1"]["tasks"][0]["namespaces"]["netz"] = 1
    bad["namespaces"][str(N1)]["parent"] = U0
    bad["surprise"] = True
    where = {e.split(":")[0] for e in _validate(schema, bad)}
    assert {"$", f"$.namespaces['{N1}']", "$.processes['1'].tasks[0].namespaces"} <= where, where


def _openapi_defs() -> dict[str, Any]:
    yaml = pytest.importorskip("yaml")
    path = _openapi_file()
    if path is None or not path.exists():
        pytest.skip("LXKNS_OPENAPI does not name the reference OpenAPI description")
    schemas = yaml.safe_load(path.read_text())["components"]["schemas"]
    result: dict[str, Any] = json.loads(json.dumps(schemas).replace("#/components/schemas/", "#/$defs/"))
    return result


def test_what_we_write_validates_against_the_openapi_components() -> None:
    defs = _openapi_defs()

    def check(name: str, value: Any) -> list[str]:
        return _validate({"$defs": defs, "$ref": f"#/$defs/{name}"}, value)

    for d in (full("python"), lxkns.wire.from_dict(landscape.landscape())):
        data = d.to_dict()
        assert check("DiscoveryResult", data) == []
        assert check("DiscoveryOptions", data["discovery-options"]) == []
        assert check("PIDMap", data["pidmap"]) == []
    data["processes"]["1"]["fridgefrozen"] = "no"
    data["namespaces"][str(N1)]["type"] = "network"
    assert len(check("DiscoveryResult", data)) == 2


# ------------------------------------------------------------------ dumps of the Go lxkns


def test_a_dump_of_the_go_lxkns_imports() -> None:
    d = lxkns.wire.from_dict(landscape.go_new())
    assert d.pid_map is None and not d.options.with_pid_map and d.options.from_tasks
    u = {ino: d.namespace(ino, lxkns.USER) for ino in (U0, U1, U2, U3)}
    assert u[U3].parent is u[U2] and u[U2].parent is u[U1] and u[U1].parent is u[U0]
    assert u[U2].sources == {lxkns.Source.PARENT} and u[U2].hidden
    assert d.namespace(P2, lxkns.PID).owner is u[U3] and d.namespace(P2, lxkns.PID).parent.id.ino == P1
    # leaders and loose threads come from the process table, sources and holders from refs
    assert d.namespace(N1, lxkns.NET).leader_pids == (1200,)
    assert d.namespace(N6, lxkns.NET).loose_threads == (d.task(1501),)
    assert d.namespace(N6, lxkns.NET).sources == {lxkns.Source.TASK}
    assert d.namespace(N4, lxkns.NET).sources == {lxkns.Source.FD}
    assert d.namespace(N4, lxkns.NET).holders == (d.process(1),)
    assert d.namespace(N5, lxkns.NET).holders == (d.process(1500),)
    assert d.namespace(N7, lxkns.NET).sources == {lxkns.Source.BINDMOUNT}
    assert d.initial_namespaces[lxkns.MNT].id.ino == M0  # from kthreadd, as in a live discovery
    assert d.process(2000).cpu_cgroup == f"/system.slice/docker-{landscape.DOCKER_ID}.scope"
    assert d.process(1200).euid is None
    assert d.process(1500).for_children == {}  # the Go format does not say
    # containers, their engine and group, tied to their process and its namespaces
    (web,) = d.containers
    assert (web.id, web.name, web.type, web.pid, web.paused) == (landscape.DOCKER_ID, "web", "docker.com",
                                                                  2000, False)
    assert web.process is d.process(2000) and d.process(2000).container is web
    assert web.engine is not None and (web.engine.id, web.engine.version, web.engine.pid) == (
        "engine-1", "27.0", 900)
    assert web.engine.containers == (web,) and web.engine.process is None  # 900 is not in the dump
    (project,) = d.container_groups
    assert project.name == "webapp" and project.containers == (web,) and web.groups == (project,)
    assert "web" in d.process(2000).namespaces[lxkns.NET].container_names()
    # the mount table, as the Go lxkns computed it
    root = d.mounts[d.namespace(M0, lxkns.MNT).id]["/"]
    (m,) = root.mounts
    assert (m.mount_id, m.parent_id, m.fstype, m.source, m.hidden) == (28, 1, "ext4", "/dev/sda2", False)
    assert dict(m.tags) == {"shared": "1"} and root.visible is m
    assert d.options.with_mounts and d.options.with_containers
    assert d.diagnostics == ()


def test_an_old_dump_of_the_go_lxkns_imports() -> None:
    d = lxkns.wire.from_dict(landscape.go_old())
    o = d.options
    assert (o.from_procs, o.from_tasks, o.from_fds, o.with_hierarchy, o.with_freezer) == (
        True, False, True, True, False)
    assert d.namespace(N1, lxkns.NET).ref == ("/proc/1200/ns/net",)  # a string then
    assert d.namespace(N7, lxkns.NET).ref == ("/proc/1/ns/mnt", "/run/netns/blue")
    assert d.process(1200).cpu_cgroup == "/user.slice/user-1000.slice/session-1.scope"
    assert d.process(1200).fridge_cgroup is None and d.process(1200).frozen is None
    assert d.process(2).cmdline == ("",)
    assert [t.tid for t in d.process(1500).tasks] == [1500]
    assert d.namespace(N1, lxkns.NET).owner is d.namespace(U1, lxkns.USER)
    assert d.namespace(U1, lxkns.USER).owner_name == "alice"  # not the "root" of the other types


# ------------------------------------------------------------------ malformed input


def _set(path: tuple[Any, ...], value: Any) -> Any:
    def mutate(d: dict[str, Any]) -> None:
        target: Any = d
        for step in path[:-1]:
            target = target[step]
        if value is _DELETE:
            del target[path[-1]]
        else:
            target[path[-1]] = value
    return mutate


_DELETE = object()
_BAD = [
    (_set(("processes", "1200", "pid"), -1200), ("processes", "1200", "pid"), "positive"),
    (_set(("processes", "1200", "ppid"), -1), ("processes", "1200", "ppid"), "out of range"),
    (_set(("processes", "1500", "tasks", 1, "tid"), 0), ("processes", "1500", "tasks", 1, "tid"),
     "out of range"),
    (_set(("processes", "1200", "name"), 7), ("processes", "1200", "name"), "expected a string"),
    (_set(("processes", "1200", "starttime"), True), ("processes", "1200", "starttime"), "integer"),
    (_set(("processes", "1200", "starttime"), 1.5), ("processes", "1200", "starttime"), "fractional"),
    (_set(("processes", "1200", "namespaces", "net"), 4026599999), ("processes", "1200", "namespaces", "net"),
     "dangling reference"),
    (_set(("processes", "1200", "namespaces", "net"), U1), ("processes", "1200", "namespaces", "net"),
     "is a user namespace, not a net namespace"),
    (_set(("processes", "1200", "namespaces", "netz"), N1), ("processes", "1200", "namespaces"),
     "unknown namespace type 'netz'"),
    (_set(("namespaces", str(N1), "type"), "network"), ("namespaces", str(N1), "type"),
     "unknown namespace type"),
    (_set(("namespaces", str(N1), "owner"), 99), ("namespaces", str(N1), "owner"), "dangling reference"),
    (_set(("namespaces", str(N1), "leaders"), [1200, 4242]), ("namespaces", str(N1), "leaders", 1),
     "no process 4242"),
    (_set(("namespaces", str(N6), "loose-threads"), [1502]), ("namespaces", str(N6), "loose-threads", 0),
     "no thread 1502"),
    (_set(("namespaces", str(P2), "parent"), N1), ("namespaces", str(P2), "parent"), "not a pid namespace"),
    (_set(("namespaces", str(N1), "parent"), N0), ("namespaces", str(N1), "parent"),
     "has no parent"),
    (_set(("namespaces", str(U1), "owner"), U0), ("namespaces", str(U1), "owner"), "has no owner"),
    (_set(("namespaces", str(N1), "nsid"), N0), ("namespaces", str(N1), "nsid"), "differs from its key"),
    (_set(("namespaces", "-5"), {"nsid": 5, "type": "net"}), ("namespaces", "-5"), "in decimal"),
    (_set(("namespaces", str(N1), "reference"), [1]), ("namespaces", str(N1), "reference", 0), "string"),
    (_set(("pidmap", 0, 0, "nsid"), N1), ("pidmap", 0, 0, "nsid"), "not a pid namespace"),
    (_set(("pidmap", 1), []), ("pidmap", 1), "at least one PID"),
    (_set(("discovery-options", "scanned-namespace-types", 0), "bogus"),
     ("discovery-options", "scanned-namespace-types", 0), "unknown namespace type"),
    (_set(("discovery-options", "from-fds"), "yes"), ("discovery-options", "from-fds"), "true or false"),
    (_set(("cpus-online",), [[3, 1]]), ("cpus-online", 0), "backwards"),
    (_set(("diagnostics", 0, "kind"), "oops"), ("diagnostics", 0, "kind"), "unknown diagnostic kind"),
    (_set(("lxkns-schema",), 2), ("lxkns-schema",), "newer"),
    (_set(("processes",), _DELETE), (), "missing 'processes'"),
    (_set(("namespaces",), []), ("namespaces",), "expected an object, not an array"),
    (_set(("initial-namespaces", "pid"), U0), ("initial-namespaces", "pid"), "not a pid namespace"),
    (_set(("processes", "1500", "tasks", 1, "tid"), 1200), ("processes", "1500", "tasks", 1, "tid"),
     "taken by another"),
]


@pytest.mark.parametrize(("mutate", "path", "message"), _BAD)
def test_malformed_dumps_raise_one_error_naming_the_path(mutate: Any, path: tuple[Any, ...],
                                                          message: str) -> None:
    data = landscape.landscape()
    mutate(data)
    with pytest.raises(WireFormatError) as info:
        lxkns.wire.from_dict(data)
    assert info.value.path == path
    assert message in str(info.value)
    assert isinstance(info.value, lxkns.ParseError) and isinstance(info.value, ValueError)
    assert lxkns.errors.json_path(path) in str(info.value)


@pytest.mark.parametrize("text", ["", "not json", "{", "[1, 2]", "null", '{"namespaces": NaN}',
                                  b"\xff\xfe{", "[" * 100_000, '"just a string"'])
def test_text_that_is_no_dump_raises_the_same_error(text: str | bytes) -> None:
    with pytest.raises(WireFormatError) as info:
        Discovery.from_json(text)
    assert info.value.path == ()


def test_json_paths_read_well() -> None:
    assert lxkns.errors.json_path(("processes", "42", "tasks", 0, "tid")) == "$.processes.42.tasks[0].tid"
    assert lxkns.errors.json_path(("mounts", "1", "/run")) == '$.mounts.1["/run"]'


# ------------------------------------------------------------------ mutated dumps (hypothesis)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _paths(item, (*path, i))
    return found


_BASES = {"ours": landscape.landscape(), "go": landscape.go_new(), "old": landscape.go_old()}
_PATHS = {name: _paths(doc)[1:] for name, doc in _BASES.items()}
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**65), max_value=2**65) | st.floats()
    | st.text(max_size=8) | st.sampled_from([0, -1, 1, 1200, 2**31, N1, U0, P0, "net", "user", "pid"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6)


@settings(max_examples=int(os.environ.get("LXKNS_FUZZ_EXAMPLES", "400")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_dumps_import_or_raise_wire_format_error(data: st.DataObject) -> None:
    base = data.draw(st.sampled_from(sorted(_BASES)))
    doc = copy.deepcopy(_BASES[base])
    for _ in range(data.draw(st.integers(1, 3))):
        paths = _paths(doc)[1:]
        if not paths:
            break
        path = data.draw(st.sampled_from(paths))
        parent: Any = doc
        for step in path[:-1]:
            parent = parent[step]
        how = data.draw(st.sampled_from(["replace", "delete", "rename", "negate"]))
        if how == "replace":
            parent[path[-1]] = data.draw(_json_values)
        elif how == "delete":
            del parent[path[-1]]
        elif how == "rename" and isinstance(parent, dict):
            parent[data.draw(st.text(max_size=6))] = parent.pop(path[-1])
        elif how == "negate" and type(parent[path[-1]]) is int:
            parent[path[-1]] = -parent[path[-1]]
    try:
        d = lxkns.wire.from_dict(doc)
    except WireFormatError:
        return
    # whatever imports is a whole discovery that can be written again, validly
    again = d.to_dict()
    assert _validate(lxkns.wire.schema(), again) == []
    assert lxkns.wire.from_dict(again).to_dict() == again


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0), st.binary(max_size=4))
def test_truncated_or_garbled_text_raises_wire_format_error(cut: int, junk: bytes) -> None:
    text = json.dumps(_BASES["ours"]).encode()
    cut %= len(text)
    with contextlib.suppress(WireFormatError):  # anything else fails the test
        Discovery.from_json(text[:cut] + junk + text[cut + len(junk):])


def test_the_codec_is_registered_by_the_views_layer() -> None:
    from lxkns.model import codec

    assert codec.codec().from_json is lxkns.wire.from_json


def test_mounts_on_one_path_keep_the_dumps_order_when_mount_ids_were_reused() -> None:
    """The kernel hands out freed mount IDs again: a mount covering another one on the same
    path may have the lower ID. The dump's order on a path is the mount order."""
    d = landscape.go_new()
    mount = d["mounts"][str(M0)]["/"]["mounts"][0]
    proc = [dict(mount, mountid=91, parentid=28, fstype="proc", source="proc", mountpoint="/proc",
                 hidden=True),
            dict(mount, mountid=48, parentid=28, fstype="proc", source="proc", mountpoint="/proc",
                 hidden=False)]
    d["mounts"][str(M0)]["/proc"] = {"mounts": proc, "pathid": 2, "parentid": 1}
    back = lxkns.wire.from_dict(d)
    on_proc = back.mounts[back.namespace(M0, lxkns.MNT).id]["/proc"]
    assert [(m.mount_id, m.hidden) for m in on_proc.mounts] == [(91, True), (48, False)]
    assert on_proc.visible is not None and on_proc.visible.mount_id == 48
    again = lxkns.wire.from_dict(back.to_dict())
    assert [m.mount_id for m in again.mounts[again.namespace(M0, lxkns.MNT).id]["/proc"].mounts] == [91, 48]
