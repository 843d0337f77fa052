"""A fake procfs tree for whole discoveries without privileges (and without a host).

``build(root)`` writes processes with stat, status, cmdline, cgroup, ns and fd
entries, a thread in a namespace of its own, a bind mount, a malformed stat
file and a zombie; the tests know every inode in it.
"""

from __future__ import annotations

import os
from pathlib import Path

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


def _status(pid: int, comm: str, uid: int) -> str:
    caps = "000001ffffffffff" if uid == 0 else "0000000000000000"
    return (f"Name:\t{comm}\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t{pid}\nPid:\t{pid}\n"
            f"Uid:\t{uid}\t{uid}\t{uid}\t{uid}\nGid:\t0\t0\t0\t0\nCapInh:\t0000000000000000\n"
            f"CapPrm:\t{caps}\nCapEff:\t{caps}\nCapBnd:\t000001ffffffffff\n")


def _process(root: Path, pid: int, comm: str, ppid: int, start: int, *, cmdline: bytes = b"",
             threads: int = 1, uid: int = 0, **ns: int) -> Path:
    d = root / str(pid)
    d.mkdir()
    (d / "stat").write_text(_stat(pid, comm, ppid, start, threads=threads))
    (d / "cmdline").write_bytes(cmdline)
    (d / "status").write_text(_status(pid, comm, uid))
    (d / "cgroup").write_text("4:cpu,cpuacct:/cpu/a\n2:freezer:/frz\n0::/uni\n")
    (d / "fd").mkdir()
    _ns(d, **ns)
    return d


def build(root: Path) -> Path:
    """The fake procfs tree below ``root`` (which must not exist yet)."""
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
    _process(root, 110, "child", 100, 60, uid=1000, net=4000, pid_for_children=4500)
    (root / "200").mkdir()
    (root / "200" / "stat").write_text("200 (broken\n")
    z = root / "300"
    z.mkdir()
    (z / "stat").write_text(_stat(300, "zombie", 1, 70, state="Z"))
    os.symlink("100", root / "self")
    return root


def add_wrapped_pids(root: Path) -> None:
    """Processes after the PIDs wrapped around: parent 900 has children 50, 60 and 950
    (two of them with lower PIDs than it), in link sets that share the net namespace 4200."""
    _process(root, 900, "parent", 1, 80, net=4200)
    _process(root, 50, "early", 900, 90, net=4200, uts=4300)
    _process(root, 60, "middle", 900, 91, net=4200)
    _process(root, 950, "late", 900, 92, net=4200, ipc=4400)
