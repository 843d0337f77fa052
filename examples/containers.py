"""List the containers of every engine found, with the namespaces of their own;
with a PID, say which container that process runs in.

    python examples/containers.py [PID]
"""

from __future__ import annotations

import argparse
import sys

import lxkns


def container_of(d: lxkns.Discovery, pid: int) -> lxkns.Container | None:
    """The container a process runs in: the nearest ancestor that is a container's initial
    process, else a container whose initial process shares its PID and mount namespaces
    (a process started with ``docker exec`` is a child of the engine's shim, not of it)."""
    proc = d.process(pid)
    for p in (proc, *proc.ancestors()):
        if p.container is not None:
            return p.container
    for c in d.containers:
        if c.process is not None and all(
                c.namespaces.get(t) is proc.namespaces.get(t) for t in (lxkns.PID, lxkns.MNT)):
            return c
    return None


def main(pid: int | None) -> None:
    d = lxkns.discover(lxkns.FULL)
    host = d.initial_namespaces
    for c in sorted(d.containers, key=lambda c: (c.type, c.path)):
        own = [t.type_name for t, ns in sorted(c.namespaces.items(), key=lambda kv: kv[0].type_name)
               if host.get(t) is not ns]
        state = "paused" if c.paused else "running"
        print(f"{c.type:15} {c.path:30} pid {c.pid:<7} {state:8} own: {' '.join(own) or '-'}")
    if pid is not None:
        if pid not in d.processes:
            sys.exit(f"containers.py: no process with PID {pid}")
        found = container_of(d, pid)
        print(f"PID {pid} runs in", f"container {found.path!r} ({found.type})" if found else "no container")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("pid", type=int, nargs="?", help="say which container this process runs in")
    main(ap.parse_args().pid)
