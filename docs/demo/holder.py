"""One process that keeps three network namespaces alive without being in them.

- one by an open fd of its namespace file (``/proc/PID/fd/N``),
- one by a socket created inside it (no ref at all: only SIOCGSKNS finds it),
- one as the namespace of one of its threads (a "loose thread").

The first argument is a file to create when all is set up.
"""

import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
import time

CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL(None, use_errno=True)


def netns_of(pid: int | str) -> int:
    return os.stat(f"/proc/{pid}/ns/net").st_ino


def fresh_netns() -> tuple[subprocess.Popen[bytes], int]:
    """A sleeper in a new network namespace, and an fd of that namespace."""
    sleeper = subprocess.Popen(["unshare", "--net", "sleep", "infinity"])
    while netns_of(sleeper.pid) == netns_of("self"):
        time.sleep(0.01)
    return sleeper, os.open(f"/proc/{sleeper.pid}/ns/net", os.O_RDONLY)


# held by an fd
sleeper, held = fresh_netns()
sleeper.kill()
sleeper.wait()

# held by a socket: enter, create a socket, return, close the namespace fd
sleeper, target = fresh_netns()
home = os.open("/proc/self/ns/net", os.O_RDONLY)
libc.setns(target, CLONE_NEWNET)
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
libc.setns(home, CLONE_NEWNET)
os.close(target)
os.close(home)
sleeper.kill()
sleeper.wait()


# a thread in a network namespace of its own
def stray() -> None:
    libc.unshare(CLONE_NEWNET)
    threading.Event().wait()


threading.Thread(target=stray, daemon=True).start()
time.sleep(0.2)
open(sys.argv[1], "w").close()
signal.pause()
