"""Parsers for the /proc formats discovery reads.

Pure functions, shared by the pure-Python scanner and the discovery stages.
The stat, ``type:[ino]`` and octal-escape parsers accept exactly what their
C twins in ``_native/lxkns_native.c`` accept; the test suite checks that with
hypothesis.
"""

from __future__ import annotations

from typing import NamedTuple

from ..errors import ParseError
from .records import NTYPES

TYPE_NAMES: tuple[str, ...] = ("cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts")
_TYPE_INDEX = {name.encode(): i for i, name in enumerate(TYPE_NAMES)}
_INT64_MAX = (1 << 63) - 1
_INT32_MAX = (1 << 31) - 1
_DIGITS = frozenset(b"0123456789")


class StatFields(NamedTuple):
    """The fields of a /proc/PID/stat line that discovery uses."""

    pid: int
    comm: bytes
    state: str
    ppid: int
    nice: int
    nthreads: int
    starttime: int
    priority: int
    policy: int


def _int(tok: bytes, *, signed: bool = True) -> int | None:
    body = tok[1:] if signed and tok[:1] == b"-" else tok
    if not body or not all(c in _DIGITS for c in body):
        return None
    value = int(tok)
    return value if -_INT64_MAX - 1 <= value <= _INT64_MAX else None


def parse_stat(data: bytes) -> StatFields:
    """Parse /proc/PID/stat: ``PID (COMM) S PPID ...``.

    COMM runs from the first ``(`` to the *last* ``)``; the fields after it
    are separated by single spaces; one trailing newline is allowed.
    """
    i = 0
    while i < len(data) and data[i] in _DIGITS:
        i += 1
    if i == 0 or i + 2 > len(data) or data[i : i + 2] != b" (":
        raise ParseError("stat line", data, "no 'PID (' prefix")
    pid = _int(data[:i], signed=False)
    if pid is None or not 0 < pid <= _INT32_MAX:
        raise ParseError("stat line", data, "PID out of range")
    close = data.rfind(b")")
    if close <= i + 1:
        raise ParseError("stat line", data, "no ')' after the command name")
    comm = data[i + 2 : close]
    end = len(data)
    if end > close + 1 and data[end - 1 : end] == b"\n":
        end -= 1
    if close + 1 >= end or data[close + 1 : close + 2] != b" ":
        raise ParseError("stat line", data, "no fields after the command name")
    toks = data[close + 2 : end].split(b" ")
    if len(toks) < 39 or any(not t for t in toks):
        raise ParseError("stat line", data, "too few or empty fields")
    if len(toks[0]) != 1:
        raise ParseError("stat line", data, "bad state")
    ppid, nice, nthreads = _int(toks[1]), _int(toks[16]), _int(toks[17])
    starttime, priority, policy = _int(toks[19]), _int(toks[37]), _int(toks[38])
    if ppid is None or not 0 <= ppid <= _INT32_MAX:
        raise ParseError("stat line", data, "bad PPID")
    if nice is None or not -20 <= nice <= 19:
        raise ParseError("stat line", data, "bad nice value")
    if nthreads is None or nthreads < 0:
        raise ParseError("stat line", data, "bad thread count")
    if starttime is None or starttime < 0:
        raise ParseError("stat line", data, "bad start time")
    if priority is None or not 0 <= priority <= 99:
        raise ParseError("stat line", data, "bad RT priority")
    if policy is None or not 0 <= policy <= 7:
        raise ParseError("stat line", data, "bad scheduling policy")
    return StatFields(pid, comm, chr(toks[0][0]), ppid, nice, nthreads, starttime, priority, policy)


def parse_nslink(text: str | bytes) -> tuple[int, int]:
    """Parse ``net:[4026531840]`` into (type index, inode); exact form only."""
    data = text.encode("utf-8", "surrogateescape") if isinstance(text, str) else text
    colon = data.find(b":")
    t = _TYPE_INDEX.get(data[:colon]) if colon >= 0 else None
    if t is None:
        raise ParseError("namespace text", text, "unknown namespace type")
    rest = data[colon + 1 :]
    if len(rest) < 3 or rest[:1] != b"[" or rest[-1:] != b"]":
        raise ParseError("namespace text", text, "expected 'type:[inode]'")
    digits = rest[1:-1]
    if not all(c in _DIGITS for c in digits):
        raise ParseError("namespace text", text, "inode is not a decimal number")
    ino = int(digits)
    if not 0 < ino < 1 << 64:
        raise ParseError("namespace text", text, "inode out of range")
    return t, ino


def try_nslink(data: bytes) -> tuple[int, int] | None:
    """Like :func:`parse_nslink`, but None for anything else (the fast path for fd links)."""
    try:
        return parse_nslink(data)
    except ParseError:
        return None


def unescape_octal(data: bytes) -> bytes:
    r"""Decode the ``\ooo`` escapes mountinfo uses for space, tab, newline and backslash."""
    if b"\\" not in data:
        return data
    out = bytearray()
    i, n = 0, len(data)
    while i < n:
        c = data[i]
        if (
            c == 0x5C
            and i + 3 < n
            and 0x30 <= data[i + 1] <= 0x33
            and 0x30 <= data[i + 2] <= 0x37
            and 0x30 <= data[i + 3] <= 0x37
        ):
            out.append((data[i + 1] - 0x30) * 64 + (data[i + 2] - 0x30) * 8 + data[i + 3] - 0x30)
            i += 4
        else:
            out.append(c)
            i += 1
    return bytes(out)


def parse_nspid(text: str) -> tuple[int, ...]:
    """The PIDs of an ``NSpid:`` line's value, from the reader's PID namespace down."""
    fields = text.split()
    if not fields or not all(f.isdecimal() and f.isascii() for f in fields):
        raise ParseError("NSpid list", text, "expected tab-separated PIDs")
    pids = tuple(int(f) for f in fields)
    if any(p <= 0 for p in pids):
        raise ParseError("NSpid list", text, "PIDs must be positive")
    return pids


def nspid_from_status(data: bytes) -> bytes:
    """The value part of the ``NSpid:`` line of a status file (b"" if there is none)."""
    at = data.find(b"\nNSpid:")
    if at < 0:
        return b""
    start = at + 7
    while start < len(data) and data[start] in b"\t ":
        start += 1
    end = data.find(b"\n", start)
    return data[start : end if end >= 0 else len(data)]


class CgroupPaths(NamedTuple):
    """The cgroup paths of a process that lxkns reports."""

    cpu: str
    freezer: str
    unified: str


def parse_cgroup(text: str) -> CgroupPaths:
    """Parse /proc/PID/cgroup (``id:controllers:path`` lines).

    The cpu and freezer paths come from the v1 hierarchies listing those
    controllers, else from the v2 (unified, ``0::``) entry.
    """
    cpu = freezer = unified = None
    for line in text.split("\n"):
        if not line:
            continue
        parts = line.split(":", 2)
        if len(parts) != 3 or not parts[0].isdecimal():
            raise ParseError("cgroup line", line, "expected 'id:controllers:path'")
        hid, controllers, path = parts
        if not path.startswith("/"):
            raise ParseError("cgroup line", line, "path must be absolute")
        if hid == "0" and controllers == "":
            unified = path
            continue
        names = controllers.split(",")
        if cpu is None and "cpu" in names:
            cpu = path
        if freezer is None and "freezer" in names:
            freezer = path
    fallback = unified if unified is not None else ""
    return CgroupPaths(
        cpu if cpu is not None else fallback,
        freezer if freezer is not None else fallback,
        fallback,
    )


def split_cmdline(data: bytes) -> tuple[str, ...]:
    """Split /proc/PID/cmdline at NULs; trailing NULs do not make empty arguments."""
    if not data:
        return ()
    return tuple(arg.decode("utf-8", "surrogateescape") for arg in data.rstrip(b"\0").split(b"\0"))


def nsfs_mounts(mountinfo: bytes) -> list[tuple[int, int, bytes]]:
    """(type index, inode, mount point) of each nsfs mount in a mountinfo text."""
    found = []
    for line in mountinfo.split(b"\n"):
        fields = line.split(b" ", 5)
        if len(fields) < 6:
            continue
        sep = line.find(b" - ", len(b" ".join(fields[:5])))
        if sep < 0 or line[sep + 3 : sep + 8] != b"nsfs ":
            continue
        ns = try_nslink(fields[3])
        if ns is not None:
            found.append((ns[0], ns[1], unescape_octal(fields[4])))
    return found


def cpu_list(cpus: set[int] | frozenset[int]) -> str:
    """{0, 1, 2, 5} -> "0-2,5" (the sysfs CPU list format)."""
    parts: list[str] = []
    ordered = sorted(cpus)
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        parts.append(str(ordered[i]) if i == j else f"{ordered[i]}-{ordered[j]}")
        i = j + 1
    return ",".join(parts)


def parse_cpu_list(text: str) -> tuple[tuple[int, int], ...]:
    """``0-3,5`` -> ((0, 3), (5, 5)); ParseError if malformed; () for empty text."""
    text = text.strip()
    if not text:
        return ()
    ranges = []
    for part in text.split(","):
        lo, dash, hi = part.partition("-")
        if not (lo.isdecimal() and lo.isascii()) or (dash and not (hi.isdecimal() and hi.isascii())):
            raise ParseError("CPU list", text, "expected ranges like 0-3,5")
        first, last = int(lo), int(hi) if dash else int(lo)
        if last < first:
            raise ParseError("CPU list", text, "range runs backwards")
        ranges.append((first, last))
    return tuple(ranges)


def parse_passwd(text: str) -> dict[int, str]:
    """UID -> user name from a passwd file; malformed lines are skipped."""
    users: dict[int, str] = {}
    for line in text.split("\n"):
        parts = line.split(":")
        if len(parts) >= 3 and parts[0] and parts[2].isdecimal():
            users.setdefault(int(parts[2]), parts[0])
    return users


assert len(TYPE_NAMES) == NTYPES


class MountInfo(NamedTuple):
    """One line of /proc/PID/mountinfo, escapes decoded."""

    mount_id: int
    parent_id: int
    major: int
    minor: int
    root: str
    mount_point: str
    mount_options: tuple[str, ...]
    tags: tuple[tuple[str, str], ...]  # (tag, value): shared:N, master:N, propagate_from:N, unbindable
    fstype: str
    source: str
    super_options: tuple[str, ...]


def _field(raw: str) -> str:
    if "\\" not in raw:
        return raw
    data = unescape_octal(raw.encode("utf-8", "surrogateescape"))
    return data.decode("utf-8", "surrogateescape")


def parse_mountinfo_line(line: str) -> MountInfo:
    """Parse one mountinfo line; ParseError if it is malformed."""
    fields = line.split(" ")
    try:
        sep = fields.index("-", 6)
    except ValueError:
        raise ParseError("mountinfo line", line, "no '-' separator after the optional fields") from None
    if len(fields) - sep - 1 != 3:
        raise ParseError("mountinfo line", line, "expected fstype, source and super options")
    ids, devno = fields[0:2], fields[2]
    if not all(i.isdecimal() and i.isascii() for i in ids):
        raise ParseError("mountinfo line", line, "mount IDs must be decimal")
    major, colon, minor = devno.partition(":")
    if not colon or not (major.isdecimal() and minor.isdecimal() and major.isascii() and minor.isascii()):
        raise ParseError("mountinfo line", line, "expected major:minor")
    root, mount_point = _field(fields[3]), _field(fields[4])
    if not root.startswith("/") and ":[" not in root:
        raise ParseError("mountinfo line", line, "root must be a path")
    if not mount_point.startswith("/"):
        raise ParseError("mountinfo line", line, "mount point must be an absolute path")
    tags = []
    for tag in fields[6:sep]:
        if not tag:
            raise ParseError("mountinfo line", line, "empty optional field")
        name, _, value = tag.partition(":")
        tags.append((name, value))
    fstype, source, super_opts = fields[sep + 1 :]
    return MountInfo(
        int(ids[0]), int(ids[1]), int(major), int(minor), root, mount_point,
        tuple(fields[5].split(",")) if fields[5] else (), tuple(tags), _field(fstype),
        _field(source), tuple(_field(super_opts).split(",")) if super_opts else (),
    )


def parse_mountinfo(text: str) -> tuple[list[MountInfo], list[ParseError]]:
    """All well-formed lines of a mountinfo text, and an error for each malformed one."""
    mounts: list[MountInfo] = []
    errors: list[ParseError] = []
    for line in text.split("\n"):
        if not line:
            continue
        try:
            mounts.append(parse_mountinfo_line(line))
        except ParseError as exc:
            errors.append(exc)
    return mounts, errors
