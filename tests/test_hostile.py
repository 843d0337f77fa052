"""Hostile hosts: each trap a local user or a container root can set, set for real, shown
to be armed (it catches what falls into it) and then shown not to catch discovery.

Everything that could hang if a fix regressed runs in a subprocess with a timeout.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import shutil
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import lxkns
from lxkns._engines import transport
from lxkns._engines.errors import EngineImpostor, EngineUnreachable
from lxkns._engines.records import Endpoint
from lxkns._lowlevel import inroot, safeopen

import fakeproc
from conftest import IS_ROOT, SCANNERS, nsbuild

FAKE = Path(__file__).parent / "engines" / "fake_engine.py"
NOBODY = 65534
TIMEOUT = 120  # seconds a discovery in a subprocess may take on a busy host before it counts as hung


def _blocks(code: str, timeout: float = 3.0) -> bool:
    """Whether a snippet of Python is still blocked after ``timeout`` (it is killed then)."""
    try:
        subprocess.run([sys.executable, "-c", code], timeout=timeout, capture_output=True)
    except subprocess.TimeoutExpired:
        return True
    return False


def _discover_in_subprocess(code: str, *, env: dict[str, str] | None = None) -> Any:
    """Run a discovery snippet that prints JSON, in a subprocess that may not hang."""
    prelude = "import json, os, sys\nimport lxkns\n"
    out = subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code)], capture_output=True,
                         text=True, timeout=TIMEOUT, env=env, cwd="/")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def _userns_possible() -> bool:
    try:
        r = subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                            "unshare", "-Urm", "true"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return r.returncode == 0


# ------------------------------------------------------------------ the FIFO trap

FIFO_TRAP = """
set -e
cd "$1"
touch netns
unshare --net=netns true      # a network namespace pinned on a file ...
mkfifo fifo
mount --bind fifo netns       # ... and a FIFO bind-mounted over it
echo ready
exec sleep 600
"""


@pytest.fixture
def fifo_trap() -> Iterator[tuple[int, str]]:
    """As nobody, in a user and mount namespace of nobody's own: a FIFO over a bind-mounted
    network namespace. Yields (PID of the trap's holder, the path inside its namespace)."""
    if not IS_ROOT:
        pytest.skip("needs root to become nobody and to discover as root")
    if shutil.which("setpriv") is None or not _userns_possible():
        pytest.skip("nobody may not create user namespaces here")
    base = tempfile.mkdtemp(prefix="lxkns-fifo-trap-")
    os.chown(base, NOBODY, NOBODY)
    trap = subprocess.Popen(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                             "unshare", "-Urm", "sh", "-c", FIFO_TRAP, "trap", base],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert trap.stdout is not None and trap.stdout.readline().strip() == "ready"
        yield trap.pid, f"{base}/netns"
    finally:
        trap.kill()
        trap.wait(timeout=60)
        assert trap.stdout is not None
        trap.stdout.close()
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.privileged
@pytest.mark.parametrize("scanner", SCANNERS)
def test_a_fifo_over_a_bind_mounted_namespace_cannot_hang_discovery(
        fifo_trap: tuple[int, str], scanner: str) -> None:
    pid, path = fifo_trap
    # armed: opening that path for reading, as discovery used to, blocks (forever)
    assert _blocks(f"import os; os.open('/proc/{pid}/root{path}', os.O_RDONLY)")
    # not for discovery, with the default options, as root
    diags = _discover_in_subprocess(f"""
        d = lxkns.discover(native={scanner == 'native'})
        print(json.dumps([[x.stage, x.message, list(x.examples)] for x in d.diagnostics]))
    """)
    mine = [x for x in diags if any(path in e for e in x[2])]
    assert mine and mine[0][0] == "bindmounts", diags
    assert "not the kind of file expected" in mine[0][1]


@pytest.fixture
def fifo_proc(tmp_path: Path) -> Path:
    """The fixture procfs tree with FIFOs where namespaces and files are expected: an fd
    link, an ns link and a bind mount that lead to FIFOs, and a FIFO as a stat file."""
    root = fakeproc.build(tmp_path / "proc")
    fd_dir = root / "1" / "fd"
    os.symlink("net:[7000]", fd_dir / "9")  # readlink says a namespace; open() finds ...
    os.mkfifo(fd_dir / "net:[7000]")         # ... this FIFO
    ns_dir = root / "110" / "ns"
    os.unlink(ns_dir / "ipc")
    os.symlink("ipc:[8000]", ns_dir / "ipc")
    os.mkfifo(ns_dir / "ipc:[8000]")
    with open(root / "1" / "mountinfo", "a") as f:
        f.write("23 20 0:4 net:[6100] /run/netns/fifo rw - nsfs nsfs rw\n")
    os.mkfifo(root / "1" / "root" / "run" / "netns" / "fifo")
    stalled = root / "120"
    stalled.mkdir()
    os.mkfifo(stalled / "stat")
    return root


def test_fifos_in_a_foreign_procfs_cannot_hang_discovery(fifo_proc: Path) -> None:
    root = str(fifo_proc)
    for path in (f"{root}/1/fd/9", f"{root}/110/ns/ipc", f"{root}/1/root/run/netns/fifo",
                 f"{root}/120/stat"):
        assert _blocks(f"open({path!r}, 'rb')"), path  # armed
    for scanner in SCANNERS:
        found = _discover_in_subprocess(f"""
            d = lxkns.discover(lxkns.FULL, procfs_root={root!r}, native={scanner == 'native'})
            print(json.dumps({{"pids": sorted(d.processes),
                               "ns": sorted(ns.type_id for ns in d.all_namespaces()),
                               "diags": [[x.stage, x.message, list(x.examples)] for x in d.diagnostics]}}))
        """)
        assert found["pids"] == [1, 2, 100, 110, 300], scanner  # 120's stat is a FIFO: skipped
        assert {"net:[7000]", "ipc:[8000]", "net:[6100]"} <= set(found["ns"])
        wrong = [x for x in found["diags"] if "not the kind of file expected" in x[1]]
        examples = {e for x in wrong for e in x[2]}
        for where in (f"{root}/1/ns", f"{root}/110/ns", f"{root}/120/stat"):
            assert any(where in e for e in examples), (where, wrong)
        # the fixture's mount namespace has no known owner: its walk is guarded, and the
        # fixture tree lies on no mount of its made-up table: refused before the FIFO
        binds = [x for x in found["diags"] if x[0] == "bindmounts" and "mnt:[12] /run/netns/fifo" in x[2]]
        assert binds and ("not walked" in binds[0][1] or "not the kind" in binds[0][1]), found["diags"]


def test_safe_reads_refuse_what_is_no_regular_file_and_stop_at_the_cap(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "big").write_bytes(b"x" * 100)
    (tmp_path / "small").write_bytes(b"ok")
    root = os.open(tmp_path, os.O_PATH | os.O_DIRECTORY)
    try:
        with pytest.raises(OSError) as exc:
            safeopen.read_regular("/fifo", root)
        assert exc.value.errno == inroot.EWRONGTYPE
        with pytest.raises(OSError) as exc:
            safeopen.read_regular("/big", root, cap=99)
        assert exc.value.errno == 27  # EFBIG
        assert safeopen.read_regular("/big", root, cap=100) == b"x" * 100
        assert safeopen.read_regular("/small", root) == b"ok"
        with pytest.raises(OSError) as exc:
            safeopen.open_nsfs("/small", root, in_root=True)
        assert exc.value.errno == inroot.EWRONGTYPE
        fd = safeopen.open_nsfs("/proc/self/ns/net")
        try:
            assert os.fstat(fd).st_ino == os.stat("/proc/self/ns/net").st_ino
        finally:
            os.close(fd)
    finally:
        os.close(root)


# ------------------------------------------------------------------ the one resolver

@pytest.fixture(params=["openat2", "walk"])
def resolver(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test once with openat2() and once with the component walk (forced)."""
    if request.param == "walk":
        monkeypatch.setenv("LXKNS_ASSUME_MISSING", "openat2")
    elif not inroot.openat2_available():
        pytest.skip("this kernel has no openat2()")
    return str(request.param)


_IMPLEMENTATIONS = ["python", "c"] if lxkns.native_available() else ["python"]


@pytest.fixture(params=_IMPLEMENTATIONS)
def open_in_root(request: pytest.FixtureRequest, resolver: str) -> Any:
    """The Python resolver and its C twin (the scanner's), with openat2 and with the walk."""
    if request.param == "python":
        return inroot.open_path
    from lxkns._lowlevel import native

    return lambda rootfd, path: native.open_in_root(rootfd, path, force_walk=resolver == "walk")


def _tree(base: Path) -> Path:
    root = base / "root"
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "passwd").write_text("inside\n")
    (base / "passwd").write_text("outside\n")
    os.symlink("/etc", root / "abs")          # absolute: the root's /etc
    os.symlink("../../../..", root / "up")     # climbs: stops at the root
    os.symlink(str(base / "passwd"), root / "host")  # a host path: means root/<that path>
    os.symlink("loop", root / "loop")
    return root


def test_the_resolver_never_leaves_the_root(tmp_path: Path, open_in_root: Any) -> None:
    root = _tree(tmp_path)
    fd = os.open(root, os.O_PATH | os.O_DIRECTORY)
    try:
        for path in ("/etc/passwd", "/abs/passwd", "/up/etc/passwd", "/../../etc/passwd",
                     "/up/up/abs/../etc/./passwd"):
            pfd = open_in_root(fd, path)
            try:
                assert os.fstat(pfd).st_ino == (root / "etc" / "passwd").stat().st_ino, path
            finally:
                os.close(pfd)
        for path, err in (("/host", 2), ("/loop", 40), ("/etc/passwd/x", 20)):
            with pytest.raises(OSError) as exc:
                os.close(open_in_root(fd, path))
            assert exc.value.errno == err, path
        # the walk names what it found, inside the root
        pfd, parts = inroot.walk(fd, "/up/abs/passwd")
        os.close(pfd)
        assert parts == ["etc", "passwd"]
        assert inroot.walk(fd, "/abs/missing/x", missing_ok=True) == (-1, ["etc", "missing", "x"])
    finally:
        os.close(fd)


def test_the_mountineer_opens_regular_files_only_with_either_resolver(tmp_path: Path, resolver: str) -> None:
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "file").write_text("plain\n")
    os.symlink("file", tmp_path / "link")
    with lxkns.Mountineer("/proc/self/ns/mnt") as m:
        assert m.read_text(str(tmp_path / "link")) == "plain\n"
        assert m.resolve(str(tmp_path / "link")) == m.root + str(tmp_path / "file")
        with pytest.raises(OSError) as exc:
            m.read_text(str(tmp_path / "fifo"))  # refused, not blocked on
        assert exc.value.errno == inroot.EWRONGTYPE
        with pytest.raises(OSError) as exc:
            m.read_bytes(str(tmp_path / "file"), limit=3)
        assert exc.value.errno == 27  # EFBIG


def test_a_guarded_walk_refuses_mounts_it_does_not_know(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    fd = os.open(root, os.O_PATH | os.O_DIRECTORY)
    try:
        here = inroot.quick_stat(fd).mnt_id
        if here is None:
            pytest.skip("this kernel does not tell mount IDs (statx STATX_MNT_ID, 5.8)")
        pfd = inroot.open_path(fd, "/etc/passwd", guard=inroot.MountGuard([here]))
        os.close(pfd)
        with pytest.raises(OSError) as exc:  # a mount not in the table (a FUSE one, made later)
            inroot.open_path(fd, "/etc/passwd", guard=inroot.MountGuard([]))
        assert exc.value.errno == inroot.ESTALL
        assert inroot.MountGuard.of_table([(1, "ext4"), (2, "fuse.sshfs"), (3, "overlay")]).allowed == {1}
    finally:
        os.close(fd)


# ------------------------------------------------------------------ engine sockets

def _fake(comm: str, path: str, behaviour: str = "ok", chroot: str = "") -> subprocess.Popen[str]:
    env = {**os.environ, "FAKE_ENGINE_CLIENT": "0", "FAKE_ENGINE_CHROOT": chroot}
    proc = subprocess.Popen([sys.executable, str(FAKE), comm, path, behaviour], stdout=subprocess.PIPE,
                            text=True, env=env)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


def _peer(path: str) -> int:
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(10)
        s.connect(path)
        return struct.unpack("=iII", s.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))[0]


@contextlib.contextmanager
def _engine_in_a_root(tmp_path: Path) -> Iterator[tuple[Path, subprocess.Popen[str], list[Any]]]:
    """A fake dockerd chrooted into root (a container's engine) on /run/docker.sock."""
    if not IS_ROOT:
        pytest.skip("needs root to chroot a fake engine")
    root = tmp_path / "ctr"
    (root / "run").mkdir(parents=True)
    procs: list[Any] = []
    try:
        procs.append(_fake("dockerd", "/run/docker.sock", chroot=str(root)))
        yield root, procs[0], procs
    finally:
        for p in procs:
            p.kill()
            p.wait(timeout=60)
            p.stdout.close()


def _endpoint_of(d: lxkns.Discovery, pid: int) -> list[lxkns.ContainerEngine]:
    return [e for e in d.container_engines if e.pid == pid]


@pytest.mark.privileged
def test_a_swapped_path_component_cannot_redirect_the_connection(tmp_path: Path) -> None:
    with _engine_in_a_root(tmp_path) as (root, engine, procs):
        (host := tmp_path / "host").mkdir()
        procs.append(decoy := _fake("decoy", str(host / "docker.sock")))
        d = lxkns.discover(lxkns.STANDARD, with_containers=True, engine_timeout=10)
        assert [e.api for e in _endpoint_of(d, engine.pid)] == [f"unix:///proc/{engine.pid}/root/run/docker.sock"]
        from lxkns._engines import detect

        (ep,) = detect.endpoints("/proc", detect.candidates([(engine.pid, "dockerd", ())]), None)[0]
        # the container's root swaps /run for a symlink to a host directory
        os.rename(root / "run", root / "run.old")
        os.symlink(str(host), root / "run")
        # armed: the path as a string now leads root's connection to the host's socket
        assert _peer(ep.path) == decoy.pid
        # through the fd resolved inside the container's root, it leads nowhere
        with socket.socket(socket.AF_UNIX) as s, pytest.raises(EngineUnreachable):
            transport.connect(s, ep)
        d = lxkns.discover(lxkns.STANDARD, with_containers=True, engine_timeout=10)
        assert not _endpoint_of(d, engine.pid) and not [e for e in d.container_engines if e.pid == decoy.pid]


@pytest.mark.privileged
def test_a_socket_path_leading_to_an_impostor_is_refused(tmp_path: Path) -> None:
    with _engine_in_a_root(tmp_path) as (root, engine, procs):
        procs.append(impostor := _fake("impostor", "/run/impostor.sock", chroot=str(root)))
        os.rename(root / "run" / "docker.sock", root / "run" / "moved.sock")
        os.symlink("impostor.sock", root / "run" / "docker.sock")  # inside the root, a fake engine
        path = f"/proc/{engine.pid}/root/run/docker.sock"
        assert _peer(path) == impostor.pid  # armed: the engine's path leads to the impostor
        d = lxkns.discover(lxkns.STANDARD, with_containers=True, engine_timeout=10)
        assert not _endpoint_of(d, engine.pid) and not [e for e in d.container_engines if e.api.endswith(
            "impostor.sock")]
        said = [x for x in d.diagnostics
                if x.stage == "containers" and any(f"(PID {engine.pid})" in e for e in x.examples)]
        assert said and said[0].message == ("a container engine is not behind the socket it was seen "
                                            "listening on")
        with socket.socket(socket.AF_UNIX) as s, pytest.raises(EngineImpostor):
            transport.connect(s, Endpoint(path, "docker", engine.pid, root=f"/proc/{engine.pid}/root",
                                          inner="/run/docker.sock", listener=_listener(engine.pid)))


def _listener(pid: int) -> int:
    from lxkns._engines import detect

    held = detect.socket_inodes("/proc", pid) or set()
    return next(iter(held & detect.listening_sockets("/proc", pid).keys()))


# ------------------------------------------------------------------ helpers in foreign namespaces

ATTACK = r"""
import ctypes, json, os, sys
libc = ctypes.CDLL(None, use_errno=True)
target = int(sys.argv[1])
out = {"uid": os.geteuid()}
def attempt(name, fn):
    try:
        fn()
        out[name] = "ok"
    except OSError as exc:
        out[name] = exc.errno
def fds():  # the names may be listed by a root with the same UID; the fds must not be opened
    for name in os.listdir(f"/proc/{target}/fd"):
        os.close(os.open(f"/proc/{target}/fd/{name}", os.O_PATH))
attempt("fd", fds)
attempt("mem", lambda: os.close(os.open(f"/proc/{target}/mem", os.O_RDONLY)))
def getfd():
    pidfd = os.pidfd_open(target)
    try:
        r = libc.syscall(438, pidfd, 0, 0)  # pidfd_getfd
        if r < 0:
            raise OSError(ctypes.get_errno(), "pidfd_getfd")
        os.close(r)
    finally:
        os.close(pidfd)
attempt("getfd", getfd)
def attach():
    if libc.ptrace(16, target, 0, 0) != 0:  # PTRACE_ATTACH
        raise OSError(ctypes.get_errno(), "ptrace")
    libc.ptrace(17, target, 0, 0)  # PTRACE_DETACH
attempt("ptrace", attach)
print(json.dumps(out))
"""


def _attack_from(holder: int, target: int) -> dict[str, Any]:
    """What root inside holder's user namespace may do to process ``target``."""
    out = subprocess.run(["nsenter", "-t", str(holder), "-U", sys.executable, "-c", ATTACK, str(target)],
                         capture_output=True, text=True, timeout=60, cwd="/")
    assert out.returncode == 0, out.stderr
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def _denied(result: dict[str, Any]) -> bool:
    return all(result[k] in (1, 13) for k in ("fd", "mem", "getfd", "ptrace"))  # EPERM, EACCES


@contextlib.contextmanager
def _old_style_child(holder: int) -> Iterator[int]:
    """A process that entered holder's user namespace from ours the way the helpers used to:
    dumpable. It shows that the attack works on such a process."""
    p = subprocess.Popen(["nsenter", "-t", str(holder), "-U", "sleep", "600"])
    try:
        time.sleep(0.2)
        yield p.pid
    finally:
        p.kill()
        p.wait(timeout=60)


def _new_children(before: set[int]) -> set[int]:
    now: set[int] = set()
    for tid in os.listdir("/proc/self/task"):
        with contextlib.suppress(OSError), open(f"/proc/self/task/{tid}/children") as f:
            now.update(int(p) for p in f.read().split())
    return now - before


@pytest.mark.privileged
def test_a_root_inside_cannot_reach_the_run_in_process_child() -> None:
    with nsbuild.run(nsbuild.USERNS_CHAIN.replace("DEPTH", "1")) as sc:
        holder, user = sc["pid"], f"/proc/{sc['pid']}/ns/user"
        with _old_style_child(holder) as old:
            assert not _denied(_attack_from(holder, old))  # armed: a dumpable child is reachable
        flag = f"/tmp/lxkns-attack-over-{os.getpid()}-{os.urandom(4).hex()}"
        before = _new_children(set())
        result: dict[str, Any] = {}

        def inside() -> list[str]:
            end = time.monotonic() + 60
            while not os.path.exists(flag) and time.monotonic() < end:  # until the attack is over
                time.sleep(0.01)
            fds = []
            for n in os.listdir("/proc/self/fd"):
                with contextlib.suppress(OSError):
                    fds.append(os.readlink(f"/proc/self/fd/{n}"))
            return sorted(fds)

        runner = threading.Thread(target=lambda: result.update(fds=lxkns.run_in_process(inside, user)))
        runner.start()
        try:
            child = 0
            for _ in range(500):
                new = _new_children(before)
                if new:
                    child = min(new)
                    break
                time.sleep(0.01)
            assert child
            time.sleep(0.3)  # inside by now
            attack = _attack_from(holder, child)
        finally:
            Path(flag).touch()
            runner.join(timeout=90)
            os.unlink(flag)
        assert _denied(attack), attack
        # and it kept no fd of ours: /dev/null, its result pipe, its output files
        kinds = {("pipe" if t.startswith("pipe:") else "memfd" if t.startswith("/memfd:lxkns-std")
                  else t) for t in result["fds"]}
        assert kinds <= {"/dev/null", "pipe", "memfd"}, result["fds"]


@pytest.mark.privileged
@pytest.mark.parametrize("native", [True, False] if len(SCANNERS) == 2 else [False],
                         ids=["native-sandbox", "pure-sandbox"][: len(SCANNERS)])
def test_a_root_inside_cannot_reach_the_sandbox_child(native: bool) -> None:
    from lxkns._lowlevel import sandbox

    with nsbuild.run(USER_AND_MOUNT) as sc:
        holder = sc["pid"]
        userfd = os.open(f"/proc/{holder}/ns/user", os.O_RDONLY)
        mntfd = os.open(f"/proc/{holder}/ns/mnt", os.O_RDONLY)
        try:
            pid, hold, rootfd = sandbox.start(userfd, mntfd, native=native)
        finally:
            os.close(userfd)
            os.close(mntfd)
        try:
            assert stat.S_ISDIR(os.fstat(rootfd).st_mode)
            for _ in range(500):  # it closes what it no longer needs right after it reported
                if sorted(os.listdir(f"/proc/{pid}/fd")) == ["0", "1", "2", "3"]:
                    break
                time.sleep(0.01)
            assert sorted(os.listdir(f"/proc/{pid}/fd")) == ["0", "1", "2", "3"]
            assert {os.readlink(f"/proc/{pid}/fd/{n}") for n in "012"} == {"/dev/null"}
            assert _denied(_attack_from(holder, pid))
        finally:
            os.close(rootfd)
            sandbox.stop(pid, hold)


USER_AND_MOUNT = """
new_userns()
unshare(CLONE_NEWNS)   # a mount namespace its own user namespace owns
report(pid=os.getpid())
hold()
"""


class _Evil:
    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, ("echo pwned",))


def test_what_a_helper_sends_back_is_data_only() -> None:
    from lxkns.switching import _ResultUnpickler

    evil = pickle.dumps(("ok", _Evil(), b"", b""))
    with pytest.raises(pickle.UnpicklingError, match=r"(posix|os)\.system"):
        _ResultUnpickler(evil, {}).load()
    plain = ("ok", {"a": [1, 2.5, None, (b"x", frozenset({1}))]}, b"", b"")
    assert _ResultUnpickler(pickle.dumps(plain), {}).load() == plain
    err = _ResultUnpickler(pickle.dumps(("raised", FileNotFoundError(2, "gone"), b"", b"")), {}).load()
    assert isinstance(err[1], FileNotFoundError) and err[1].errno == 2


# ------------------------------------------------------------------ a foreign procfs

CHILD_PIDNS = """
# a PID namespace of its own with its own procfs; its PID 1 runs on CPU 0 only
r, w = os.pipe()
unshare(CLONE_NEWPID | CLONE_NEWNS)
mount(None, "/", None, MS_REC | MS_PRIVATE)
child = os.fork()
if child == 0:
    os.close(r)
    os.sched_setaffinity(0, {0})
    mount("proc", "/proc", "proc")
    os.write(w, b"x")
    signal.pause()
    os._exit(0)
os.close(w)
os.read(r, 1)
report(pid=child)
try:
    hold()
finally:
    os.kill(child, signal.SIGKILL)
    os.waitpid(child, 0)
"""


@pytest.mark.privileged
@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="needs two CPUs to tell affinities apart")
def test_a_foreign_procfs_never_reads_our_own_pids(tmp_path: Path) -> None:
    """A procfs of a child PID namespace: its PID 1 is not our PID 1. Its affinity and socket
    namespaces would be read from our processes of the same numbers: they are not read."""
    with nsbuild.run(CHILD_PIDNS) as sc:
        procfs = f"/proc/{sc['pid']}/root/proc"
        assert not lxkns_lowlevel().procfs_is_own(procfs) and lxkns_lowlevel().procfs_is_own("/proc")
        ours = os.sched_getaffinity(1)
        assert ours != {0}  # armed: our PID 1 (which a PID of 1 names here) has another affinity
        for scanner in SCANNERS:
            d = lxkns.discover(lxkns.FULL, procfs_root=procfs, native=scanner == "native",
                               with_containers=False)
            init = d.process(1)
            assert init.name.startswith("python")  # the scenario's child, not our PID 1
            assert init.affinity is None  # not our PID 1's
            assert not [ns for ns in d.all_namespaces() if lxkns.Source.SOCKET in ns.sources]
            said = [x for x in d.diagnostics if "not this process' own procfs" in x.message]
            assert said and said[0].examples == (procfs,)


def lxkns_lowlevel() -> Any:
    from lxkns import _lowlevel

    return _lowlevel


@pytest.mark.privileged
@pytest.mark.parametrize("scanner", SCANNERS)
def test_bind_mounts_are_found_alike_with_the_forced_walk(tmp_path: Path, scanner: str,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The scanners' walk (kernels without openat2) finds the bind mounts openat2 finds:
    on the host, below a container-like root, and inside a process-less mount namespace."""
    base = f"/tmp/lxkns-walk-{os.getpid()}-{os.urandom(4).hex()}"
    with nsbuild.run(nsbuild.NESTED_PROCESSLESS.replace("BASE", repr(base))) as nested, \
         nsbuild.run(nsbuild.NETNS_BINDMOUNT.replace("BASE", repr(base + "-bind"))) as bound, \
         nsbuild.run(nsbuild.CONTAINERISH.replace("BASE", repr(base + "-box"))
                     .replace("HOLD", '"process"')) as box:
        wanted = {f"net:[{nested['net']}]", f"net:[{bound['net']}]", f"mnt:[{nested['mnt']}]"}

        def found() -> dict[str, Any]:
            d = lxkns.discover(lxkns.STANDARD, native=scanner == "native")
            out = {}
            for ns in d.all_namespaces():
                if ns.type_id in wanted or ns.type_id == f"mnt:[{box['mnt']}]":
                    out[ns.type_id] = (ns.ref, sorted(str(s) for s in ns.sources),
                                       ns.owner.id.ino if ns.owner else None)
            return {"ns": out, "missing": [x.message for x in d.diagnostics if "openat2" in x.message]}

        with_openat2 = found()
        monkeypatch.setenv("LXKNS_ASSUME_MISSING", "openat2")
        walked = found()
    assert wanted <= set(with_openat2["ns"]), with_openat2
    assert walked["ns"] == with_openat2["ns"]
    assert walked["missing"] and not with_openat2["missing"]  # the fallback says so
