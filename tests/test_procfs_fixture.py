"""Whole discoveries on a fake procfs tree: parsing, sightings, refs and diagnostics
without any privileges, and both scanners producing the same graph."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import lxkns
from lxkns import DiagnosticKind, Source

from conftest import SCANNERS
from graphs import summary

HOST = {"cgroup": 10, "ipc": 11, "mnt": 12, "net": 13, "pid": 14, "time": 15, "user": 16, "uts": 17}


def _stat(pid: int, comm: str, ppid: int, start: int, state: str = "S", threads: int = 1) -> str:
    fields = [state, str(ppid)] + ["0"] * 14 + ["0", str(threads), "0", str(start)] + ["0"] * 17 + ["0", "0"]
    return f"{pid} ({comm}) {' '.join(fields)}\n"


def _ns(d: Path, **changes: int) -> None:
    (d / "ns").mkdir(parents=True)
    links = dict(HOST, **{k: v for k, v in changes.items() if k in HOST})
    for name, ino in links.items():
        os.symlink(f"{name}:[{ino}]", d / "ns" / name)
    os.symlink(f"pid:[{changes.get('pid_for_children', links['pid'])}]", d / "ns" / "pid_for_children")
    os.symlink(f"time:[{links['time']}]", d / "ns" / "time_for_children")


def _process(root: Path, pid: int, comm: str, ppid: int, start: int, *, cmdline: bytes = b"",
             threads: int = 1, **ns: int) -> Path:
    d = root / str(pid)
    d.mkdir()
    (d / "stat").write_text(_stat(pid, comm, ppid, start, threads=threads))
    (d / "cmdline").write_bytes(cmdline)
    (d / "cgroup").write_text("4:cpu,cpuacct:/cpu/a\n2:freezer:/frz\n0::/uni\n")
    (d / "fd").mkdir()
    _ns(d, **ns)
    return d


@pytest.fixture
def fake_proc(tmp_path: Path) -> Path:
    root = tmp_path / "proc"
    root.mkdir()
    init = _process(root, 1, "init", 0, 5, cmdline=b"/sbin/init\0splash\0")
    os.symlink("/dev/null", init / "fd" / "0")
    os.symlink("net:[5000]", init / "fd" / "3")
    os.symlink("socket:[777]", init / "fd" / "4")
    os.symlink("anon_inode:[eventfd]", init / "fd" / "5")
    (init / "mountinfo").write_text(
        "20 1 0:5 / / rw - ext4 /dev/root rw\n"
        "21 20 0:4 net:[6000] /run/netns/x\\040y rw - nsfs nsfs rw\n"
        "22 20 0:30 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"
        "garbage line\n"
    )
    (init / "root" / "run" / "netns").mkdir(parents=True)
    (init / "root" / "run" / "netns" / "x y").write_text("")
    (init / "root" / "sys" / "fs" / "cgroup" / "frz").mkdir(parents=True)
    (init / "root" / "sys" / "fs" / "cgroup" / "frz" / "cgroup.events").write_text("populated 1\nfrozen 1\n")
    _process(root, 2, "kthreadd", 0, 5)
    app = _process(root, 100, "app (1)", 1, 50, cmdline=b"/usr/bin/app\0", threads=2, net=4000)
    os.symlink("socket:[777]", app / "fd" / "7")
    (app / "task").mkdir()
    t = app / "task" / "101"
    t.mkdir()
    (t / "stat").write_text(_stat(101, "worker", 1, 51))
    (t / "cgroup").write_text("0::/uni\n")
    _ns(t, net=4100)
    _process(root, 110, "child", 100, 60, net=4000, pid_for_children=4500)
    (root / "200").mkdir()
    (root / "200" / "stat").write_text("200 (broken\n")
    z = root / "300"
    z.mkdir()
    (z / "stat").write_text(_stat(300, "zombie", 1, 70, state="Z"))
    os.symlink("100", root / "self")
    return root


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
