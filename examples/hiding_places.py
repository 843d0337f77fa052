"""List the namespaces that no process is attached to, and what keeps each alive.

    python examples/hiding_places.py
"""

from __future__ import annotations

import argparse

import lxkns


def main() -> None:
    d = lxkns.discover()
    for ns in d.all_namespaces():
        if ns.processes:
            continue
        held_by = ", ".join(sorted(str(s) for s in ns.sources))
        print(f"{ns.type_id:24} held by {held_by:18} {ns.ref_text or '(no path opens it)'}")
    for diag in d.diagnostics:
        print(f"note: {diag}")


if __name__ == "__main__":
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args()  # --help; no stray arguments
    main()
