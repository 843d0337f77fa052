"""Stages: owning user namespaces and the PID/user namespace hierarchies.

The scanner asked NS_GET_USERNS, NS_GET_PARENT and NS_GET_OWNER_UID of every
namespace when it first saw it, and followed owners and parents it had not
seen otherwise; here those answers become relations between drafts. A parent
or owner found only that way becomes a hidden namespace of its own.
"""

from __future__ import annotations

from .._lowlevel import NsRecord
from .._lowlevel.records import LINK_PID, LINK_USER
from ..model import Source
from .builder import Builder


def _records(b: Builder) -> dict[tuple[int, int], NsRecord]:
    """The scanner's namespace records by (type index, inode), made once per scan result."""
    cached = b.ns_records
    if cached is None or cached[0] is not b.scan:
        cached = b.ns_records = (b.scan, {(r.link, r.ino): r for r in b.scan.namespaces})
    return cached[1]


def add_ownership(b: Builder) -> None:
    """The owning user namespace of every non-user namespace."""
    recs = _records(b)
    for d in list(b.namespaces.values()):
        r = recs.get((d.link, d.ino))
        if r is None:
            continue
        if d.link != LINK_USER and r.owner:
            d.owner = r.owner
            b.draft(LINK_USER, r.owner, Source.OWNER)


def add_hierarchy(b: Builder) -> None:
    """Parents of PID and user namespaces, climbing through hidden ones."""
    recs = _records(b)
    work = [d for d in b.namespaces.values() if d.link in (LINK_USER, LINK_PID)]
    while work:
        d = work.pop()
        r = recs.get((d.link, d.ino))
        if r is None or not r.parent:
            continue
        d.parent = r.parent
        known = (d.link, r.parent) in b.namespaces
        parent = b.draft(d.link, r.parent, Source.PARENT)
        if not known:
            work.append(parent)


def add_details(b: Builder) -> None:
    """The nsfs device of every namespace (from fstat where it was opened), its stable
    ID (NS_GET_ID) and the creator UID of every user namespace."""
    recs = _records(b)
    for d in b.namespaces.values():
        r = recs.get((d.link, d.ino))
        d.dev = r.dev if r is not None and r.dev else b.scan.nsfs_dev
        if r is not None and r.nsid:
            d.stable_id = r.nsid
        if d.link == LINK_USER and r is not None and r.owner_uid >= 0:
            d.owner_uid = r.owner_uid
