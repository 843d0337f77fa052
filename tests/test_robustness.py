"""Discovery under churn, and nothing left behind by it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import pytest

import lxkns

from conftest import IS_ROOT, discover

CHURN = r"""
import os, sys, threading, time
stop = time.monotonic() + float(sys.argv[1])
def spin():
    time.sleep(0.001)
while time.monotonic() < stop:
    pid = os.fork()
    if pid == 0:
        ts = [threading.Thread(target=spin) for _ in range(3)]
        for t in ts: t.start()
        for t in ts: t.join()
        os._exit(0)
    os.waitpid(pid, 0)
"""


def test_processes_and_threads_coming_and_going_never_break_discovery(scanner: str) -> None:
    churners = [subprocess.Popen([sys.executable, "-c", CHURN, "8"]) for _ in range(2)]
    stop = threading.Event()

    def spawn_threads() -> None:
        while not stop.is_set():
            t = threading.Thread(target=time.sleep, args=(0.002,))
            t.start()
            t.join()

    spinner = threading.Thread(target=spawn_threads)
    spinner.start()
    try:
        for _ in range(15):
            d = discover(scanner)
            me = d.process(os.getpid())
            assert me.namespaces[lxkns.NET].id.ino == os.stat("/proc/self/ns/net").st_ino
            for ns in d.all_namespaces():
                assert ns.type in lxkns.NamespaceType.all().members()
            kinds = {x.kind for x in d.diagnostics}
            assert kinds <= {lxkns.DiagnosticKind.VANISHED, lxkns.DiagnosticKind.DENIED,
                             lxkns.DiagnosticKind.UNAVAILABLE, lxkns.DiagnosticKind.UNSUPPORTED}
    finally:
        stop.set()
        spinner.join()
        for c in churners:
            c.wait(timeout=60)


LEAK_PROBE = r"""
import json, os, sys, time
import lxkns

def snapshot(with_mounts):
    me = os.getpid()
    children = set()
    for tid in os.listdir(f"/proc/{me}/task"):
        try:
            with open(f"/proc/{me}/task/{tid}/children") as f:
                children.update(f.read().split())
        except FileNotFoundError:
            pass  # a thread that ended between the listing and the read has no children
    out = {
        "fds": sorted(os.listdir("/proc/self/fd")),
        "threads": sorted(os.listdir("/proc/self/task")),
        "children": sorted(children),
        "ns": {n: os.readlink(f"/proc/self/ns/{n}") for n in sorted(os.listdir("/proc/self/ns"))},
        "cwd": os.getcwd(),
        "root": os.readlink("/proc/self/root"),
    }
    if with_mounts:
        with open("/proc/self/mountinfo") as f:
            out["mounts"] = sorted(f.read().splitlines())
    return out

native, with_mounts = sys.argv[1] == "native", sys.argv[2] == "mounts"

def settled():
    # a snapshot once nothing changes any more: a joined thread may be seen for a moment
    # while the kernel ends it, and grpcio (containers) closes sockets from its own threads
    last, end = snapshot(with_mounts), time.monotonic() + 5
    while time.monotonic() < end:
        time.sleep(0.05)
        now = snapshot(with_mounts)
        if now == last:
            break
        last = now
    return last

lxkns.discover(lxkns.FULL, native=native)  # first use: imports and caches
before = settled()
for _ in range(50):
    lxkns.discover(lxkns.STANDARD, native=native)
    lxkns.discover(lxkns.FULL, native=native)
after = settled()
# what is left over is a leak; what went away meanwhile is not (a directory removed on the
# host takes the mounts on it along, in every mount namespace: other tests do that)
left = {key: sorted(set(after[key]) - set(before[key]))
        for key in ("fds", "threads", "children", "mounts") if key in after}
left["changed"] = [key for key in ("ns", "cwd", "root") if after[key] != before[key]]
print(json.dumps(left))
"""


@pytest.mark.slow
def test_hundred_discoveries_leave_nothing_behind(scanner: str) -> None:
    """No fd, thread, child process, mount or namespace change after 100 discoveries.

    As root the probe runs in a private mount namespace of its own, so that
    mounts made elsewhere on the host meanwhile do not count against it.
    """
    cmd = [sys.executable, "-c", LEAK_PROBE, scanner, "mounts" if IS_ROOT else "-"]
    if IS_ROOT:
        cmd = ["unshare", "--mount", "--propagation", "private", *cmd]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    left = json.loads(out.stdout)
    assert all(not things for things in left.values()), left


SELF_HOLDER_PROBE = r"""
import json, os, sys
import lxkns
me, bad = os.getpid(), set()
for _ in range(int(sys.argv[2])):
    d = lxkns.discover(lxkns.STANDARD, native=sys.argv[1] == "native")
    bad.update(str(ns) for ns in d.all_namespaces() if any(p.pid == me for p in ns.holders))
print(json.dumps(sorted(bad)))
"""


CONCURRENT_HOLDER_PROBE = r"""
import json, os, sys, threading
if sys.argv[1] == "no-module":
    sys.modules["lxkns._native"] = None  # as if it could not be built: the Python lock serves
import lxkns
me, bad, rounds = os.getpid(), set(), int(sys.argv[3])
def discover(native):
    for _ in range(rounds):
        d = lxkns.discover(lxkns.STANDARD, native=native)
        bad.update(str(ns) for ns in d.all_namespaces() if any(p.pid == me for p in ns.holders))
        bad.update(f"socket:[{ino}]" for ino, pids in d.socket_processes.items() if me in pids)
threads = [threading.Thread(target=discover, args=(kind == "native",)) for kind in sys.argv[2].split(",")]
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps(sorted(bad)))
"""


@pytest.mark.parametrize(("module", "scanners", "rounds"), [
    ("module", "native,native", 400), ("module", "pure,pure", 100), ("module", "native,pure", 150),
    ("no-module", "pure,pure", 100)])
def test_discoveries_in_two_threads_never_take_each_others_passing_fds_for_holders(
        module: str, scanners: str, rounds: int) -> None:
    """Two discoveries at once in one process (a service answering two requests): the
    namespace and socket fds one holds for a moment are not namespaces or sockets the
    process holds, for the other. Without the fix most runs of the native pair found our
    process holding a host namespace."""
    if module == "module" and not lxkns.native_available() and "native" in scanners:
        pytest.skip("the compiled scanner is not available")
    out = subprocess.run([sys.executable, "-c", CONCURRENT_HOLDER_PROBE, module, scanners, str(rounds)],
                         capture_output=True, text=True, timeout=600, cwd="/")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == []


def test_a_discovery_never_takes_its_own_passing_fds_for_holders(scanner: str) -> None:
    """A process that holds no namespace open is never a holder in its own discovery.

    The native walk opens each namespace it sees first for a moment (to ask its ioctls)
    while another of its threads may be reading this very process' fd directory: those
    passing fds are the scanner's, not namespaces the process holds.
    """
    out = subprocess.run([sys.executable, "-c", SELF_HOLDER_PROBE, scanner, "150"], capture_output=True,
                         text=True, timeout=600, cwd="/")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == []
