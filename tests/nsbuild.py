"""Builders of real namespace landscapes for the privileged tests.

Each scenario runs in a child Python process of its own (single-threaded,
so it may unshare user namespaces), builds its namespaces, prints one JSON
line with the ground truth (inode numbers read with readlink/stat, never
with lxkns), and keeps everything alive until its stdin is closed. Then it
tears down what it built. Nothing here imports lxkns.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from typing import Any

PRELUDE = r'''
import contextlib, ctypes, errno, json, os, platform, signal, socket, subprocess, sys, threading, time
libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x20000, 0x10000000, 0x20000000, 0x40000000
CLONE_NEWTIME, CLONE_FS, CLONE_NEWUTS = 0x80, 0x200, 0x04000000
MS_BIND, MS_REC, MS_PRIVATE, MS_SLAVE, MS_SHARED = 4096, 16384, 1 << 18, 1 << 19, 1 << 20
MNT_DETACH = 2
SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}[platform.machine()]
libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]

def check(ret):
    if ret != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))

def unshare(flags):
    check(libc.unshare(ctypes.c_int(flags)))

def setns(fd, nstype=0):
    check(libc.setns(ctypes.c_int(fd), ctypes.c_int(nstype)))

def ino(path):
    text = os.readlink(path)
    return int(text[text.index("[") + 1:-1])

def new_userns():
    """unshare a user namespace and map UID/GID 0 in it to our IDs outside (like unshare -r)."""
    uid, gid = os.geteuid(), os.getegid()
    unshare(CLONE_NEWUSER)
    with open("/proc/self/setgroups", "w") as f:
        f.write("deny")
    with open("/proc/self/uid_map", "w") as f:
        f.write(f"0 {uid} 1")
    with open("/proc/self/gid_map", "w") as f:
        f.write(f"0 {gid} 1")

def _enc(s):
    return None if s is None else os.fsencode(s)

def mount(source, target, fstype=None, flags=0, data=None):
    check(libc.mount(_enc(source), _enc(target), _enc(fstype), flags, _enc(data)))

def umount2(target, flags=0):
    check(libc.umount2(_enc(target), flags))

def pivot_root(new, old):
    check(libc.syscall(SYS_PIVOT_ROOT, _enc(new), _enc(old)))

def mnt_id(path):
    """The mount ID of the mount a path is on, from /proc/self/fdinfo (not from mountinfo)."""
    fd = os.open(path, os.O_PATH)
    try:
        with open(f"/proc/self/fdinfo/{fd}") as f:
            for line in f:
                if line.startswith("mnt_id:"):
                    return int(line.split()[1])
    finally:
        os.close(fd)
    raise RuntimeError("no mnt_id in fdinfo")

@contextlib.contextmanager
def private_tmpfs(base):
    """A fresh tmpfs at base on the host that propagates nowhere; gone again afterwards."""
    os.makedirs(base, exist_ok=True)
    mount("lxkns-test", base, "tmpfs")
    mount(None, base, None, MS_PRIVATE)
    try:
        yield base
    finally:
        umount2(base, MNT_DETACH)
        os.rmdir(base)

def report(**facts):
    sys.stdout.write(json.dumps(facts) + "\n")
    sys.stdout.flush()

def hold():
    """Keep everything alive until the test closes our stdin."""
    sys.stdin.read()
'''


class Scenario:
    """A running scenario: ``facts`` is its ground truth."""

    def __init__(self, proc: subprocess.Popen[str], facts: dict[str, Any]) -> None:
        self.proc = proc
        self.facts = facts

    def __getitem__(self, key: str) -> Any:
        return self.facts[key]


@contextlib.contextmanager
def run(body: str, *, timeout: float = 30.0) -> Iterator[Scenario]:
    """Run a scenario script; yield its facts while it holds its namespaces."""
    script = PRELUDE + textwrap.dedent(body)
    proc = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            err = proc.stderr.read() if proc.stderr else ""
            raise RuntimeError(f"scenario failed to start: {err}")
        yield Scenario(proc, json.loads(line))
    finally:
        if proc.stdin:
            with contextlib.suppress(BrokenPipeError):
                proc.stdin.close()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()


USERNS_CHAIN = '''
# user namespaces DEPTH deep; only this one process, in the deepest one,
# which also gets a network namespace of its own (owned by the deepest).
chain = []
for level in range(DEPTH):
    new_userns()
    chain.append(ino("/proc/self/ns/user"))
unshare(CLONE_NEWNET)
report(pid=os.getpid(), chain=chain, net=ino("/proc/self/ns/net"))
hold()
'''

PIDNS_CHAIN = '''
# two nested PID namespaces: top -> child (PID 1 in ns1) -> grandchild (PID 1 in ns2)
r, w = os.pipe()
unshare(CLONE_NEWPID)
child = os.fork()
if child == 0:
    os.close(r)
    unshare(CLONE_NEWPID)
    grand = os.fork()
    if grand == 0:
        facts = dict(pid=os.getpid(), ns=ino("/proc/self/ns/pid"))
        os.write(w, (json.dumps(facts) + "\\n").encode())
        signal.pause()
        os._exit(0)
    facts = dict(pid=os.getpid(), ns=ino("/proc/self/ns/pid"), child_in_ns=grand)
    os.write(w, (json.dumps(facts) + "\\n").encode())
    os.waitpid(grand, 0)
    os._exit(0)
os.close(w)
with os.fdopen(r) as f:
    a = json.loads(f.readline())
    b = json.loads(f.readline())
level1, level2 = (a, b) if "child_in_ns" in a else (b, a)
kids = [int(p) for p in open(f"/proc/{child}/task/{child}/children").read().split()]
grand_host = kids[0]
report(top=os.getpid(), child=child, grandchild=grand_host, ns1=level1["ns"], ns2=level2["ns"],
       grandchild_in_ns1=level1["child_in_ns"])
try:
    hold()
finally:
    os.kill(child, signal.SIGKILL)
    os.waitpid(child, 0)
'''

PID_FOR_CHILDREN = '''
# a PID namespace whose only process (its PID 1) has ended: it lives on as our pid_for_children
unshare(CLONE_NEWPID)
child = os.fork()
if child == 0:
    os._exit(0)
os.waitpid(child, 0)
report(pid=os.getpid(), own=ino("/proc/self/ns/pid"), children=ino("/proc/self/ns/pid_for_children"))
hold()
'''

TIME_NS = '''
# a time namespace with a process in it, and its creator showing it as time_for_children
unshare(CLONE_NEWTIME)
child = os.fork()
if child == 0:
    signal.pause()
    os._exit(0)
report(creator=os.getpid(), child=child, own=ino("/proc/self/ns/time"),
       for_children=ino("/proc/self/ns/time_for_children"), child_ns=ino(f"/proc/{child}/ns/time"))
try:
    hold()
finally:
    os.kill(child, signal.SIGKILL)
    os.waitpid(child, 0)
'''

FD_HELD_NETNS = '''
# a network namespace whose only reference is an fd of this process
sleeper = subprocess.Popen(["unshare", "--net", "sleep", "1000"])
path = f"/proc/{sleeper.pid}/ns/net"
while ino(path) == ino("/proc/self/ns/net"):
    time.sleep(0.01)
fd = os.open(path, os.O_RDONLY)
net = os.fstat(fd).st_ino
sleeper.kill()
sleeper.wait()
report(pid=os.getpid(), fd=fd, net=net)
hold()
'''

# a network namespace held only by an fd numbered after 3,000 others: its fd directory
# takes several directory reads (getdents64) to list
FD_HELD_NETNS_AFTER_MANY = '''
import resource
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
want = 3200
if hard != resource.RLIM_INFINITY and hard < want:
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, want))  # root may raise it
else:
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
fillers = [os.open("/dev/null", os.O_RDONLY) for _ in range(3000)]
''' + FD_HELD_NETNS

SOCKET_NETNS = '''
# a network namespace held only by a socket this process created in it and then left
sleeper = subprocess.Popen(["unshare", "--net", "sleep", "1000"])
path = f"/proc/{sleeper.pid}/ns/net"
while ino(path) == ino("/proc/self/ns/net"):
    time.sleep(0.01)
home = os.open("/proc/self/ns/net", os.O_RDONLY)
target = os.open(path, os.O_RDONLY)
net = os.fstat(target).st_ino
setns(target, CLONE_NEWNET)
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
setns(home, CLONE_NEWNET)
os.close(target)
os.close(home)
sleeper.kill()
sleeper.wait()
report(pid=os.getpid(), fd=sock.fileno(), sock=os.fstat(sock.fileno()).st_ino, net=net,
       home=ino("/proc/self/ns/net"))
hold()
'''

LOOSE_THREAD = '''
# one thread of this process in a network namespace of its own
facts = {}
ready = threading.Event()
def stray():
    unshare(CLONE_NEWNET)
    facts["tid"] = threading.get_native_id()
    facts["net"] = ino("/proc/thread-self/ns/net")
    ready.set()
    threading.Event().wait()
threading.Thread(target=stray, daemon=True, name="stray").start()
ready.wait()
report(pid=os.getpid(), tid=facts["tid"], net=facts["net"], proc_net=ino("/proc/self/ns/net"))
hold()
'''

NETNS_BINDMOUNT = '''
# a network namespace bind-mounted on a file, with no process left in it
with private_tmpfs(BASE) as base:
    target = os.path.join(base, "net ns")
    open(target, "w").close()
    subprocess.run(["unshare", f"--net={target}", "true"], check=True)
    report(path=target, net=os.stat(target).st_ino)
    hold()
'''

NESTED_PROCESSLESS = '''
# a mount namespace with no process, only bind-mounted on a file on the host;
# inside it (and only there) a network namespace bind-mounted on a file
with private_tmpfs(BASE) as base:
    mntfile = os.path.join(base, "mnt")
    inner = os.path.join(base, "inner")
    open(mntfile, "w").close()
    os.mkdir(inner)
    script = (f"mount -t tmpfs inner {inner} && touch {inner}/net && "
              f"unshare --net={inner}/net true && stat -L -c %i {inner}/net")
    for attempt in range(6):  # mount namespace IDs are not ordered: bind mounts may be refused
        cpu = attempt % os.cpu_count()
        out = subprocess.run(["taskset", "-c", str(cpu), "unshare", f"--mount={mntfile}",
                              "--propagation", "private", "sh", "-c", script],
                             capture_output=True, text=True)
        if out.returncode == 0:
            break
        time.sleep(0.05)
    else:
        raise RuntimeError(out.stderr)
    report(mntfile=mntfile, mnt=os.stat(mntfile).st_ino, inner=f"{inner}/net",
           net=int(out.stdout.split()[-1]))
    hold()
'''

BOUND_USER_AND_PID = '''
# a user and a PID namespace, both only bind-mounted on files: hierarchy must reach them too
with private_tmpfs(BASE) as base:
    user, pid = os.path.join(base, "user"), os.path.join(base, "pid")
    open(user, "w").close()
    open(pid, "w").close()
    sleeper = subprocess.Popen(["unshare", "--user", "--map-root-user", "--pid", "--fork",
                                "sleep", "1000"])
    try:
        while True:  # wait for the forked sleep, inside both new namespaces
            kids = open(f"/proc/{sleeper.pid}/task/{sleeper.pid}/children").read().split()
            if kids and ino(f"/proc/{kids[0]}/ns/pid") != ino("/proc/self/ns/pid"):
                break
            time.sleep(0.01)
        for path, link in ((user, "user"), (pid, "pid")):
            mount(f"/proc/{kids[0]}/ns/{link}", path, None, MS_BIND)
        os.kill(int(kids[0]), signal.SIGKILL)
        sleeper.kill()
        sleeper.wait()
        while os.path.exists(f"/proc/{kids[0]}"):
            time.sleep(0.01)
        report(user_path=user, pid_path=pid, user=os.stat(user).st_ino, pid=os.stat(pid).st_ino)
        hold()
    finally:
        sleeper.kill()
        sleeper.wait()
'''

FROZEN = '''
# a process in a frozen cgroup of the freezer hierarchy (v1 freezer.state or v2 cgroup.freeze)
top, v1 = TOP, V1
group = os.path.join(top, f"lxkns-test-{os.getpid()}")
os.mkdir(group)
sleeper = subprocess.Popen(["sleep", "1000"])
try:
    with open(os.path.join(group, "cgroup.procs"), "w") as f:
        f.write(str(sleeper.pid))
    with open(os.path.join(group, "freezer.state" if v1 else "cgroup.freeze"), "w") as f:
        f.write("FROZEN" if v1 else "1")
    time.sleep(0.2)
    report(pid=sleeper.pid, cgroup="/" + os.path.basename(group))
    hold()
finally:
    with open(os.path.join(group, "freezer.state" if v1 else "cgroup.freeze"), "w") as f:
        f.write("THAWED" if v1 else "0")
    sleeper.kill()
    sleeper.wait()
    for _ in range(50):
        try:
            os.rmdir(group)
            break
        except OSError:
            time.sleep(0.05)
'''


MOUNTS = r"""
# a mount namespace of its own, with: a tmpfs overmounted in place; a tmpfs on a
# subdirectory hidden by a tmpfs mounted higher up; a bind mount of a subdirectory;
# mount points whose names hold a space, a tab, a newline and a backslash.
# Mount IDs come from /proc/self/fdinfo, read while each mount was on top.
base = BASE
os.makedirs(base, exist_ok=True)
unshare(CLONE_NEWNS)
mount(None, "/", None, MS_REC | MS_PRIVATE)
mount("lxkns-base", base, "tmpfs")
ids = {"base": mnt_id(base)}
os.mkdir(f"{base}/a")
mount("lxkns-lower", f"{base}/a", "tmpfs")
ids["lower"] = mnt_id(f"{base}/a")
mount("lxkns-upper", f"{base}/a", "tmpfs", 0, "mode=0700")
ids["upper"] = mnt_id(f"{base}/a")
os.makedirs(f"{base}/b/c")
mount("lxkns-deep", f"{base}/b/c", "tmpfs")
ids["deep"] = mnt_id(f"{base}/b/c")
mount("lxkns-cover", f"{base}/b", "tmpfs")
ids["cover"] = mnt_id(f"{base}/b")
os.makedirs(f"{base}/src/sub")
os.mkdir(f"{base}/bound")
mount(f"{base}/src/sub", f"{base}/bound", None, MS_BIND)
ids["bound"] = mnt_id(f"{base}/bound")
weird = [f"{base}/with space", f"{base}/tab\there", f"{base}/new\nline", f"{base}/back\\slash"]
weird_ids = []
for i, path in enumerate(weird):
    os.mkdir(path)
    mount(f"lxkns weird {i}", path, "tmpfs")
    weird_ids.append(mnt_id(path))
report(pid=os.getpid(), mnt=ino("/proc/self/ns/mnt"), base=base, ids=ids, weird=weird,
       weird_ids=weird_ids)
hold()
"""

PROPAGATION = r"""
# three mount namespaces with one tmpfs: a (made shared), b (its peer: a copy of a's
# namespace) and c (a copy made a slave). Then a mounts "later" below it, which
# propagates into b and c.
base = BASE
os.makedirs(base, exist_ok=True)
unshare(CLONE_NEWNS)
mount(None, "/", None, MS_REC | MS_PRIVATE)
mount("lxkns-prop", base, "tmpfs")
mount(None, base, None, MS_SHARED)
facts = {"a": {"pid": os.getpid(), "mnt": ino("/proc/self/ns/mnt"), "id": mnt_id(base)}}
children = []
for name, slave in (("b", False), ("c", True)):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            unshare(CLONE_NEWNS)
            if slave:
                mount(None, base, None, MS_SLAVE)
            me = {"pid": os.getpid(), "mnt": ino("/proc/self/ns/mnt"), "id": mnt_id(base)}
            os.write(w, (json.dumps(me) + "\n").encode())
            signal.pause()
        finally:
            os._exit(0)
    os.close(w)
    children.append(pid)
    with os.fdopen(r) as f:
        facts[name] = json.loads(f.readline())
os.mkdir(f"{base}/later")
mount("lxkns-later", f"{base}/later", "tmpfs")
time.sleep(0.05)
later = {"a": mnt_id(f"{base}/later")}
for name, pid in zip("bc", children):
    fd = os.open(f"/proc/{pid}/root{base}/later", os.O_PATH)
    with open(f"/proc/self/fdinfo/{fd}") as f:
        later[name] = int([l for l in f if l.startswith("mnt_id:")][0].split()[1])
    os.close(fd)
report(base=base, later_ids=later, **facts)
try:
    hold()
finally:
    for pid in children:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
"""

CONTAINERISH = r"""
# a container-like mount namespace: a tmpfs root (pivot_root, the old root gone) with an
# /etc/passwd of its own, a file only it has, and symlinks that aim at /etc/passwd
# (absolute, and by ../.. beyond the root), at /etc (a directory) and at themselves.
# HOLD says what keeps it: "process" (a process inside it), "bind" (only a bind mount
# on a file of the host's), "fd" (only an fd of this process).
base, hold_by = BASE, HOLD
os.makedirs(base, exist_ok=True)
mount("lxkns-test", base, "tmpfs")
mount(None, base, None, MS_PRIVATE)
mntfile, newroot = os.path.join(base, "mnt"), os.path.join(base, "root")
open(mntfile, "w").close()
os.mkdir(newroot)
PASSWD = "root:x:0:0:inside the container:/:/bin/false\n"
for attempt in range(8):
    os.sched_setaffinity(0, {attempt % os.cpu_count()})  # mount namespace IDs come per CPU
    r, w = os.pipe()
    go_r, go_w = os.pipe()
    child = os.fork()
    if child == 0:
        try:
            os.close(r)
            os.close(go_w)
            unshare(CLONE_NEWNS)
            mount(None, "/", None, MS_REC | MS_PRIVATE)
            mount("lxkns-root", newroot, "tmpfs")
            for d in ("etc", "data", "oldroot"):
                os.mkdir(f"{newroot}/{d}")
            with open(f"{newroot}/etc/passwd", "w") as f:
                f.write(PASSWD)
            with open(f"{newroot}/data/only-here", "w") as f:
                f.write("only in the container\n")
            os.symlink("/etc/passwd", f"{newroot}/data/abs")
            os.symlink("../../../../../../etc/passwd", f"{newroot}/data/rel")
            os.symlink("/etc", f"{newroot}/data/etcdir")
            os.symlink("/data/loop", f"{newroot}/data/loop")
            mnt = ino("/proc/self/ns/mnt")
            os.chdir(newroot)
            pivot_root(".", "oldroot")
            os.chdir("/")
            umount2("/oldroot", MNT_DETACH)
            os.rmdir("/oldroot")
            os.write(w, f"{mnt}\n".encode())
            os.read(go_r, 1)  # until the parent lets go
        finally:
            os._exit(0)
    os.close(w)
    os.close(go_r)
    mnt = int(os.read(r, 64).split()[0])
    os.close(r)
    if hold_by == "bind":
        try:
            mount(f"/proc/{child}/ns/mnt", mntfile, None, MS_BIND)
        except OSError as e:
            os.close(go_w)
            os.waitpid(child, 0)
            if e.errno == errno.EINVAL and attempt < 7:
                continue  # a mount namespace ID older than ours: try another CPU
            raise
    held_fd = os.open(f"/proc/{child}/ns/mnt", os.O_RDONLY) if hold_by == "fd" else -1
    break
os.sched_setaffinity(0, range(os.cpu_count()))
if hold_by != "process":
    os.close(go_w)
    os.waitpid(child, 0)  # the namespace lives on without a process
    while os.path.exists(f"/proc/{child}"):
        time.sleep(0.01)
report(pid=os.getpid(), child=child if hold_by == "process" else 0, mnt=mnt, mntfile=mntfile,
       fd=held_fd, passwd=PASSWD)
try:
    hold()
finally:
    if hold_by == "process":
        os.close(go_w)
        os.waitpid(child, 0)
    if held_fd >= 0:
        os.close(held_fd)
    umount2(base, MNT_DETACH)
    os.rmdir(base)
"""

ROOT_OVERMOUNT = r"""
# a mount namespace whose / has a tmpfs mounted over it (the process keeps the root it had)
unshare(CLONE_NEWNS)
mount(None, "/", None, MS_REC | MS_PRIVATE)
lower = mnt_id("/")
mount("lxkns-overroot", "/", "tmpfs")
report(pid=os.getpid(), mnt=ino("/proc/self/ns/mnt"), lower=lower)
hold()
"""

UTS_NET = r"""
# a UTS namespace with a host name of its own, and a network namespace with only lo
unshare(CLONE_NEWUTS | CLONE_NEWNET)
socket.sethostname("lxkns-test-uts")
report(pid=os.getpid(), uts=ino("/proc/self/ns/uts"), net=ino("/proc/self/ns/net"))
hold()
"""
