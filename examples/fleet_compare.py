"""Compare the discoveries of several hosts: dumps collected from lxkns services or files.

    python3 fleet_compare.py http://node-a:5010 http://node-b:5010 saved-dump.json

Each argument is the base URL of an lxkns service (its /api/namespaces is fetched) or a
JSON dump (of ours or of the Go lxkns). It prints one line per host -- namespaces by type,
processes, container engines and containers -- and then the containers (by name) that
not every host runs.
"""

from __future__ import annotations

import argparse
import sys
import urllib.error
import urllib.request
from collections import Counter

import lxkns


def load(source: str) -> lxkns.Discovery:
    if source.startswith(("http://", "https://")):
        with urllib.request.urlopen(source.rstrip("/") + "/api/namespaces", timeout=60) as answer:
            return lxkns.Discovery.from_json(answer.read())
    with open(source, "rb") as f:
        return lxkns.Discovery.from_json(f.read())


def main(sources: list[str]) -> int:
    hosts = {}
    for source in sources:
        try:
            hosts[source] = load(source)
        except (OSError, urllib.error.URLError, lxkns.WireFormatError) as exc:
            print(f"fleet_compare.py: cannot read {source}: {exc}", file=sys.stderr)
            return 1
    types = [t for t in lxkns.NamespaceType]
    print("host".ljust(40), *(t.type_name.rjust(6) for t in types), "procs".rjust(6), " engines/containers")
    for source, d in hosts.items():
        engines = Counter(e.type for e in d.container_engines)
        print(source[:40].ljust(40), *(str(len(d.namespaces.get(t, {}))).rjust(6) for t in types),
              str(len(d.processes)).rjust(6), f" {sum(engines.values())}/{len(d.containers)}",
              ", ".join(f"{n}x{t}" for t, n in sorted(engines.items())))
    names = {source: {c.name for c in d.containers} for source, d in hosts.items()}
    everywhere = set.intersection(*names.values()) if names else set()
    for name in sorted(set().union(*names.values()) - everywhere):
        on = [source for source, found in names.items() if name in found]
        print(f"container {name!r} only on: {', '.join(on)}")
    return 0


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sources", nargs="+", metavar="URL|DUMP", help="an lxkns service's URL, or a JSON dump")
    raise SystemExit(main(ap.parse_args().sources))
