"""The credentials of a process, from the ``Uid:`` and ``CapEff:`` lines of /proc/PID/status."""

from __future__ import annotations

from ..errors import ParseError

_CAP_DIGITS = frozenset(b"0123456789abcdefABCDEF")


def _line(data: bytes, name: bytes) -> bytes | None:
    if data.startswith(name):
        at = 0
    else:
        at = data.find(b"\n" + name)
        if at < 0:
            return None
        at += 1
    end = data.find(b"\n", at)
    return data[at + len(name) : end if end >= 0 else len(data)].strip(b" \t")


def parse_credentials(data: bytes) -> tuple[int, int]:
    """(effective UID, effective capability mask) of a status file; ParseError if
    either line is missing or malformed."""
    uids = _line(data, b"Uid:")
    if uids is None:
        raise ParseError("status file", data[:80], "no Uid: line")
    fields = uids.split()
    if len(fields) != 4 or not all(f.isdigit() and f.isascii() for f in fields):
        raise ParseError("Uid: line", uids, "expected four decimal UIDs")
    caps = _line(data, b"CapEff:")
    if caps is None:
        raise ParseError("status file", data[:80], "no CapEff: line")
    if not caps or len(caps) > 16 or not all(c in _CAP_DIGITS for c in caps):
        raise ParseError("CapEff: line", caps, "expected a hexadecimal mask of up to 64 bits")
    euid = int(fields[1])
    if euid > 0xFFFFFFFF:
        raise ParseError("Uid: line", uids, "UID out of range")
    return euid, int(caps, 16)
