"""Section ``diagnostics`` (our addition): what the discovery could not see, and why."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..model import Diagnostic, DiagnosticKind, Discovery
from ._read import INT32_MAX, Path, array, fail, integer, obj, optional, required, string, strings
from ._sections import LoadContext, Section

_KINDS = {k.value: k for k in DiagnosticKind}


def dump(d: Discovery) -> dict[str, Any]:
    """The diagnostics, as the wire format has them."""
    return {"diagnostics": [
        {"kind": x.kind.value, "stage": x.stage, "message": x.message, "count": x.count,
         "errno": x.errno, "examples": list(x.examples)}
        for x in d.diagnostics
    ]}


def _kind(value: Any, path: Path) -> DiagnosticKind:
    kind = _KINDS.get(string(value, path))
    if kind is None:
        fail(path, f"unknown diagnostic kind {value!r}")
    return kind


def load(doc: Mapping[str, Any], ctx: LoadContext) -> None:
    """Read the diagnostics of a dump."""
    for i, item in enumerate(optional(doc, "diagnostics", (), array, [])):
        path: Path = ("diagnostics", i)
        o = obj(item, path)
        ctx.importer.restore_diagnostic(Diagnostic(
            kind=required(o, "kind", path, _kind),
            stage=required(o, "stage", path, string),
            message=required(o, "message", path, string),
            count=optional(o, "count", path, lambda v, p: integer(v, p, 1), 1),
            errno=optional(o, "errno", path, lambda v, p: integer(v, p, 0, INT32_MAX), None),
            examples=optional(o, "examples", path, strings, ()),
        ))


SECTION = Section("diagnostics", ("diagnostics",), dump, load)
