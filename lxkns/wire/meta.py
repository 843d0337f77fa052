"""Section ``lxkns-schema``, ``producer`` and where the discovery ran (our additions).

The Go lxkns writes none of these; a dump without ``lxkns-schema`` is read
as one of its dumps (older variants included).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._version import __version__
from ..model import Discovery
from ._read import UINT64_MAX, fail, integer, optional, string
from ._sections import LoadContext, Section, local_nsfs_dev

#: The version of the format this package writes; dumps of a later version are refused.
SCHEMA_VERSION = 1
#: What this package writes as ``producer``.
PRODUCER = f"lxkns-python {__version__}"


def dump(d: Discovery) -> dict[str, Any]:
    """The schema version, producer, scanner and nsfs device."""
    return {
        "lxkns-schema": SCHEMA_VERSION,
        "producer": PRODUCER,
        "scanner": d.scanner,
        "nsfs-dev": d.nsfs_dev,
        "procfs-root": d.procfs_root,
    }


def load(doc: Mapping[str, Any], ctx: LoadContext) -> None:
    """Read (and check) the schema version and the rest of the meta data of a dump."""
    if "lxkns-schema" in doc:
        version = integer(doc["lxkns-schema"], ("lxkns-schema",), 1, 1 << 31)
        if version > SCHEMA_VERSION:
            fail(("lxkns-schema",), f"schema version {version} is newer than this lxkns reads "
                                    f"({SCHEMA_VERSION})")
        ctx.ours = True
    optional(doc, "producer", (), string, "")
    ctx.scanner = optional(doc, "scanner", (), string, "")
    ctx.procfs_root = optional(doc, "procfs-root", (), string, "/proc")
    dev = optional(doc, "nsfs-dev", (), lambda v, p: integer(v, p, 0, UINT64_MAX), -1)
    ctx.nsfs_dev = dev if dev >= 0 else local_nsfs_dev()


SECTION = Section("meta", ("lxkns-schema", "producer", "scanner", "nsfs-dev", "procfs-root"), dump, load)
