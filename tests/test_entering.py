"""Entering namespaces: the mountineer (file access inside mount namespaces) and the
switching API (functions run inside namespaces), against namespaces built here.

Every test checks that nothing is left behind: no helper thread, no child process,
no fd.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

import lxkns
from lxkns import (
    Mountineer,
    NamespaceOpenError,
    NamespaceThread,
    NamespaceTypeError,
    RestoreNamespaceError,
    run_in,
    run_in_process,
)

from conftest import IS_ROOT, nsbuild

SANDBOXES = [True, False] if lxkns.native_available() else [False]


def _children() -> set[str]:
    kids: set[str] = set()
    for tid in os.listdir("/proc/self/task"):
        with open(f"/proc/self/task/{tid}/children") as f:
            kids.update(f.read().split())
    return kids


def _snapshot() -> dict[str, Any]:
    return {"threads": sorted(os.listdir("/proc/self/task")), "fds": sorted(os.listdir("/proc/self/fd")),
            "children": sorted(_children()), "py_threads": threading.active_count()}


@pytest.fixture
def no_leaks() -> Iterator[None]:
    """Fails the test if it leaves a thread, an fd or a child process behind."""
    before = _snapshot()
    yield
    for _ in range(200):  # a joined thread may be seen for a moment while the kernel ends it
        after = _snapshot()
        if after == before:
            return
        time.sleep(0.005)
    assert after == before


def _thread_gone(tid: int) -> bool:
    """True once thread tid of ours has ended (a joined thread lingers for a moment)."""
    for _ in range(200):
        if str(tid) not in os.listdir("/proc/self/task"):
            return True
        time.sleep(0.005)
    return False


def _ino(path: str) -> int:
    return os.stat(path).st_ino


# ------------------------------------------------------------------ the mountineer

@pytest.fixture(params=["process", "bind", "fd"])
def container(request: pytest.FixtureRequest, tmp_base: str) -> Iterator[nsbuild.Scenario]:
    if not IS_ROOT:
        pytest.skip("needs root (CAP_SYS_ADMIN) to build namespaces")
    script = nsbuild.CONTAINERISH.replace("BASE", repr(tmp_base)).replace("HOLD", repr(request.param))
    with nsbuild.run(script) as sc:
        sc.facts["hold"] = request.param
        yield sc


def _check_container_files(m: Mountineer, sc: nsbuild.Scenario) -> None:
    passwd = sc["passwd"]
    assert m.read_text("/etc/passwd") == passwd
    assert m.read_text("/data/only-here") == "only in the container\n"
    assert not os.path.exists("/data/only-here")  # ... and not on the host
    assert "data" in m.listdir("/") and "etc" in m.listdir() and "oldroot" not in m.listdir("/")
    assert sorted(m.listdir("/data")) == ["abs", "etcdir", "loop", "only-here", "rel"]
    # symlinks that aim at /etc/passwd, absolutely or by climbing, end inside
    for link in ("/data/abs", "/data/rel", "/data/etcdir/passwd", "/../../../etc/passwd"):
        assert m.read_text(link) == passwd, link
        assert m.resolve(link) == m.root + "/etc/passwd", link
        with open(m.resolve(link)) as f:  # ordinary file I/O on the resolved path
            assert f.read() == passwd
    assert m.readlink("/data/abs") == "/etc/passwd"
    assert m.stat("/data/abs", follow_symlinks=False).st_mode & 0o170000 == 0o120000
    assert m.stat("/data/abs").st_size == len(passwd)
    assert m.exists("/data/only-here") and not m.exists("/data/nothing")
    assert m.resolve("/data/nothing/below") == m.root + "/data/nothing/below"
    with pytest.raises(OSError) as exc:
        m.read_text("/data/loop")
    assert exc.value.errno == errno.ELOOP
    with pytest.raises(ValueError):
        m.open("/etc/passwd", "w")
    with m.open("/etc/passwd", "rb") as f:
        assert f.read() == passwd.encode()


def test_mountineer_reads_files_only_a_container_has(no_leaks: None, container: nsbuild.Scenario) -> None:
    sc = container
    d = lxkns.discover(lxkns.FULL)
    ns = d.namespace(f"mnt:[{sc['mnt']}]")
    with Mountineer(ns) as m:
        _check_container_files(m, sc)
        if sc["hold"] == "process":  # through the process' own root
            assert (m.via, m.root, m.pid) == ("process", f"/proc/{sc['child']}/root", sc["child"])
        else:  # through a helper thread of ours, parked inside
            assert m.via == "thread" and m.root == f"/proc/{os.getpid()}/task/{m.pid}/root"
            assert str(m.pid) in os.listdir("/proc/self/task")
        assert m.ref == ns.ref
    assert m.closed
    with pytest.raises(ValueError, match="closed"):
        _ = m.root
    m.close()  # twice is fine


def test_mountineer_from_refs_and_paths(no_leaks: None, container: nsbuild.Scenario) -> None:
    sc = container
    if sc["hold"] == "bind":
        refs: list[Any] = [sc["mntfile"], (f"/proc/{os.getpid()}/ns/mnt", sc["mntfile"])]
    elif sc["hold"] == "fd":
        refs = [f"/proc/{sc['pid']}/fd/{sc['fd']}"]
    else:
        refs = [f"/proc/{sc['child']}/ns/mnt", [f"/proc/{sc['child']}/ns/mnt"]]
    for ref in refs:
        with Mountineer(ref) as m:
            assert m.read_text("/data/abs") == sc["passwd"]
            assert m.stat("/").st_ino == _ino(f"{m.root}/.")


def test_mountineer_errors_name_the_namespace(no_leaks: None) -> None:
    with pytest.raises(NamespaceOpenError, match="/nonexistent"):
        Mountineer("/nonexistent/ns")
    with pytest.raises(NamespaceOpenError, match="absolute"):
        Mountineer(("relative/path",))
    with pytest.raises(NamespaceTypeError, match=r"expected a mnt namespace, got net.*/proc/self/ns/net"):
        Mountineer("/proc/self/ns/net")
    d = lxkns.discover(types=lxkns.NET)
    net = d.process(os.getpid()).namespaces[lxkns.NET]
    with pytest.raises(NamespaceTypeError, match=rf"net:\[{net.id.ino}\]"):
        Mountineer(net)
    with pytest.raises(NamespaceOpenError, match="no ref"):
        Mountineer(lxkns.Namespace(id=net.id, type=lxkns.MNT))


@pytest.mark.privileged
def test_mountineer_of_a_namespace_that_is_gone(no_leaks: None) -> None:
    with nsbuild.run(nsbuild.ROOT_OVERMOUNT) as sc:
        ns = lxkns.discover(lxkns.FULL).namespace(f"mnt:[{sc['mnt']}]")
        with Mountineer(ns) as m:  # the process' root is the root it kept, under the overmount
            assert m.via == "process"
    with pytest.raises(NamespaceOpenError, match=rf"mnt:\[{sc['mnt']}\]"):
        Mountineer(ns)


# ------------------------------------------------------------------ switching

UtsNet = tuple[nsbuild.Scenario, lxkns.Discovery]


@pytest.fixture
def uts_net() -> Iterator[UtsNet]:
    if not IS_ROOT:
        pytest.skip("needs root (CAP_SYS_ADMIN) to build namespaces")
    with nsbuild.run(nsbuild.UTS_NET) as sc:
        yield sc, lxkns.discover()


def _thread_ns(tid: int, kind: str) -> int:
    return int(os.readlink(f"/proc/self/task/{tid}/ns/{kind}").split("[")[1][:-1])


def test_functions_run_inside_namespaces(no_leaks: None, uts_net: UtsNet) -> None:
    sc, d = uts_net
    uts, net = d.namespace(f"uts:[{sc['uts']}]"), d.namespace(f"net:[{sc['net']}]")
    assert run_in(socket.gethostname, uts) == "lxkns-test-uts"
    assert socket.gethostname() != "lxkns-test-uts"  # the caller never switched
    assert run_in(socket.if_nameindex, f"/proc/{sc['pid']}/ns/net") == [(1, "lo")]
    with NamespaceThread(uts, net) as t:
        assert t.run(socket.gethostname) == "lxkns-test-uts"
        assert (_thread_ns(t.tid, "uts"), _thread_ns(t.tid, "net")) == (sc["uts"], sc["net"])
        assert t.run(lambda a, b=0: a + b, 1, b=2) == 3
        with pytest.raises(ZeroDivisionError):
            t.run(lambda: 1 / 0)
        assert t.run(socket.gethostname) == "lxkns-test-uts"  # still there after an exception
    assert t.restored is True


def test_leaving_returns_even_after_an_exception(no_leaks: None, uts_net: UtsNet) -> None:
    sc, d = uts_net
    t = NamespaceThread(d.namespace(f"uts:[{sc['uts']}]"))
    with pytest.raises(KeyError), t:
        t.run(socket.gethostname)
        raise KeyError("in the block")
    assert t.restored is True


def _drop_capabilities() -> None:
    """Clear this thread's effective capabilities (capset is per thread)."""
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this thread
    data = (ctypes.c_uint32 * 6)()
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.capget(header, data) != 0:
        raise OSError(ctypes.get_errno(), "capget")
    data[0] = data[3] = 0  # effective, both halves
    if libc.capset(header, data) != 0:
        raise OSError(ctypes.get_errno(), "capset")


def test_a_thread_that_cannot_return_is_not_reused(no_leaks: None, uts_net: UtsNet) -> None:
    sc, d = uts_net
    uts = d.namespace(f"uts:[{sc['uts']}]")
    t = NamespaceThread(uts)
    with pytest.raises(RestoreNamespaceError) as exc, t:
        tid = t.tid
        t.run(_drop_capabilities)  # without CAP_SYS_ADMIN, setns() back fails
    assert exc.value.errno == errno.EPERM
    assert exc.value.namespace == f"uts:[{sc['uts']}] (/proc/{sc['pid']}/ns/uts)"
    assert t.restored is False and _thread_gone(tid)
    with pytest.raises(RuntimeError):
        t.run(socket.gethostname)


def test_switching_errors_are_typed(no_leaks: None, uts_net: UtsNet) -> None:
    sc, d = uts_net
    with pytest.raises(NamespaceOpenError, match="/nonexistent"), NamespaceThread("/nonexistent"):
        pass
    user = d.process(sc["pid"]).namespaces[lxkns.USER]
    with pytest.raises(NamespaceTypeError, match="a thread cannot enter a user namespace"), \
            NamespaceThread(d.namespace(f"uts:[{sc['uts']}]"), user):
        pass
    with pytest.raises(NamespaceTypeError, match="expected a uts namespace, got net"):
        lxkns.open_namespace(f"/proc/{sc['pid']}/ns/net", lxkns.UTS)
    fd = lxkns.open_namespace(d.namespace(f"uts:[{sc['uts']}]"), lxkns.UTS)
    assert os.fstat(fd).st_ino == sc["uts"]
    os.close(fd)
    with pytest.raises(ValueError):
        run_in(socket.gethostname)
    uts = d.namespace(f"uts:[{sc['uts']}]")
    sc.proc.stdin.close()  # type: ignore[union-attr]
    sc.proc.wait()
    with pytest.raises(NamespaceOpenError, match=rf"uts:\[{sc['uts']}\]"):
        run_in(socket.gethostname, uts)


@pytest.mark.privileged
def test_mount_namespace_switch_in_a_thread(no_leaks: None, tmp_base: str) -> None:
    script = nsbuild.CONTAINERISH.replace("BASE", repr(tmp_base)).replace("HOLD", '"bind"')
    with nsbuild.run(script) as sc:
        def read() -> str:
            with open("/etc/passwd") as f:
                return f.read()
        assert run_in(read, sc["mntfile"]) == sc["passwd"]
        assert read() != sc["passwd"]


@pytest.mark.privileged
def test_run_in_process_enters_user_namespaces_first(no_leaks: None) -> None:
    with nsbuild.run(nsbuild.USERNS_CHAIN.replace("DEPTH", "2")) as sc:
        d = lxkns.discover()
        user, net = d.namespace(f"user:[{sc['chain'][-1]}]"), d.namespace(f"net:[{sc['net']}]")

        def inside() -> tuple[str, list[tuple[int, str]], int]:
            with open("/proc/self/uid_map") as f:
                return f.read().split()[:3], socket.if_nameindex(), _ino("/proc/self/ns/user")  # type: ignore[return-value]

        uid_map, links, ino = run_in_process(inside, net, user)
        assert ino == sc["chain"][-1] and links == [(1, "lo")]
        assert uid_map == ["0", "0", "1"]  # UID 0 inside is root outside, as the scenario mapped it
        with pytest.raises(ZeroDivisionError):
            run_in_process(lambda: 1 / 0, net)
        with pytest.raises(lxkns.LxknsError, match="not picklable"):
            run_in_process(lambda: threading.Lock(), net)
        with pytest.raises(NamespaceTypeError):
            run_in(lambda: None, user)


# ------------------------------------------------------------------ unprivileged

USERNS_PROBE = r"""
import ctypes, json, os, socket, sys, threading
import lxkns
import lxkns.mountineer, lxkns.switching  # now: as nobody, this interpreter's library may be unreadable
from lxkns._lowlevel import syscalls
native = sys.argv[1] == "native"
libc = ctypes.CDLL(None, use_errno=True)
os.setgroups([])
os.setresgid(65534, 65534, 65534)
os.setresuid(65534, 65534, 65534)
libc.prctl(4, 1, 0, 0, 0)  # PR_SET_DUMPABLE: as an ordinary user's process is
r, w = os.pipe()
go_r, go_w = os.pipe()
child = os.fork()
if child == 0:  # a user namespace of nobody's, and a mount namespace with a tmpfs /tmp in it
    try:
        os.close(r)
        os.close(go_w)
        syscalls.unshare(0x10000000)
        for name, text in (("setgroups", "deny"), ("uid_map", "0 65534 1"), ("gid_map", "0 65534 1")):
            with open(f"/proc/self/{name}", "w") as f:
                f.write(text)
        syscalls.unshare(0x20000)
        if libc.mount(b"lxkns-nobody", b"/tmp", b"tmpfs", 0, None) != 0:
            raise OSError(ctypes.get_errno(), "mount")
        with open("/tmp/inside.txt", "w") as f:
            f.write("nobody's own")
        os.write(w, b"ok")
        os.read(go_r, 1)
    finally:
        os._exit(0)
os.close(w)
assert os.read(r, 2) == b"ok"
mnt = os.open(f"/proc/{child}/ns/mnt", os.O_RDONLY)
os.close(go_w)
os.waitpid(child, 0)  # now only our fd keeps the mount namespace
busy = threading.Event()
threading.Thread(target=busy.wait, daemon=True).start()  # a multi-threaded process, as Jupyter is
out = {"threads": threading.active_count()}
ref = f"/proc/{os.getpid()}/fd/{mnt}"
with lxkns.Mountineer(ref, native=native) as m:
    out["via"] = m.via
    out["text"] = m.read_text("/tmp/inside.txt")
    sandbox = m.pid
    out["sandbox_alive"] = os.path.exists(f"/proc/{sandbox}")
out["sandbox_gone"] = not os.path.exists(f"/proc/{sandbox}")
try:
    lxkns.run_in(lambda: None, ref)
except lxkns.SwitchNamespaceError as exc:
    out["switch_error"] = [exc.errno, exc.namespace]
user = syscalls.ns_owner(mnt)
def read():
    with open("/tmp/inside.txt") as f:
        return f.read()
out["in_process"] = lxkns.run_in_process(read, ref, f"/proc/self/fd/{user}")
try:
    lxkns.Mountineer("/proc/1/ns/mnt")
except lxkns.NamespaceOpenError as exc:
    out["open_error"] = exc.errno
out["children"] = open(f"/proc/self/task/{os.getpid()}/children").read().split()
busy.set()
print(json.dumps(out))
"""


@pytest.mark.unprivileged
@pytest.mark.parametrize("native", SANDBOXES, ids=lambda n: "native-sandbox" if n else "pure-sandbox")
def test_unprivileged_mountineer_enters_through_the_user_namespace(native: bool) -> None:
    """As nobody, in a multi-threaded process: a process-less mount namespace of nobody's own user
    namespace is entered by a forked helper (a thread may not: SwitchNamespaceError)."""
    if not IS_ROOT:
        pytest.skip("needs root to become nobody")
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", USERNS_PROBE, "native" if native else "pure"],
                         capture_output=True, text=True, timeout=120, cwd="/")
    assert out.returncode == 0, out.stderr
    r = json.loads(out.stdout)
    assert r["threads"] == 2
    assert (r["via"], r["text"], r["sandbox_alive"], r["sandbox_gone"]) == ("process", "nobody's own",
                                                                            True, True)
    assert r["switch_error"][0] == errno.EPERM and "/fd/" in r["switch_error"][1]
    assert r["in_process"] == "nobody's own"
    assert r["open_error"] == errno.EACCES
    assert r["children"] == []
