"""Stage: user names of the UIDs that created user namespaces.

Names come from the passwd database of the initial mount namespace (the
host's), not from whatever mount namespace the caller happens to be in.
"""

from __future__ import annotations

from .._lowlevel import parsers
from .._lowlevel.records import LINK_USER
from ..model.diagnostics import DiagnosticKind
from .builder import Builder
from .cgroups import initial_mount_context


def add_user_names(b: Builder) -> None:
    uids = {d.owner_uid for d in b.namespaces.values() if d.link == LINK_USER and d.owner_uid is not None}
    if not uids:
        return
    for path in (f"{initial_mount_context(b)}/root/etc/passwd", "/etc/passwd"):
        try:
            with open(path, encoding="utf-8", errors="surrogateescape") as f:
                b.user_names = parsers.parse_passwd(f.read())
        except OSError as exc:
            b.diagnostics.oserror("users", "cannot read the host's passwd database", exc.errno or 0,
                                  example=path)
            continue
        return
    b.diagnostics.add(DiagnosticKind.UNAVAILABLE, "users", "no passwd database: user names unknown")
