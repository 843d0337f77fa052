"""A made-up host in the lxkns wire format, as big as asked: for the size limits of the
HTML views and for pictures in the manual that show no real machine.

``landscape(processes=10_000)`` returns wire-format data (``Discovery.from_dict``
imports it): a root user namespace with a rootless user (``alice``) and a
nested one inside hers, Docker containers of a compose project (one paused),
rootless podman containers, worker processes in as many PID and network
namespaces as asked, mount tables with overmounts, and a few diagnostics.
Nothing here reads the host.
"""

from __future__ import annotations

import hashlib
import itertools
from typing import Any

DEV = 4
TYPES = ("cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts")
OPTIONS: dict[str, Any] = {
    "from-procs": True, "from-tasks": True, "from-fds": True, "from-sockets": True,
    "from-bindmounts": True, "with-hierarchy": True, "with-ownership": True, "with-user-names": True,
    "with-cmdline": True, "with-cgroups": True, "with-freezer": True, "with-pid-map": False,
    "with-affinity-scheduling": False, "with-task-affinity-scheduling": False,
    "with-credentials": False, "with-mounts": True, "scanned-namespace-types": list(TYPES),
    "types": list(TYPES), "labels": {}, "with-containers": True, "listmount": False,
    "detect-engines": True, "engine-endpoints": [], "engine-timeout": 3.0,
}
WORKERS = ("nginx", "postgres", "python3", "node", "redis-server", "java", "sleep", "sshd")


class _Host:
    def __init__(self) -> None:
        self.ino = itertools.count(4026532200)
        self.pid = itertools.count(1000)
        self.namespaces: dict[str, dict[str, Any]] = {}
        self.processes: dict[str, dict[str, Any]] = {}
        self.mounts: dict[str, dict[str, Any]] = {}
        self.mount_id = itertools.count(30)

    def ns(self, type: str, owner: int | None, *, ino: int | None = None, parent: int | None = None,
           uid: int | None = None, user: str | None = None, sources: tuple[str, ...] = ("proc",)) -> int:
        n = ino if ino is not None else next(self.ino)
        entry: dict[str, Any] = {"nsid": n, "type": type, "sources": list(sources)}
        if owner is not None and type != "user":
            entry["owner"] = owner
        if parent is not None:
            entry["parent"] = parent
        if uid is not None:
            entry["user-id"] = uid
            entry["user-name"] = user
        self.namespaces[str(n)] = entry
        return n

    def proc(self, name: str, ppid: int, ns: dict[str, int], cmdline: list[str] | None = None,
             *, pid: int | None = None, threads: int = 1) -> int:
        p = pid if pid is not None else next(self.pid)
        common = {"name": name[:15], "starttime": 1000 + p, "cpucgroup": "/system.slice",
                  "fridgecgroup": "/system.slice", "fridgefrozen": False, "namespaces": dict(ns),
                  "state": "S"}
        tasks = [{**common, "tid": p}] + [{**common, "tid": next(self.pid)} for _ in range(threads - 1)]
        self.processes[str(p)] = {**common, "pid": p, "ppid": ppid, "cmdline": cmdline or [name],
                                  "tasks": tasks}
        for ino in ns.values():
            entry = self.namespaces[str(ino)]
            entry.setdefault("reference", [f"/proc/{p}/ns/{entry['type']}"])
        return p

    def table(self, mntns: int, mounts: list[tuple[str, str, str, str]]) -> None:
        """(mount point, fstype, source, root) in mount order; later ones on a path cover earlier ones."""
        paths: dict[str, dict[str, Any]] = {}
        ids: dict[str, int] = {}
        for point, fstype, source, root in mounts:
            mid = next(self.mount_id)
            parent = max((p for p in ids if point.startswith(p.rstrip("/") + "/") or p == "/"),
                         key=len, default=None) if point != "/" else None
            m = {"mountid": mid, "parentid": ids.get(point, ids.get(parent or "", 1)), "major": 0,
                 "minor": mid, "root": root, "mountpoint": point, "mountoptions": ["rw", "relatime"],
                 "tags": {}, "fstype": fstype, "source": source, "superoptions": "rw", "hidden": False}
            ids[point] = mid
            paths.setdefault(point, {"mounts": []})["mounts"].append(m)
        ordered = sorted(paths)
        for i, path in enumerate(ordered, start=1):
            entry = paths[path]
            entry["pathid"] = i
            up = max((p for p in ordered if p != path and (path.startswith(p.rstrip("/") + "/"))),
                     key=len, default=None)
            entry["parentid"] = ordered.index(up) + 1 if up is not None else 0
            for m in entry["mounts"][:-1]:
                m["hidden"] = True
        self.mounts[str(mntns)] = paths


def landscape(processes: int = 60, *, worker_namespaces: int = 8, rootless: int = 0) -> dict[str, Any]:
    """Wire-format data of a made-up host with about ``processes`` processes, the workers in
    ``worker_namespaces`` PID and network namespaces, and ``rootless`` more rootless sandboxes
    (a user namespace each, owning five namespaces, with a process in them)."""
    h = _Host()
    root = h.ns("user", None, ino=4026531837, uid=0, user="root", sources=("proc", "owner"))
    inos = {"cgroup": 4026531835, "ipc": 4026531839, "mnt": 4026531841, "net": 4026531840,
            "pid": 4026531836, "time": 4026531834, "uts": 4026531838}
    init = {t: h.ns(t, root, ino=ino) for t, ino in inos.items()}
    init["user"] = root
    systemd = h.proc("systemd", 0, init, ["/sbin/init", "splash"], pid=1)
    dockerd = h.proc("dockerd", systemd, init, ["/usr/bin/dockerd", "-H", "fd://"], pid=812, threads=14)
    containerd = h.proc("containerd", systemd, init, ["/usr/bin/containerd"], pid=640, threads=11)
    h.proc("sshd", systemd, init, ["sshd: /usr/sbin/sshd -D"], pid=901)
    host_mounts = [("/", "ext4", "/dev/nvme0n1p2", "/"), ("/proc", "proc", "proc", "/"),
                   ("/sys", "sysfs", "sysfs", "/"), ("/sys/fs/cgroup", "cgroup2", "cgroup2", "/"),
                   ("/run", "tmpfs", "tmpfs", "/"), ("/var/lib/docker", "ext4", "/dev/nvme1n1", "/"),
                   ("/mnt/data", "ext4", "/dev/sdb1", "/"), ("/mnt/data/cache", "tmpfs", "cache", "/"),
                   ("/mnt/data", "tmpfs", "scratch", "/"), ("/run/netns/blue", "nsfs", "nsfs",
                                                           "net:[4026532190]")]
    h.table(init["mnt"], host_mounts)
    blue = h.ns("net", root, ino=4026532190, sources=("bind",))
    h.namespaces[str(blue)]["reference"] = ["/run/netns/blue"]

    # rootless alice, with a nested user namespace of her own
    alice = h.ns("user", None, parent=root, uid=1000, user="alice")
    nested = h.ns("user", None, parent=alice, uid=1000, user="alice")
    shell = h.proc("bash", 901, init, ["-bash"])
    podman = h.proc("podman", shell, {**init, "user": alice, "mnt": h.ns("mnt", alice)},
                    ["podman", "system", "service", "--time=0"], threads=6)

    containers: dict[str, Any] = {}
    groups: dict[str, Any] = {"1": {"name": "shop", "type": "com.docker.compose.project",
                                    "flavor": "com.docker.compose.project", "labels": {},
                                    "containers": []}}
    engines: dict[str, Any] = {
        "1": {"id": "3c1f9a2e-docker", "type": "docker.com", "version": "28.2.2",
              "api": "unix:///run/docker.sock", "pid": dockerd, "labels": {}, "containers": []},
        "2": {"id": "unix:///run/containerd/containerd.sock", "type": "containerd.io", "version": "1.7.27",
              "api": "unix:///run/containerd/containerd.sock", "pid": containerd, "labels": {},
              "containers": []},
        "3": {"id": "podman-alice", "type": "podman.io", "version": "5.4.1",
              "api": "unix:///run/user/1000/podman/podman.sock", "pid": podman, "labels": {},
              "containers": []},
    }

    def container(name: str, engine: str, owner: int, cmd: list[str], *, group: str | None = None,
                  paused: bool = False, children: int = 2) -> None:
        ns = {**init, "user": owner}
        for t in ("mnt", "uts", "ipc", "net", "pid", "cgroup"):
            ns[t] = h.ns(t, owner, parent=init["pid"] if t == "pid" else None)
        shim = h.proc("containerd-shim", systemd, init, ["/usr/bin/containerd-shim-runc-v2", "-id", name])
        first = h.proc(cmd[0].rsplit("/", 1)[-1], shim, ns, cmd)
        for i in range(children):
            h.proc(cmd[0].rsplit("/", 1)[-1], first, ns, [*cmd, f"worker {i}"])
        h.table(ns["mnt"], [("/", "overlay", "overlay", "/"), ("/proc", "proc", "proc", "/"),
                            ("/etc/hosts", "ext4", "/dev/nvme1n1", f"/containers/{name}/hosts"),
                            ("/proc/kcore", "tmpfs", "tmpfs", "/")])
        key = str(first)  # containers are keyed by the PID of their initial process
        labels = {"org.opencontainers.image.title": name}
        if group is not None:
            labels["com.docker.compose.project"] = "shop"
            labels["com.docker.compose.service"] = name
        containers[key] = {"id": hashlib.sha256(name.encode()).hexdigest(), "name": name,
                           "type": engines[engine]["type"], "flavor": engines[engine]["type"], "pid": first,
                           "paused": paused, "labels": labels, "groups": [1] if group else [],
                           "engine": int(engine)}
        engines[engine]["containers"].append(int(key))
        if group is not None:
            groups[group]["containers"].append(int(key))

    container("web", "1", root, ["/usr/sbin/nginx", "-g", "daemon off;"], group="1")
    container("db", "1", root, ["/usr/lib/postgresql/16/bin/postgres"], group="1", children=4)
    container("batch", "1", root, ["/usr/bin/python3", "-m", "batch"], paused=True)
    container("notebook", "3", alice, ["/usr/bin/python3", "-m", "jupyter", "lab"])
    container("build", "3", nested, ["/usr/bin/make", "-j4"])

    for i in range(rootless):
        user = h.ns("user", None, parent=alice, uid=1000 + i % 7, user="bob")
        ns = {**init, "user": user}
        for t in ("mnt", "uts", "ipc", "net"):
            ns[t] = h.ns(t, user)
        ns["pid"] = h.ns("pid", user, parent=init["pid"])
        h.proc("bwrap", shell, ns, ["bwrap", "--unshare-all", f"sandbox-{i}"])

    # the rest: workers in a handful of PID and network namespaces
    pools = [{**init, "pid": h.ns("pid", root, parent=init["pid"]), "net": h.ns("net", root)}
             for _ in range(worker_namespaces)]
    leaders = [h.proc("supervisor", systemd, pool, ["/usr/bin/supervisord", "-n"]) for pool in pools]
    i = 0
    while len(h.processes) < processes:
        pool = i % len(pools)
        name = WORKERS[i % len(WORKERS)]
        h.proc(name, leaders[pool], pools[pool], [f"/usr/bin/{name}", f"--instance={i}"])
        i += 1

    return {
        "lxkns-schema": 1, "producer": "tests/synthetic.py", "scanner": "synthetic", "nsfs-dev": DEV,
        "procfs-root": "/proc", "discovery-options": OPTIONS, "namespaces": h.namespaces,
        "initial-namespaces": init, "processes": h.processes, "containers": containers,
        "container-engines": engines, "container-groups": groups, "cpus-online": [[0, 7]],
        "mounts": h.mounts, "mount-tables-via": {k: "mountinfo" for k in h.mounts},
        "diagnostics": [{"kind": "denied", "stage": "fds", "message": "cannot read the open fds of a process",
                         "count": 3, "errno": 13, "examples": ["/proc/1/fd"]}],
    }
