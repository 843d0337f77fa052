"""Discovery against namespaces built here, checked for exact IDs, refs, parents and owners.

Ground truth comes from the scenario processes themselves (readlink/stat of
their own links and files), never from lxkns.
"""

from __future__ import annotations

import os

import pytest

import lxkns
from lxkns import Source

from conftest import discover, nsbuild

pytestmark = pytest.mark.privileged

HOST_USER = int(os.readlink("/proc/self/ns/user")[6:-1])
HOST_PID = int(os.readlink("/proc/self/ns/pid")[5:-1])
HOST_NET = int(os.readlink("/proc/self/ns/net")[5:-1])


def test_nested_user_namespaces_find_hidden_intermediates(scanner: str) -> None:
    with nsbuild.run(nsbuild.USERNS_CHAIN.replace("DEPTH", "4")) as sc:
        d = discover(scanner)
        chain = [d.namespace(f"user:[{ino}]") for ino in sc["chain"]]
        assert [ns.id.ino for ns in chain] == sc["chain"]
        # only the deepest has a process; the three above it are found through NS_GET_PARENT alone
        for hidden in chain[:3]:
            assert isinstance(hidden, lxkns.UserNamespace)
            assert hidden.sources == {Source.PARENT}
            assert hidden.ref == ()
            assert hidden.processes == ()
            assert hidden.hidden
        deepest = chain[3]
        assert deepest.ref == (f"/proc/{sc['pid']}/ns/user",)
        assert Source.PROCESS in deepest.sources
        assert [p.pid for p in deepest.leaders] == [sc["pid"]]
        assert deepest.ealdorman is not None and deepest.ealdorman.pid == sc["pid"]
        # the hierarchy, exactly, up to the host's user namespace
        assert chain[0].parent is not None and chain[0].parent.id.ino == HOST_USER
        for child, parent in zip(chain[1:], chain[:-1], strict=True):
            assert child.parent is parent
            assert child in parent.children
        assert [u.id.ino for u in deepest.ancestors()] == [*reversed(sc["chain"][:3]), HOST_USER]
        assert deepest.depth == 4
        # root created all of them (UID 0 mapped to root outside)
        assert {ns.owner_uid for ns in chain} == {0}
        assert {ns.owner_name for ns in chain} == {"root"}
        # the network namespace created in the deepest user namespace is owned by it
        net = d.namespace(f"net:[{sc['net']}]")
        assert net.owner is deepest
        assert net in deepest.owned[lxkns.NET]
        assert [u.id.ino for u in net.owners()] == [*reversed(sc["chain"]), HOST_USER]
        assert d.process(sc["pid"]).namespaces[lxkns.USER] is deepest


def test_pid_namespace_hierarchy_and_pid_map(scanner: str) -> None:
    with nsbuild.run(nsbuild.PIDNS_CHAIN) as sc:
        d = discover(scanner)
        host = d.namespace(f"pid:[{HOST_PID}]")
        ns1 = d.namespace(f"pid:[{sc['ns1']}]")
        ns2 = d.namespace(f"pid:[{sc['ns2']}]")
        assert isinstance(ns1, lxkns.HierarchicalNamespace) and isinstance(ns2, lxkns.HierarchicalNamespace)
        assert ns1.parent is host and ns2.parent is ns1
        assert ns2 in ns1.children and ns1 in host.children
        assert ns1.leader_pids == (sc["child"],)
        assert ns2.leader_pids == (sc["grandchild"],)
        assert ns1.ref == (f"/proc/{sc['child']}/ns/pid",)
        assert ns2.ref == (f"/proc/{sc['grandchild']}/ns/pid",)
        top = d.process(sc["top"])
        assert top.namespaces[lxkns.PID] is host
        assert top.for_children[lxkns.PID] is ns1
        # PIDs translate along the hierarchy
        assert d.pid_map is not None
        grand = sc["grandchild"]
        assert d.pid_map.translate(grand, host, ns1) == sc["grandchild_in_ns1"]
        assert d.pid_map.translate(grand, host, ns2) == 1
        assert d.pid_map.translate(1, ns2, host) == grand
        assert d.pid_map.translate(sc["child"], host, ns1) == 1
        assert d.pid_map.translate(sc["child"], host, ns2) is None
        chain = d.pid_map.namespaced_pids(grand, host)
        assert [(e.pid, e.pidns) for e in chain] == [(grand, host), (sc["grandchild_in_ns1"], ns1), (1, ns2)]


def test_pid_namespace_only_as_pid_for_children(scanner: str) -> None:
    with nsbuild.run(nsbuild.PID_FOR_CHILDREN) as sc:
        d = discover(scanner)
        ns = d.namespace(f"pid:[{sc['children']}]")
        assert ns.sources == {Source.FOR_CHILDREN}
        assert ns.ref == (f"/proc/{sc['pid']}/ns/pid_for_children",)
        assert ns.processes == () and ns.leaders == ()
        assert isinstance(ns, lxkns.HierarchicalNamespace)
        assert ns.parent is not None and ns.parent.id.ino == HOST_PID
        assert ns.owner is not None and ns.owner.id.ino == HOST_USER
        proc = d.process(sc["pid"])
        assert proc.for_children[lxkns.PID] is ns
        assert proc.namespaces[lxkns.PID].id.ino == sc["own"]


def test_time_namespace(scanner: str) -> None:
    with nsbuild.run(nsbuild.TIME_NS) as sc:
        d = discover(scanner)
        ns = d.namespace(f"time:[{sc['child_ns']}]")
        assert sc["for_children"] == sc["child_ns"] != sc["own"]
        assert ns.type is lxkns.TIME
        assert ns.leader_pids == (sc["child"],)
        assert ns.ref == (f"/proc/{sc['child']}/ns/time",)
        assert {Source.PROCESS, Source.FOR_CHILDREN} <= ns.sources
        assert d.process(sc["creator"]).for_children[lxkns.TIME] is ns
        assert d.process(sc["creator"]).namespaces[lxkns.TIME].id.ino == sc["own"]


def test_namespace_held_only_by_an_fd(scanner: str) -> None:
    with nsbuild.run(nsbuild.FD_HELD_NETNS) as sc:
        d = discover(scanner)
        ns = d.namespace(f"net:[{sc['net']}]")
        assert ns.sources == {Source.FD}
        assert ns.ref == (f"/proc/{sc['pid']}/fd/{sc['fd']}",)
        assert ns.processes == ()
        assert [p.pid for p in ns.holders] == [sc["pid"]]
        assert ns.owner is not None and ns.owner.id.ino == HOST_USER


def test_a_namespace_fd_after_thousands_of_others_is_found(scanner: str) -> None:
    """An fd directory too long for one directory read is listed to its end."""
    with nsbuild.run(nsbuild.FD_HELD_NETNS_AFTER_MANY) as sc:
        assert sc["fd"] > 3000 and len(os.listdir(f"/proc/{sc['pid']}/fd")) > 3000
        d = discover(scanner)
        ns = d.namespace(f"net:[{sc['net']}]")
        assert ns.sources == {Source.FD}
        assert ns.ref == (f"/proc/{sc['pid']}/fd/{sc['fd']}",)
        assert [p.pid for p in ns.holders] == [sc["pid"]]


def test_network_namespace_held_only_by_a_socket(scanner: str) -> None:
    with nsbuild.run(nsbuild.SOCKET_NETNS) as sc:
        d = discover(scanner)
        ns = d.namespace(f"net:[{sc['net']}]")
        assert ns.sources == {Source.SOCKET}
        assert ns.ref == ()  # a socket is no path to open a namespace by
        assert ns.owner is not None and ns.owner.id.ino == HOST_USER
        assert d.socket_processes[sc["sock"]] == (sc["pid"],)
        assert [p.pid for p in ns.holders] == [sc["pid"]]
        assert d.process(sc["pid"]).namespaces[lxkns.NET].id.ino == sc["home"] == HOST_NET


def test_loose_thread_in_another_network_namespace(scanner: str) -> None:
    with nsbuild.run(nsbuild.LOOSE_THREAD) as sc:
        d = discover(scanner)
        ns = d.namespace(f"net:[{sc['net']}]")
        proc = d.process(sc["pid"])
        task = next(t for t in proc.tasks if t.tid == sc["tid"])
        assert ns.sources == {Source.TASK}
        assert ns.loose_threads == (task,)
        assert ns.ref == (f"/proc/{sc['pid']}/task/{sc['tid']}/ns/net",)
        assert ns.processes == ()
        assert task.namespaces[lxkns.NET] is ns
        assert task.loose == (lxkns.NET,)
        assert proc.namespaces[lxkns.NET].id.ino == sc["proc_net"]
        main = next(t for t in proc.tasks if t.is_main)
        assert main.namespaces[lxkns.NET] is proc.namespaces[lxkns.NET]


def test_network_namespace_bind_mounted_with_no_process(scanner: str, tmp_base: str) -> None:
    with nsbuild.run(nsbuild.NETNS_BINDMOUNT.replace("BASE", repr(tmp_base))) as sc:
        d = discover(scanner)
        ns = d.namespace(f"net:[{sc['net']}]")
        assert ns.sources == {Source.BINDMOUNT}
        assert ns.processes == ()
        host_mnt = d.process(os.getpid()).namespaces[lxkns.MNT]
        assert host_mnt.ealdorman is not None
        assert ns.ref == (f"/proc/{host_mnt.ealdorman.pid}/ns/mnt", sc["path"])
        assert ns.owner is not None and ns.owner.id.ino == HOST_USER


def test_bind_mount_inside_a_processless_mount_namespace(scanner: str, tmp_base: str) -> None:
    with nsbuild.run(nsbuild.NESTED_PROCESSLESS.replace("BASE", repr(tmp_base))) as sc:
        d = discover(scanner)
        mnt = d.namespace(f"mnt:[{sc['mnt']}]")
        net = d.namespace(f"net:[{sc['net']}]")
        host_mnt = d.process(os.getpid()).namespaces[lxkns.MNT]
        assert host_mnt.ealdorman is not None
        context = f"/proc/{host_mnt.ealdorman.pid}/ns/mnt"
        assert mnt.sources == {Source.BINDMOUNT} and mnt.processes == ()
        assert mnt.ref == (context, sc["mntfile"])
        # the network namespace is mounted only inside the process-less mount namespace
        assert net.sources == {Source.BINDMOUNT}
        assert net.ref == (context, sc["mntfile"], sc["inner"])
        assert net.owner is not None and net.owner.id.ino == HOST_USER


def test_bind_mounted_user_and_pid_namespaces_get_their_parents(scanner: str, tmp_base: str) -> None:
    with nsbuild.run(nsbuild.BOUND_USER_AND_PID.replace("BASE", repr(tmp_base))) as sc:
        d = discover(scanner)
        user = d.namespace(f"user:[{sc['user']}]")
        pid = d.namespace(f"pid:[{sc['pid']}]")
        assert user.sources == {Source.BINDMOUNT, Source.OWNER} and pid.sources == {Source.BINDMOUNT}
        assert isinstance(user, lxkns.UserNamespace) and isinstance(pid, lxkns.HierarchicalNamespace)
        assert user.parent is not None and user.parent.id.ino == HOST_USER
        assert pid.parent is not None and pid.parent.id.ino == HOST_PID
        assert pid.owner is user and user.owner_uid == 0
        assert user.ref[-1] == sc["user_path"] and pid.ref[-1] == sc["pid_path"]


def _freezer() -> tuple[str, bool] | None:
    """(hierarchy directory, is v1) of the freezer lxkns itself will read, if writable."""
    with open("/proc/self/mountinfo") as f:
        mounts = [line.split(" - ") for line in f.read().splitlines()]
    v1 = [m[0].split()[4] for m in mounts if m[1].split()[0] == "cgroup" and "freezer" in m[1].split()[2]]
    v2 = [m[0].split()[4] for m in mounts if m[1].split()[0] == "cgroup2"]
    if v1:
        return v1[0], True
    if v2 and os.path.exists(os.path.join(v2[0], "cgroup.procs")):
        return v2[0], False
    return None


def test_frozen_processes(scanner: str) -> None:
    found = _freezer()
    if found is None:
        pytest.skip("no freezer cgroup hierarchy on this host")
    top, v1 = found
    with nsbuild.run(nsbuild.FROZEN.replace("TOP", repr(top)).replace("V1", repr(v1))) as sc:
        d = discover(scanner)
        frozen = d.process(sc["pid"])
        assert frozen.fridge_cgroup == sc["cgroup"]
        assert frozen.frozen is True
        assert frozen.tasks[0].frozen is True
        assert d.process(os.getpid()).frozen is False
