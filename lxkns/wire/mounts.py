"""Section ``mounts``: the mount paths of each mount namespace.

The Go lxkns writes it only when mounts were discovered. This version of
lxkns does not discover mounts yet, so it writes nothing; mounts in a dump
are checked to be an object and otherwise left out, with a diagnostic
saying so. The mount discovery replaces this section when it arrives.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..model import DiagnosticKind, Discovery
from ._read import obj
from ._sections import LoadContext, Section


def dump(d: Discovery) -> dict[str, Any]:
    return {}


def load(doc: Mapping[str, Any], ctx: LoadContext) -> None:
    if doc.get("mounts") is not None and obj(doc["mounts"], ("mounts",)):
        ctx.importer.add_diagnostic(DiagnosticKind.UNSUPPORTED, "import",
                                    "mounts in the dump not read: this lxkns does not model mounts")


SECTION = Section("mounts", ("mounts",), dump, load)
