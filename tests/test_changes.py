"""lxkns.changes: what appeared and what went away between two discoveries."""

from __future__ import annotations

import copy
import os
import subprocess
from typing import Any

import pytest

import lxkns

import synthetic
from conftest import nsbuild


def load(data: dict[str, Any]) -> lxkns.Discovery:
    return lxkns.Discovery.from_dict(data)


def test_no_changes_between_a_discovery_and_its_copy() -> None:
    data = synthetic.landscape(80)
    a, b = load(data), load(copy.deepcopy(data))
    diff = lxkns.changes(a, b)
    assert not diff and str(diff) == "no changes"
    assert diff.lines() == []


def test_appeared_and_gone_objects_come_from_the_right_side() -> None:
    before = synthetic.landscape(80)
    after = copy.deepcopy(before)
    gone_pid = next(int(k) for k, p in after["processes"].items() if p["name"] == "sleep")
    del after["processes"][str(gone_pid)]
    for ns in after["namespaces"].values():  # the dump names leaders; the importer checks them
        if gone_pid in ns.get("leaders", []):
            ns["leaders"].remove(gone_pid)
    after["namespaces"]["4026539999"] = {"nsid": 4026539999, "type": "net", "sources": ["bind"],
                                         "owner": 4026531837, "reference": ["/run/netns/new"]}
    a, b = load(before), load(after)
    diff = lxkns.changes(a, b)
    assert [ns.type_id for ns in diff.appeared_namespaces] == ["net:[4026539999]"]
    assert diff.appeared_namespaces[0] is b.namespace("net:[4026539999]")
    assert [p.pid for p in diff.gone_processes] == [gone_pid]
    assert diff.gone_processes[0] is a.process(gone_pid)
    assert not diff.gone_namespaces and not diff.appeared_processes
    assert diff.lines() == ["1 namespace appeared: net:[4026539999]",
                            f"1 process gone: {gone_pid} (sleep)"]


def test_a_reused_inode_shows_as_gone_and_appeared() -> None:
    """Same type and inode, but another owner: not the same namespace (the inode was reused)."""
    before = synthetic.landscape(40)
    after = copy.deepcopy(before)
    blue = after["namespaces"]["4026532190"]
    alice = next(k for k, ns in after["namespaces"].items() if ns.get("user-name") == "alice")
    blue["owner"] = int(alice)
    diff = lxkns.changes(load(before), load(after))
    assert [ns.type_id for ns in diff.appeared_namespaces] == ["net:[4026532190]"]
    assert [ns.type_id for ns in diff.gone_namespaces] == ["net:[4026532190]"]
    assert diff.appeared_namespaces[0].owner is not None
    assert diff.appeared_namespaces[0].owner.id.ino == int(alice)


def test_a_reused_pid_shows_as_gone_and_appeared() -> None:
    before = synthetic.landscape(40)
    after = copy.deepcopy(before)
    proc = after["processes"]["901"]
    proc["starttime"] += 1000
    for task in proc["tasks"]:
        task["starttime"] += 1000
    diff = lxkns.changes(load(before), load(after))
    assert [p.pid for p in diff.appeared_processes] == [901] == [p.pid for p in diff.gone_processes]
    assert diff.appeared_processes[0].starttime == diff.gone_processes[0].starttime + 1000


def test_containers_and_mounts() -> None:
    before = synthetic.landscape(40)
    after = copy.deepcopy(before)
    key = next(k for k, c in after["containers"].items() if c["name"] == "batch")
    del after["containers"][key]
    for engine in after["container-engines"].values():
        if int(key) in engine["containers"]:
            engine["containers"].remove(int(key))
    host = str(4026531841)
    cache = after["mounts"][host]["/mnt/data/cache"]
    after["mounts"][host]["/mnt/data/cache2"] = {**copy.deepcopy(cache), "pathid": 99}
    after["mounts"][host]["/mnt/data/cache2"]["mounts"][0].update(mountid=999, mountpoint="/mnt/data/cache2")
    diff = lxkns.changes(load(before), load(after))
    assert [c.name for c in diff.gone_containers] == ["batch"]
    assert [(m.mount_id, m.mount_point) for m in diff.appeared_mounts] == [(999, "/mnt/data/cache2")]
    assert "1 container gone: batch (docker.com)" in diff.lines()


def test_the_key_function_is_the_one_place_of_identity() -> None:
    d = load(synthetic.landscape(20))
    ns = d.namespace("net:[4026532190]")
    key = lxkns.model.changes.namespace_key(ns)
    again = load(synthetic.landscape(20)).namespace("net:[4026532190]")
    assert key == lxkns.model.changes.namespace_key(again)
    assert key != lxkns.model.changes.namespace_key(d.namespace("net:[4026531840]"))


@pytest.mark.privileged
def test_a_real_network_namespace_appears_and_goes() -> None:
    before = lxkns.discover()
    with nsbuild.run('''
unshare(CLONE_NEWNET)
report(net=ino("/proc/self/ns/net"), pid=os.getpid())
hold()
''') as sc:
        during = lxkns.discover()
    after = lxkns.discover()
    came = lxkns.changes(before, during)
    assert f"net:[{sc['net']}]" in [ns.type_id for ns in came.appeared_namespaces]
    assert sc["pid"] in [p.pid for p in came.appeared_processes]
    went = lxkns.changes(during, after)
    assert f"net:[{sc['net']}]" in [ns.type_id for ns in went.gone_namespaces]
    assert sc["pid"] in [p.pid for p in went.gone_processes]


def test_our_own_child_appears_unprivileged() -> None:
    before = lxkns.discover()
    child = subprocess.Popen(["sleep", "100"])
    try:
        during = lxkns.discover()
    finally:
        child.kill()
        child.wait()
    diff = lxkns.changes(before, during)
    assert child.pid in [p.pid for p in diff.appeared_processes]
    assert os.getpid() not in [p.pid for p in diff.appeared_processes + diff.gone_processes]


def with_stable_ids(data: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(data)
    for i, ns in enumerate(out["namespaces"].values()):
        ns["stable-id"] = 0x1000_0000_0000 + i
    return out


def test_stable_ids_decide_where_both_discoveries_have_them() -> None:
    before = with_stable_ids(synthetic.landscape(40))
    after = copy.deepcopy(before)
    after["namespaces"]["4026532190"]["stable-id"] = 0x2000_0000_0000  # same inode, a new namespace
    a, b = load(before), load(after)
    assert a.namespace("net:[4026532190]").stable_id is not None
    diff = lxkns.changes(a, b)
    assert [ns.type_id for ns in diff.appeared_namespaces] == ["net:[4026532190]"]
    assert [ns.type_id for ns in diff.gone_namespaces] == ["net:[4026532190]"]
    assert diff.appeared_namespaces[0].stable_id == 0x2000_0000_0000
    assert lxkns.model.changes.key_for(a, b) is lxkns.model.changes.namespace_key


def test_without_stable_ids_on_one_side_inodes_decide() -> None:
    a = load(with_stable_ids(synthetic.landscape(40)))
    b = load(synthetic.landscape(40))
    assert lxkns.model.changes.key_for(a, b) is lxkns.model.changes.inode_key
    assert not lxkns.changes(a, b)


def test_a_live_discovery_has_stable_ids_where_the_kernel_gives_them() -> None:
    d = lxkns.discover()
    ids = [ns.stable_id for ns in d.all_namespaces() if ns.ref]
    if not any(ids):
        pytest.skip("this kernel has no NS_GET_ID (Linux 6.18 and later)")
    every = all(ns.stable_id is not None for ns in d.all_namespaces())
    assert (lxkns.model.changes.key_for(d, d) is lxkns.model.changes.namespace_key) == every
    assert not lxkns.changes(d, lxkns.Discovery.from_json(d.to_json()))
