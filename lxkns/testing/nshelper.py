"""The helper process that makes throw-away namespaces for the pytest plugin.

It runs as a script of its own (``python nshelper.py SPEC``), single-threaded
(so that it may unshare a user namespace) and importing nothing of lxkns. The
spec is JSON: ``{"user": bool, "types": ["net", ...], "pid": bool, "bind":
path or null}``. It unshares a user namespace first when asked, tells its
parent ``user`` on stdout and waits for one line on stdin (the parent writes
the ID maps meanwhile), unshares the other types, forks PID 1 of a new PID
namespace when asked, bind-mounts its network namespace on ``bind`` when asked
(as ``ip netns add`` does), and reports one JSON line: its PID, the inode of
each namespace it made and the PID of its child. Then it holds everything
until its stdin closes, and ends its child.

``python nshelper.py umount PATH`` unmounts a bind-mounted namespace file
and removes it.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import sys

CLONE = {"mnt": 0x00020000, "cgroup": 0x02000000, "uts": 0x04000000, "ipc": 0x08000000,
         "user": 0x10000000, "pid": 0x20000000, "net": 0x40000000, "time": 0x00000080}
MS_BIND, MS_REC, MS_PRIVATE = 4096, 16384, 1 << 18
MNT_DETACH = 2
PR_SET_PDEATHSIG = 1

libc: ctypes.CDLL = ctypes.CDLL(None, use_errno=True)
libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]


def _check(ret: int, what: str) -> None:
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _ino(path: str) -> int:
    text = os.readlink(path)
    return int(text[text.index("[") + 1 : -1])


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _bind(target: str) -> None:
    """Bind-mount our network namespace on ``target`` (made if missing)."""
    os.makedirs(os.path.dirname(target), exist_ok=True)
    fd = os.open(target, os.O_RDONLY | os.O_CREAT | os.O_EXCL, 0o444)
    os.close(fd)
    try:
        _check(libc.mount(b"/proc/self/ns/net", os.fsencode(target), None, MS_BIND, None), "bind mount")
    except BaseException:
        os.unlink(target)
        raise


def umount(target: str) -> None:
    """Undo a bind mount of :func:`make` (the caller's network namespace no longer pinned)."""
    _check(libc.umount2(os.fsencode(target), MNT_DETACH), f"umount {target}")
    os.unlink(target)


def make(spec: dict[str, object]) -> None:
    """Make the namespaces ``spec`` asks for, say their inodes, and hold them until stdin closes."""
    types = [str(t) for t in spec.get("types", [])]  # type: ignore[attr-defined]
    if spec.get("user"):
        _check(libc.unshare(CLONE["user"]), "unshare user")
        _say("user")
        if sys.stdin.readline().strip() != "go":
            os._exit(1)
    flags = 0
    for t in types:
        flags |= CLONE[t]
    if flags:
        _check(libc.unshare(flags), "unshare " + ",".join(types))
    if "mnt" in types:
        _check(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "make mounts private")
    bind = spec.get("bind")
    if bind:
        _bind(str(bind))
    made = {t: _ino(f"/proc/self/ns/{t}") for t in (["user"] if spec.get("user") else []) + types}
    child = 0
    if spec.get("pid"):
        _check(libc.unshare(CLONE["pid"]), "unshare pid")
        r, w = os.pipe()
        child = os.fork()
        if child == 0:  # PID 1 of the new PID namespace: wait until our parent is gone
            os.close(w)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
            os.read(r, 1)
            os._exit(0)
        os.close(r)
        made["pid"] = _ino(f"/proc/{child}/ns/pid")
    _say(json.dumps({"pid": os.getpid(), "child": child, "namespaces": made}))
    sys.stdin.read()  # hold until the parent closes our stdin
    if child:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)


def main(argv: list[str]) -> int:
    """``umount PATH`` or a JSON spec for :func:`make`; errors as JSON on stdout, exit code 1."""
    try:
        if argv[:1] == ["umount"]:
            umount(argv[1])
        else:
            make(json.loads(argv[0]))
    except OSError as e:
        _say(json.dumps({"error": str(e), "errno": e.errno}))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
