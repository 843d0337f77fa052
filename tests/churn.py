"""A churn generator: starts and ends hundreds of processes a second, each unsharing
namespaces, until it is stopped (SIGTERM, SIGINT) or its time is up.

    python3 tests/churn.py [--rate N] [--seconds S] [--threads]

Each child unshares a mix of namespaces (UTS and IPC always; network, mount, cgroup,
time and user namespaces in turn), some of them start a thread or a grandchild, live
for a few milliseconds and exit. As root the namespaces are unshared directly; otherwise
inside a new user namespace first (where the kernel allows it). Nothing is mounted and
nothing outlives the generator: it reaps every child, and it prints one line of figures
(started, failed, per second) when it ends. The test suite's stress session runs it
while the whole suite runs (``nox -s stress``); nothing here imports lxkns.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import signal
import sys
import threading
import time

CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC = 0x20000, 0x02000000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWNET, CLONE_NEWTIME = 0x10000000, 0x40000000, 0x80
# what the children unshare, in turn: cheap namespaces every time, costly ones now and then
MIXES = (
    CLONE_NEWUTS | CLONE_NEWIPC,
    CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNS,
    CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWCGROUP,
    CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWTIME,
    CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET,
    CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNS | CLONE_NEWUSER,
)

_libc = ctypes.CDLL(None, use_errno=True)
_stop = False


def _on_signal(signum: int, frame: object) -> None:
    global _stop
    _stop = True


def _child(flags: int, root: bool, extra: int) -> None:  # pragma: no cover - forked child
    code = 0
    try:
        if not root:
            flags |= CLONE_NEWUSER
        if _libc.unshare(ctypes.c_int(flags)) != 0:  # no time namespaces before 5.6: without
            code = 3 if _libc.unshare(ctypes.c_int(flags & ~CLONE_NEWTIME)) != 0 else 0
        if extra == 1:  # a thread, so that task directories churn too
            t = threading.Thread(target=time.sleep, args=(0.002,))
            t.start()
            t.join()
        elif extra == 2 and os.fork() == 0:  # a grandchild, reaped by the child
            time.sleep(0.001)
            os._exit(0)
        time.sleep(0.003)
    except BaseException:
        code = 4
    finally:
        os._exit(code)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rate", type=float, default=300.0, help="processes started per second")
    ap.add_argument("--seconds", type=float, default=0.0, help="how long (0: until stopped)")
    ap.add_argument("--max-alive", type=int, default=64, help="children alive at most at a time")
    args = ap.parse_args(argv)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    root = os.geteuid() == 0
    started = failed = 0
    alive: set[int] = set()
    begin = time.monotonic()
    end = begin + args.seconds if args.seconds > 0 else float("inf")
    interval = 1.0 / args.rate
    next_start = begin
    print("churn: running", flush=True)
    try:
        while not _stop and time.monotonic() < end:
            now = time.monotonic()
            if now >= next_start and len(alive) < args.max_alive:
                try:
                    pid = os.fork()
                except OSError:
                    failed += 1
                    time.sleep(0.01)
                    continue
                if pid == 0:
                    _child(MIXES[started % len(MIXES)], root, started % 3)
                alive.add(pid)
                started += 1
                next_start += interval
                if next_start < now - 1.0:
                    next_start = now  # fell behind: do not burst to catch up
            else:
                time.sleep(min(max(next_start - now, 0.0), 0.005))
            while alive:
                pid, status = os.waitpid(-1, os.WNOHANG)
                if not pid:
                    break
                alive.discard(pid)
                if os.waitstatus_to_exitcode(status) != 0:
                    failed += 1
    finally:
        for pid in alive:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        took = time.monotonic() - begin
        print(f"churn: started {started} processes in {took:.1f} s ({started / max(took, 1e-9):.0f}/s), "
              f"{failed} failed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
