"""Whole discoveries on a fake procfs tree: parsing, sightings, refs and diagnostics
without any privileges, and both scanners producing the same graph."""

from __future__ import annotations

from pathlib import Path

import pytest

import lxkns
from lxkns import DiagnosticKind, Source

import fakeproc
from conftest import SCANNERS
from graphs import summary


@pytest.fixture
def fake_proc(tmp_path: Path) -> Path:
    return fakeproc.build(tmp_path / "proc")


@pytest.fixture(params=SCANNERS)
def fake_discovery(request: pytest.FixtureRequest, fake_proc: Path) -> lxkns.Discovery:
    return lxkns.discover(lxkns.FULL, procfs_root=str(fake_proc), native=request.param == "native")


def test_process_table(fake_discovery: lxkns.Discovery, fake_proc: Path) -> None:
    d = fake_discovery
    assert sorted(d.processes) == [1, 2, 100, 110, 300]  # 200's stat is malformed
    app = d.process(100)
    assert app.name == "app (1)" and app.cmdline == ("/usr/bin/app",) and app.basename == "app"
    assert app.parent is d.process(1) and app in d.process(1).children
    assert d.process(1).cmdline == ("/sbin/init", "splash")
    assert (app.cpu_cgroup, app.fridge_cgroup) == ("/cpu/a", "/frz")
    assert [t.tid for t in app.tasks] == [100, 101]
    assert d.process(300).namespaces == {}  # a zombie shows none
    # cgroup v2 freezer state, read through the initial mount namespace's view
    assert app.frozen is True and app.tasks[0].frozen is True
    assert app.tasks[1].fridge_cgroup == "/uni" and app.tasks[1].frozen is False
    with pytest.raises(lxkns.UnknownProcessError):
        d.process(200)


@pytest.mark.parametrize("scanner", SCANNERS)
def test_parents_and_members_after_pids_wrapped_around(fake_proc: Path, scanner: str) -> None:
    fakeproc.add_wrapped_pids(fake_proc)
    d = lxkns.discover(procfs_root=str(fake_proc), native=scanner == "native")
    parent = d.process(900)
    assert [p.pid for p in parent.children] == [50, 60, 950]  # by PID, wherever the parent is
    assert all(d.process(pid).parent is parent for pid in (50, 60, 950))
    assert d.process(900).parent is d.process(1)
    # four processes in three link sets, one net namespace: its members come in PID order
    net = d.namespace("net:[4200]")
    assert [p.pid for p in net.processes] == [50, 60, 900, 950]
    assert net.leader_pids == (900,)
    assert [p.pid for p in d.namespace("uts:[4300]").processes] == [50]
    host_uts = d.namespace("uts:[17]")
    assert [p.pid for p in host_uts.processes] == sorted(p.pid for p in host_uts.processes)
    assert {60, 900, 950} <= {p.pid for p in host_uts.processes}


def test_sightings_and_refs(fake_discovery: lxkns.Discovery, fake_proc: Path) -> None:
    d, root = fake_discovery, str(fake_proc)
    host_net = d.namespace("net:[13]")
    assert host_net.leader_pids == (1, 2) and host_net.ref == (f"{root}/1/ns/net",)
    app_net = d.namespace("net:[4000]")
    assert app_net.leader_pids == (100,)  # 110 is its child in the same namespace
    assert [p.pid for p in app_net.processes] == [100, 110]
    assert app_net.ref == (f"{root}/100/ns/net",)
    loose = d.namespace("net:[4100]")
    assert loose.sources == {Source.TASK}
    assert [t.tid for t in loose.loose_threads] == [101]
    assert loose.ref == (f"{root}/100/task/101/ns/net",)
    held = d.namespace("net:[5000]")
    assert held.sources == {Source.FD} and held.ref == (f"{root}/1/fd/3",)
    mounted = d.namespace("net:[6000]")
    assert mounted.sources == {Source.BINDMOUNT}
    assert mounted.ref == (f"{root}/1/ns/mnt", "/run/netns/x y")
    children = d.namespace("pid:[4500]")
    assert children.sources == {Source.FOR_CHILDREN}
    assert children.ref == (f"{root}/110/ns/pid_for_children",)
    assert d.socket_processes == {777: (1, 100)}
    assert d.initial_namespaces[lxkns.USER] is d.namespace("user:[16]")


def test_diagnostics_explain_what_is_missing(fake_discovery: lxkns.Discovery) -> None:
    kinds = {(x.stage, x.kind) for x in fake_discovery.diagnostics}
    assert ("processes", DiagnosticKind.MALFORMED) in kinds      # PID 200's stat
    assert ("namespaces", DiagnosticKind.UNAVAILABLE) in kinds   # the zombie
    # a fake tree has no namespaces to open: each open failure is reported, nothing crashes
    assert any(x.stage == "namespaces" and "open" in x.message for x in fake_discovery.diagnostics)


def test_both_scanners_agree_on_the_fixture(fake_proc: Path) -> None:
    if len(SCANNERS) < 2:
        pytest.skip("the compiled scanner is not available")
    a = lxkns.discover(lxkns.FULL, procfs_root=str(fake_proc), native=True)
    b = lxkns.discover(lxkns.FULL, procfs_root=str(fake_proc), native=False)
    assert summary(a) == summary(b)
    # which process first showed a namespace (and so names it in examples) may differ
    assert [(x.kind, x.stage, x.message, x.count) for x in a.diagnostics] == [
        (x.kind, x.stage, x.message, x.count) for x in b.diagnostics]


def test_missing_procfs_root_is_a_clear_error(tmp_path: Path) -> None:
    for native in ([True, False] if len(SCANNERS) == 2 else [False]):
        with pytest.raises(lxkns.ScanError, match="procfs root"):
            lxkns.discover(procfs_root=str(tmp_path / "nope"), native=native)


def test_mount_table_from_the_fixture(fake_discovery: lxkns.Discovery) -> None:
    d = fake_discovery
    ns = d.namespace("mnt:[12]")
    assert isinstance(ns, lxkns.MountNamespace) and ns.mount_table_via == "mountinfo"
    assert list(ns.mounts) == ["/", "/run/netns/x y", "/sys/fs/cgroup"]  # "garbage line" skipped
    assert d.mounts[ns.id] is ns.mounts
    nsfs = ns.mounts["/run/netns/x y"].visible
    assert nsfs is not None and (nsfs.root, nsfs.fstype, nsfs.mount_id) == ("net:[6000]", "nsfs", 21)
    assert nsfs.parent is ns.mounts["/"].visible and nsfs.path is not None
    assert nsfs.path.parent is ns.mounts["/"]
    malformed = [x for x in d.diagnostics if x.stage == "mounts" and x.kind == DiagnosticKind.MALFORMED]
    assert len(malformed) == 1 and malformed[0].count == 1
    assert malformed[0].examples[0].startswith("mnt:[12]: ")


def test_a_helper_thread_of_lxkns_is_the_last_ref(fake_proc: Path) -> None:
    """A namespace in which a process has a thread named like lxkns' helper threads (another
    discovery's mount thread passing through, a mountineer's) and which an fd holds: the
    fd is the ref, since the helper is gone in a moment."""
    import os

    t = fake_proc / "100" / "task" / "102"
    t.mkdir()
    (t / "stat").write_text((fake_proc / "100" / "task" / "101" / "stat").read_text()
                            .replace("101 (worker)", "102 (lxkns-mntns)"))
    (t / "ns").mkdir()
    for name in os.listdir(fake_proc / "100" / "task" / "101" / "ns"):
        target = os.readlink(fake_proc / "100" / "task" / "101" / "ns" / name)
        os.symlink("net:[4200]" if name == "net" else target, t / "ns" / name)
    os.symlink("net:[4200]", fake_proc / "110" / "fd" / "5")
    for native in ([True, False] if len(SCANNERS) == 2 else [False]):
        d = lxkns.discover(lxkns.STANDARD, procfs_root=str(fake_proc), native=native)
        ns = d.namespace("net:[4200]")
        assert ns.ref == (f"{fake_proc}/110/fd/5",), native
