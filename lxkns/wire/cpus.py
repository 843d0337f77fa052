"""Section ``cpus-online``: the CPUs that were online, as ``[from, to]`` ranges."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..model import Discovery
from ._read import cpu_list, optional
from ._sections import LoadContext, Section


def dump(d: Discovery) -> dict[str, Any]:
    """The online CPUs, as the wire format has them."""
    return {"cpus-online": [list(r) for r in d.online_cpus]}


def load(doc: Mapping[str, Any], ctx: LoadContext) -> None:
    """Read the online CPUs of a dump."""
    ctx.importer.set_online_cpus(optional(doc, "cpus-online", (), cpu_list, ()))


SECTION = Section("cpus", ("cpus-online",), dump, load)
