"""Fixture dumps written for the tests: a small host in our format, and two in the Go
lxkns' format (a current and an old variant).

The host ("landscape"): an initial user namespace with a rootless podman-like
tree below it (user namespace created by UID 1000, a hidden user namespace
in between, nested PID namespaces), a docker-like container (PID, net and
mount namespace owned by the initial user namespace, a 64-hex cgroup), a
PID namespace whose owner is unknown, and network namespaces held by an
fd, by a socket only, by a loose thread and by a bind mount.
"""

from __future__ import annotations

import copy
from typing import Any

# user namespaces
U0, U1, U2, U3, U4 = 4026531837, 4026532400, 4026532410, 4026532411, 4026532420
# PID namespaces
P0, P1, P2, P3, P4 = 4026531836, 4026532401, 4026532412, 4026532430, 4026532440
# network namespaces
N0, N1, N2, N3, N4, N5, N6, N7 = 4026531840, 4026532402, 4026532413, 4026532431, 4026532450, \
    4026532451, 4026532452, 4026532453
# mount namespaces
M0, M1, M2, M3 = 4026531841, 4026532403, 4026532414, 4026532432

DOCKER_ID = "0123456789abcdef" * 4
ALL_CAPS = (1 << 41) - 1
DOCKER_CAPS = 0xA80425FB

_INITIAL = {"user": U0, "pid": P0, "net": N0, "mnt": M0}


def _proc(pid: int, ppid: int, name: str, start: int, cmdline: list[str], cgroup: str, /, *,
          euid: int = 0, caps: int = ALL_CAPS, threads: tuple[dict[str, Any], ...] = (),
          **ns: int) -> dict[str, Any]:
    namespaces = dict(_INITIAL, **ns)
    common = {"name": name, "starttime": start, "cpucgroup": cgroup, "fridgecgroup": cgroup,
              "fridgefrozen": False, "namespaces": namespaces, "state": "S"}
    return {
        "pid": pid, "ppid": ppid, "cmdline": cmdline, **common, "euid": euid, "effective-caps": caps,
        "tasks": [{"tid": pid, **common}, *threads],
    }


def _ns(ino: int, type: str, sources: list[str], *, ref: list[str] | None = None,
        owner: int | None = U0, **more: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"nsid": ino, "type": type, "sources": sources, **more}
    if ref:
        out["reference"] = ref
    if owner is not None and type != "user":
        out["owner"] = owner
    return out


def landscape() -> dict[str, Any]:
    """The host, as lxkns for Python writes it (schema 1)."""
    docker_cg = f"/system.slice/docker-{DOCKER_ID}.scope"
    user_cg = "/user.slice/user-1000.slice/session-1.scope"
    loose = {"tid": 1501, "name": "stray", "starttime": 1510, "cpucgroup": "/system.slice/holder.service",
             "fridgecgroup": "/system.slice/holder.service", "fridgefrozen": False, "state": "S",
             "namespaces": dict(_INITIAL, net=N6)}
    processes = [
        _proc(1, 0, "systemd", 5, ["/sbin/init", "splash"], "/init.scope"),
        _proc(2, 0, "kthreadd", 5, [], "/"),
        _proc(1200, 1, "podman", 1000, ["/usr/bin/podman", "run", "alpine"], user_cg, euid=1000, caps=0,
              user=U1, net=N1, mnt=M1),
        _proc(1201, 1200, "catatonit", 1010, ["/catatonit", "-P"], user_cg, euid=1000, user=U1, pid=P1,
              net=N1, mnt=M1),
        _proc(1202, 1201, "sh", 1020, ["/bin/sh"], user_cg, euid=1000, user=U1, pid=P1, net=N1, mnt=M1),
        _proc(1300, 1202, "sleep", 1100, ["/usr/bin/sleep", "infinity"], user_cg, euid=1000, user=U3,
              pid=P2, net=N2, mnt=M2),
        _proc(1500, 1, "holder", 1500, ["/usr/local/bin/holder"], "/system.slice/holder.service",
              threads=(loose,)),
        _proc(2000, 1, "nginx", 2000, ["nginx", "-g", "daemon off;"], docker_cg, caps=DOCKER_CAPS,
              pid=P3, net=N3, mnt=M3),
        _proc(2001, 2000, "nginx", 2010, ["nginx: worker process"], docker_cg, euid=101, caps=0,
              pid=P3, net=N3, mnt=M3),
        _proc(2100, 1, "lonely", 2100, ["/usr/bin/lonely"], "/system.slice/lonely.service", pid=P4),
        _proc(3000, 1, "bash", 3000, ["-bash"], user_cg, euid=1000, caps=0),
    ]
    ns = [
        _ns(U0, "user", ["proc"], ref=["/proc/1/ns/user"], leaders=[1, 2], ealdorman=1,
            children=[U1, U4], **{"user-id": 0, "user-name": "root"}),
        _ns(U1, "user", ["proc"], ref=["/proc/1200/ns/user"], leaders=[1200], ealdorman=1200,
            parent=U0, children=[U2], **{"user-id": 1000, "user-name": "alice"}),
        _ns(U2, "user", ["parent"], parent=U1, children=[U3], **{"user-id": 1000, "user-name": "alice"}),
        _ns(U3, "user", ["proc"], ref=["/proc/1300/ns/user"], leaders=[1300], ealdorman=1300, parent=U2,
            **{"user-id": 1000, "user-name": "alice"}),
        _ns(U4, "user", ["bind"], ref=["/proc/1/ns/mnt", "/run/userns/spare"], parent=U0,
            **{"user-id": 0, "user-name": "root"}),
        _ns(P0, "pid", ["proc"], ref=["/proc/1/ns/pid"], leaders=[1, 2], ealdorman=1,
            children=[P1, P3, P4]),
        _ns(P1, "pid", ["proc"], ref=["/proc/1201/ns/pid"], owner=U1, leaders=[1201], ealdorman=1201,
            parent=P0, children=[P2]),
        _ns(P2, "pid", ["proc"], ref=["/proc/1300/ns/pid"], owner=U3, leaders=[1300], ealdorman=1300,
            parent=P1),
        _ns(P3, "pid", ["proc"], ref=["/proc/2000/ns/pid"], leaders=[2000], ealdorman=2000, parent=P0),
        _ns(P4, "pid", ["proc"], ref=["/proc/2100/ns/pid"], owner=None, leaders=[2100], ealdorman=2100,
            parent=P0),
        _ns(N0, "net", ["proc"], ref=["/proc/1/ns/net"], leaders=[1, 2], ealdorman=1),
        _ns(N1, "net", ["proc"], ref=["/proc/1200/ns/net"], owner=U1, leaders=[1200], ealdorman=1200),
        _ns(N2, "net", ["proc"], ref=["/proc/1300/ns/net"], owner=U3, leaders=[1300], ealdorman=1300),
        _ns(N3, "net", ["proc"], ref=["/proc/2000/ns/net"], leaders=[2000], ealdorman=2000),
        _ns(N4, "net", ["fd"], ref=["/proc/1/fd/9"], holders=[1]),
        _ns(N5, "net", ["socket"], holders=[1500]),
        _ns(N6, "net", ["task"], ref=["/proc/1500/task/1501/ns/net"], **{"loose-threads": [1501]}),
        _ns(N7, "net", ["bind"], ref=["/proc/1/ns/mnt", "/run/netns/blue"]),
        _ns(M0, "mnt", ["proc"], ref=["/proc/1/ns/mnt"], leaders=[1, 2], ealdorman=1),
        _ns(M1, "mnt", ["proc"], ref=["/proc/1200/ns/mnt"], owner=U1, leaders=[1200], ealdorman=1200),
        _ns(M2, "mnt", ["proc"], ref=["/proc/1300/ns/mnt"], owner=U3, leaders=[1300], ealdorman=1300),
        _ns(M3, "mnt", ["proc"], ref=["/proc/2000/ns/mnt"], leaders=[2000], ealdorman=2000),
    ]
    chains = {1: [(1, P0)], 2: [(2, P0)], 1200: [(1200, P0)], 1201: [(1, P1), (1201, P0)],
              1202: [(2, P1), (1202, P0)], 1300: [(1, P2), (3, P1), (1300, P0)],
              1500: [(1500, P0)], 1501: [(1501, P0)], 2000: [(1, P3), (2000, P0)],
              2001: [(7, P3), (2001, P0)], 2100: [(1, P4), (2100, P0)], 3000: [(3000, P0)]}
    return {
        "lxkns-schema": 1,
        "producer": "lxkns-python tests",
        "scanner": "native",
        "nsfs-dev": 4,
        "procfs-root": "/proc",
        "discovery-options": {
            "from-procs": True, "from-tasks": True, "from-fds": True, "from-sockets": True,
            "from-bindmounts": True, "with-hierarchy": True, "with-ownership": True,
            "with-user-names": True, "with-cmdline": True, "with-cgroups": True, "with-freezer": True,
            "with-pid-map": True, "with-affinity-scheduling": False, "with-task-affinity-scheduling": False,
            "with-credentials": True, "with-mounts": False, "labels": {},
            "with-containers": True, "listmount": True, "detect-engines": True, "engine-endpoints": [],
            "engine-timeout": 3.0,
            "scanned-namespace-types": ["mnt", "user", "pid", "net"], "types": ["mnt", "user", "pid", "net"],
        },
        "namespaces": {str(n["nsid"]): n for n in ns},
        "initial-namespaces": dict(_INITIAL),
        "processes": {str(p["pid"]): p for p in processes},
        "pidmap": [[{"pid": pid, "nsid": nsid} for pid, nsid in chain] for chain in chains.values()],
        "socket-processes": {"88001": [1500]},
        "containers": {"2000": {"id": DOCKER_ID, "name": "web", "type": "docker.com",
                                "flavor": "docker.com", "pid": 2000, "paused": False, "labels": {},
                                "groups": [1], "engine": 1}},
        "container-engines": {"1": {"id": "engine-1", "type": "docker.com", "version": "27.0",
                                    "api": "unix:///run/docker.sock", "pid": 900, "labels": {},
                                    "containers": [2000]}},
        "container-groups": {"1": {"name": "webapp", "type": "com.docker.compose.project",
                                   "flavor": "com.docker.compose.project", "containers": [2000],
                                   "labels": {}}},
        "cpus-online": [[0, 1]],
        "diagnostics": [{"kind": "denied", "stage": "namespaces", "count": 2, "errno": 13,
                         "message": "cannot read the namespaces of a process: permission denied",
                         "examples": ["/proc/4000/ns (secret)"]}],
    }


def go_new() -> dict[str, Any]:
    """The landscape as the current Go lxkns writes it: no additions, and a mount table."""
    d = copy.deepcopy(landscape())
    for key in ("lxkns-schema", "producer", "scanner", "nsfs-dev", "procfs-root", "initial-namespaces",
                "socket-processes", "diagnostics", "pidmap"):
        del d[key]
    opts = d["discovery-options"]
    for key in ("from-sockets", "with-user-names", "with-cmdline", "with-cgroups", "with-pid-map",
                "with-credentials", "types", "with-containers", "listmount", "detect-engines",
                "engine-endpoints", "engine-timeout"):
        del opts[key]
    opts["with-mounts"] = True
    opts["scanned-namespace-types"] = ["mnt", "user", "pid", "net"]
    for n in d["namespaces"].values():
        n.pop("sources")
        n.pop("holders", None)
    d["namespaces"][str(N5)]["reference"] = ["/proc/1500/fd/4"]  # Go gives socket namespaces the socket fd
    for p in d["processes"].values():
        for x in (p, *p["tasks"]):
            x.pop("state")
        p.pop("euid")
        p.pop("effective-caps")
    d["mounts"] = {str(M0): {"/": {"mounts": [{
        "mountid": 28, "parentid": 1, "major": 8, "minor": 2, "root": "/", "mountpoint": "/",
        "mountoptions": ["rw"], "tags": {"shared": "1"}, "fstype": "ext4", "source": "/dev/sda2",
        "superoptions": "rw", "hidden": False}], "pathid": 1, "parentid": 0}}}
    return d


def go_old() -> dict[str, Any]:
    """An older Go lxkns dump: refs as strings, ``skipped-*`` options, ``cgroup`` for the CPU
    cgroup, no tasks, no containers, user names written for every namespace."""
    d = go_new()
    for key in ("containers", "container-engines", "container-groups", "cpus-online", "mounts"):
        del d[key]
    d["discovery-options"] = {
        "skipped-procs": False, "skipped-tasks": True, "skipped-fds": False, "skipped-bindmounts": False,
        "skipped-hierarchy": False, "skipped-ownership": False,
        "scanned-namespace-types": ["mnt", "user", "pid", "net"],
    }
    for n in d["namespaces"].values():
        if "reference" in n:
            n["reference"] = n["reference"][-1] if len(n["reference"]) == 1 else n["reference"]
        n.pop("loose-threads", None)
        n.setdefault("user-name", "root")
    del d["namespaces"][str(N6)]  # no tasks, no loose threads
    for p in d["processes"].values():
        p["cgroup"] = p.pop("cpucgroup")
        for key in ("fridgecgroup", "fridgefrozen", "tasks"):
            p.pop(key)
        p["cmdline"] = p["cmdline"] or [""]
    return d
