"""Discovery under churn, and nothing left behind by it."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import pytest

import lxkns

from conftest import discover

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


def _snapshot() -> dict[str, object]:
    me = os.getpid()
    children = set()
    for tid in os.listdir(f"/proc/{me}/task"):
        with open(f"/proc/{me}/task/{tid}/children") as f:
            children.update(f.read().split())
    with open("/proc/self/mountinfo") as f:
        mounts = f.read()
    return {
        "fds": sorted(os.listdir("/proc/self/fd")),
        "threads": sorted(os.listdir("/proc/self/task")),
        "children": children,
        "mounts": mounts,
        "ns": {n: os.readlink(f"/proc/self/ns/{n}") for n in os.listdir("/proc/self/ns")},
        "cwd": os.getcwd(),
        "root": os.readlink("/proc/self/root"),
    }


@pytest.mark.slow
def test_hundred_discoveries_leave_nothing_behind(scanner: str) -> None:
    lxkns.discover(native=scanner == "native")  # first-use imports and caches
    before = _snapshot()
    for _ in range(50):
        discover(scanner, lxkns.STANDARD)
        discover(scanner, lxkns.FULL)
    after = _snapshot()
    assert after == before
