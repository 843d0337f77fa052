"""The lxkns JSON wire format, both ways: the Go lxkns' format, plus a few additions.

``to_dict`` / ``to_json`` write a discovery: the discovery options,
namespaces keyed by inode, processes keyed by PID (with their threads), the
PID map, the online CPUs, and the (for now empty) container objects the
format requires. Our additions, which consumers of the Go format ignore:
``lxkns-schema`` and ``producer``, ``scanner``, ``nsfs-dev`` and
``procfs-root``, per namespace ``sources``, ``holders`` and the
``possessions`` the Go lxkns declares but never writes, per process its
``state``, ``for-children`` links and credentials, and the top-level
``initial-namespaces``, ``socket-processes`` and ``diagnostics``. Keys are
sorted, so equal discoveries give equal text.

``from_dict`` / ``from_json`` read a dump -- ours, or one of the Go lxkns,
older variants included -- back into an immutable
:class:`~lxkns.model.discovery.Discovery`, built by the same code as a live
discovery. Malformed input raises :class:`~lxkns.errors.WireFormatError`
naming the JSON path of the problem. ``Discovery.to_json()`` and
``Discovery.from_json()`` call these functions.

The format is described by a JSON schema that ships with the package
(:func:`schema`).
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from ..errors import WireFormatError
from ..model import Discovery
from ..model import codec as _codec
from . import containers, cpus, diagnostics, meta, mounts, namespaces, options, pidmap, processes
from ._sections import LoadContext, Section, register, sections
from .meta import PRODUCER, SCHEMA_VERSION

for _section in (meta, options, namespaces, processes, pidmap, cpus, mounts, containers, diagnostics):
    register(_section.SECTION)


@contextmanager
def _no_collection() -> Iterator[None]:
    """No cyclic garbage collection while a dump is built or read.

    Both make hundreds of thousands of objects and none of them are garbage,
    so the collector's passes only cost time (half of it on a large host).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def to_dict(d: Discovery) -> dict[str, Any]:
    """The discovery as plain JSON-able data (fresh objects, nothing shared with ``d``)."""
    out: dict[str, Any] = {}
    with _no_collection():
        for section in sections():
            out.update(section.dump(d))
    return out


def to_json(d: Discovery, *, indent: int | str | None = None, compact: bool = False) -> str:
    """The discovery as JSON text with sorted keys.

    ``indent`` as for :func:`json.dumps` (None: one line); ``compact`` drops
    the blanks after separators too.
    """
    separators = (",", ":") if compact else None
    data = to_dict(d)
    with _no_collection():
        return json.dumps(data, indent=None if compact else indent, separators=separators, sort_keys=True)


def from_dict(data: Mapping[str, Any]) -> Discovery:
    """The discovery a dump describes; WireFormatError if it is malformed."""
    if isinstance(data, Mapping) and not isinstance(data, dict):
        data = dict(data)
    if not isinstance(data, dict):
        raise WireFormatError((), f"expected an object, not {type(data).__name__}")
    ctx = LoadContext(data)
    with _no_collection():
        for section in sections():
            section.load(data, ctx)
        ctx.check_references()
        return ctx.importer.finish()


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def from_json(text: str | bytes) -> Discovery:
    """The discovery a JSON dump describes; WireFormatError if it is not JSON or malformed."""
    try:
        with _no_collection():
            data = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise WireFormatError((), "not JSON: nested too deeply") from None
    except (ValueError, TypeError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise WireFormatError((), f"not JSON: {exc}") from None
    return from_dict(data)


def schema() -> dict[str, Any]:
    """The JSON schema (draft 2020-12) of what :func:`to_dict` writes."""
    from importlib import resources

    text = resources.files(__package__).joinpath("schema/lxkns-wire.schema.json").read_text("utf-8")
    result: dict[str, Any] = json.loads(text)
    return result


class _Codec:
    """What the model calls for ``Discovery.to_json()`` and friends."""

    to_dict = staticmethod(to_dict)
    to_json = staticmethod(to_json)
    from_dict = staticmethod(from_dict)
    from_json = staticmethod(from_json)


_codec.register(_Codec())

__all__ = [
    "PRODUCER", "SCHEMA_VERSION", "LoadContext", "Section", "from_dict", "from_json", "register",
    "schema", "sections", "to_dict", "to_json",
]
