"""Sections ``containers``, ``container-engines`` and ``container-groups``.

The format requires the three objects. This version of lxkns has no
container model yet, so it writes them empty; containers in a dump are
checked to be objects and otherwise left out, with a diagnostic saying so.
The container discovery replaces this section when it arrives.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..model import DiagnosticKind, Discovery
from ._read import obj
from ._sections import LoadContext, Section

KEYS = ("containers", "container-engines", "container-groups")


def dump(d: Discovery) -> dict[str, Any]:
    return {key: {} for key in KEYS}


def load(doc: Mapping[str, Any], ctx: LoadContext) -> None:
    found = [key for key in KEYS if doc.get(key) is not None and obj(doc[key], (key,))]
    if found:
        ctx.importer.add_diagnostic(DiagnosticKind.UNSUPPORTED, "import",
                                    f"{', '.join(found)} in the dump not read: "
                                    "this lxkns does not model containers")


SECTION = Section("containers", KEYS, dump, load)
