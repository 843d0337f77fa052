"""Show every process in a PID namespace below ours with its PID at each level.

    python examples/pid_translate.py
"""

from __future__ import annotations

import argparse
import os

import lxkns


def main() -> None:
    d = lxkns.discover(lxkns.FULL)
    assert d.pid_map is not None
    mine = d.process(os.getpid()).namespaces[lxkns.PID]
    for pid, proc in sorted(d.processes.items()):
        pidns = proc.namespaces.get(lxkns.PID)
        if pidns is None or pidns == mine:
            continue
        chain = d.pid_map.namespaced_pids(pid, mine)
        if not chain:
            continue
        pids = "/".join(str(e.pid) for e in chain)
        levels = " > ".join(e.pidns.type_id for e in chain)
        print(f"{proc.name:16} PIDs {pids:>16}  in {levels}")


if __name__ == "__main__":
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args()  # --help; no stray arguments
    main()
