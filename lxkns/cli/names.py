"""How the tools name things: processes (name, basename or exe), cgroups (short or full),
containers, and namespaces (which have no names: they are labelled by what is in them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..model import Namespace, Process, Task, UserNamespace
from .style import Text, plain

PROC_MODES = ("name", "basename", "exe")
CGROUP_MODES = ("short", "full")
_HEX64 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Naming:
    """The naming choices of one run (``--proc``, ``--cgroup``)."""

    proc: str = "name"
    cgroup: str = "short"

    def process(self, p: Process) -> str:
        """``name``: the comm name; ``basename``: the program's base name from the command
        line; ``exe``: the command line's first word as it is."""
        if self.proc == "basename":
            return p.basename
        if self.proc == "exe" and p.cmdline and p.cmdline[0]:
            return p.cmdline[0]
        return p.name

    def cgroup_path(self, path: str) -> str:
        """``short``: 64-hex elements (container IDs) cut to 12 characters and an ellipsis."""
        if self.cgroup == "full":
            return path
        return _HEX64.sub(lambda m: m.group(0)[:12] + "…", path)


def container_name(p: Process) -> str | None:
    """The name of the container ``p`` is the initial process of, if containers were
    discovered (the model gets them with the container discovery; until then, None)."""
    container: Any = getattr(p, "container", None)
    name = getattr(container, "name", None)
    return name if isinstance(name, str) and name else None


def process_text(p: Process, naming: Naming, *, pids: str | None = None) -> Text:
    """``process "name" (PID)``, or ``container "web" process "name" (PID)``."""
    text: Text = []
    container = container_name(p)
    if container is not None:
        text += [("plain", "container "), ("container", f'"{container}"'), ("plain", " ")]
    text += [("plain", "process "), ("process", f'"{naming.process(p)}"'),
             ("plain", f" ({pids if pids is not None else p.pid})")]
    return text


def cgroup_text(p: Process | Task, naming: Naming) -> Text:
    """`` controlled by "/cgroup/path"`` for a process or task in a CPU cgroup, else nothing."""
    if not p.cpu_cgroup:
        return []
    return [("plain", " controlled by "), ("controlgroup", f'"{naming.cgroup_path(p.cpu_cgroup)}"')]


def type_id_text(ns: Namespace) -> Text:
    """``net:[ino]``, coloured as its type."""
    return [(ns.type.type_name, ns.type_id)]


def _oldest_loose(ns: Namespace) -> Task | None:
    return min(ns.loose_threads, key=lambda t: (t.starttime, t.tid), default=None)


def ref_label(ns: Namespace, naming: Naming) -> Text:
    """What is in a namespace, in the order most telling: the container or ealdorman
    process in it, a loose thread, the file that refers to it, who holds it open."""
    leader = ns.ealdorman
    if leader is not None:
        return process_text(leader, naming) + cgroup_text(leader, naming)
    task = _oldest_loose(ns)
    if task is not None and task.process is not None:
        return [("plain", "task "), ("task", f'"{task.name}"'), ("plain", f" [{task.tid}] of "),
                ("process", f'"{naming.process(task.process)}"'), ("plain", f" ({task.process.pid})")]
    if ns.ref:
        bound = len(ns.ref) > 1 or not ns.ref[0].startswith("/proc/")
        where = "bind-mounted at" if bound else "referenced by"
        return [("plain", f"{where} "), ("path", f'"{ns.ref_text}"')]
    if ns.holders:
        holder = ns.holders[0]
        return [("plain", "held by "), ("process", f'"{naming.process(holder)}"'),
                ("plain", f" ({holder.pid})")]
    return [("unknown", "hidden")]


def namespace_text(ns: Namespace, naming: Naming) -> Text:
    """``net:[ino]`` and what is in it; for user namespaces also who created it."""
    text: Text = [*type_id_text(ns), ("plain", " "), *ref_label(ns, naming)]
    if isinstance(ns, UserNamespace):
        text += [("plain", ", "), *creator_text(ns)]
    return text


def creator_text(ns: UserNamespace) -> Text:
    """``created by UID 1000 ("alice")``."""
    if ns.owner_uid is None:
        return [("plain", "created by "), ("unknown", "unknown UID")]
    name = f' ("{ns.owner_name}")' if ns.owner_name is not None else ""
    return [("plain", "created by "), ("owner", f"UID {ns.owner_uid}{name}")]


def namespace_data(ns: Namespace, naming: Naming) -> dict[str, Any]:
    """What ``--json`` shows of a namespace node."""
    out: dict[str, Any] = {"namespace": ns.type_id, "type": ns.type.type_name, "ino": ns.id.ino,
                           "label": plain(ref_label(ns, naming))}
    if ns.ealdorman is not None:
        out["ealdorman"] = ns.ealdorman.pid
    if ns.ref:
        out["reference"] = list(ns.ref)
    if isinstance(ns, UserNamespace):
        out["user-id"] = ns.owner_uid
        out["user-name"] = ns.owner_name
    return out
