"""Stage: user names of the UIDs that created user namespaces.

Names come from the passwd database of the initial mount namespace (the
host's), not from whatever mount namespace the caller happens to be in.
"""

from __future__ import annotations

import os

from .._lowlevel import parsers, safeopen
from .._lowlevel.records import LINK_USER
from ..model.diagnostics import DiagnosticKind
from .builder import Builder
from .cgroups import initial_mount_context

PASSWD_CAP = 64 << 20


def _read_passwd(root: str) -> bytes:
    """/etc/passwd inside ``root`` (a /proc/PID/root; "" for ours), as a regular file only."""
    if not root:
        return safeopen.read_regular("/etc/passwd", in_root=False, cap=PASSWD_CAP)
    rootfd = os.open(root, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        return safeopen.read_regular("/etc/passwd", rootfd, cap=PASSWD_CAP)
    finally:
        os.close(rootfd)


def add_user_names(b: Builder) -> None:
    uids = {d.owner_uid for d in b.namespaces.values() if d.link == LINK_USER and d.owner_uid is not None}
    if not uids:
        return
    for root in (f"{initial_mount_context(b)}/root", ""):
        path = f"{root}/etc/passwd"
        try:
            b.user_names = parsers.parse_passwd(
                _read_passwd(root).decode("utf-8", "surrogateescape"))
        except OSError as exc:
            b.diagnostics.oserror("users", "cannot read the host's passwd database", exc.errno or 0,
                                  example=path)
            continue
        return
    b.diagnostics.add(DiagnosticKind.UNAVAILABLE, "users", "no passwd database: user names unknown")
