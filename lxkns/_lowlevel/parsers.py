"""Parsers for the /proc formats discovery reads.

Pure functions, shared by the pure-Python scanner and the discovery stages.
The stat, ``type:[ino]`` and octal-escape parsers accept exactly what their
C twins in ``_native/parse.c`` accept; the test suite checks that with
hypothesis.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

from .._nstext import TYPE_NAMES, parse_nslink
from ..errors import ParseError
from .records import NTYPES

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
    """One mount of a mount table: a line of /proc/PID/mountinfo, escapes decoded,
    or the same facts from statmount()."""

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


def _options(raw: str) -> tuple[str, ...]:
    """A comma list whose items may hold escaped commas (``\\054``): split, then decode."""
    if not raw:
        return ()
    if "\\" not in raw:
        return tuple(raw.split(","))
    return tuple(_field(opt) for opt in raw.split(","))


def parse_mountinfo_line(line: str) -> MountInfo:
    """Parse one mountinfo line; ParseError if it is malformed.

    Fields: mount ID, parent ID, major:minor, root, mount point, mount options,
    optional tags up to a lone ``-``, filesystem type, source, super options.
    Spaces in paths are escaped by the kernel; super options written by a
    filesystem that does not escape its spaces are taken as they are.
    """
    fields = line.split(" ")
    try:
        sep = fields.index("-", 6)
    except ValueError:
        raise ParseError("mountinfo line", line, "no '-' separator after the optional fields") from None
    if len(fields) - sep - 1 < 3:
        raise ParseError("mountinfo line", line, "expected fstype, source and super options")
    mid, pid, devno = fields[0], fields[1], fields[2]
    if not (mid.isdecimal() and pid.isdecimal() and mid.isascii() and pid.isascii()):
        raise ParseError("mountinfo line", line, "mount IDs must be decimal")
    major, colon, minor = devno.partition(":")
    if not colon or not (major.isdecimal() and minor.isdecimal() and major.isascii() and minor.isascii()):
        raise ParseError("mountinfo line", line, "expected major:minor")
    escaped = "\\" in line
    root, mount_point = (_field(fields[3]), _field(fields[4])) if escaped else (fields[3], fields[4])
    if not root:
        raise ParseError("mountinfo line", line, "empty root")
    if not mount_point.startswith("/"):
        raise ParseError("mountinfo line", line, "mount point must be an absolute path")
    tags: tuple[tuple[str, str], ...] = ()
    if sep > 6:
        found = []
        for tag in fields[6:sep]:
            if not tag:
                raise ParseError("mountinfo line", line, "empty optional field")
            name, _, value = tag.partition(":")
            found.append((name, value))
        tags = tuple(found)
    fstype, source = fields[sep + 1], fields[sep + 2]
    if not fstype:
        raise ParseError("mountinfo line", line, "empty filesystem type")
    supers = fields[sep + 3] if len(fields) == sep + 4 else " ".join(fields[sep + 3 :])
    if escaped:
        fstype, source = _field(fstype), _field(source)
    return MountInfo(int(mid), int(pid), int(major), int(minor), root, mount_point,
                     _options(fields[5]), tags, fstype, source, _options(supers))


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


# ---- the same facts from statmount(): flag values from linux/mount.h and linux/fs.h

MOUNT_ATTR_RDONLY = 0x00000001
MOUNT_ATTR_NOSUID = 0x00000002
MOUNT_ATTR_NODEV = 0x00000004
MOUNT_ATTR_NOEXEC = 0x00000008
MOUNT_ATTR__ATIME = 0x00000070
MOUNT_ATTR_RELATIME = 0x00000000
MOUNT_ATTR_NOATIME = 0x00000010
MOUNT_ATTR_STRICTATIME = 0x00000020
MOUNT_ATTR_NODIRATIME = 0x00000080
MOUNT_ATTR_IDMAP = 0x00100000
MOUNT_ATTR_NOSYMFOLLOW = 0x00200000
MS_UNBINDABLE = 1 << 17
MS_PRIVATE = 1 << 18
MS_SLAVE = 1 << 19
MS_SHARED = 1 << 20
SB_RDONLY = 1 << 0
SB_SYNCHRONOUS = 1 << 4
SB_DIRSYNC = 1 << 7
SB_LAZYTIME = 1 << 25


@functools.lru_cache(maxsize=1024)
def mount_options_of(attr: int) -> tuple[str, ...]:
    """statmount()'s mnt_attr as the mount options mountinfo writes, in the kernel's order."""
    opts = ["ro" if attr & MOUNT_ATTR_RDONLY else "rw"]
    atime = attr & MOUNT_ATTR__ATIME
    for present, name in (
        (attr & MOUNT_ATTR_NOSUID, "nosuid"),
        (attr & MOUNT_ATTR_NODEV, "nodev"),
        (attr & MOUNT_ATTR_NOEXEC, "noexec"),
        (atime == MOUNT_ATTR_NOATIME, "noatime"),
        (attr & MOUNT_ATTR_NODIRATIME, "nodiratime"),
        (atime == MOUNT_ATTR_RELATIME, "relatime"),
        (attr & MOUNT_ATTR_NOSYMFOLLOW, "nosymfollow"),
        (attr & MOUNT_ATTR_IDMAP, "idmapped"),
    ):
        if present:
            opts.append(name)
    return tuple(opts)


@functools.lru_cache(maxsize=4096)
def super_options_of(sb_flags: int, fs_options: str | None) -> tuple[str, ...]:
    """statmount()'s sb_flags and mnt_opts (escaped) as mountinfo's super options."""
    opts = ["ro" if sb_flags & SB_RDONLY else "rw"]
    for bit, name in ((SB_SYNCHRONOUS, "sync"), (SB_DIRSYNC, "dirsync"), (SB_LAZYTIME, "lazytime")):
        if sb_flags & bit:
            opts.append(name)
    return (*opts, *_options(fs_options or ""))


@functools.lru_cache(maxsize=4096)
def tags_of(propagation: int, peer_group: int, master: int,
            propagate_from: int) -> tuple[tuple[str, str], ...]:
    """statmount()'s propagation fields as mountinfo's optional tags, in the kernel's order."""
    tags = []
    if propagation & MS_SHARED:
        tags.append(("shared", str(peer_group)))
    if propagation & MS_SLAVE:
        tags.append(("master", str(master)))
        if propagate_from and propagate_from != master:
            tags.append(("propagate_from", str(propagate_from)))
    if propagation & MS_UNBINDABLE:
        tags.append(("unbindable", ""))
    return tuple(tags)


def mount_from_statmount(mount_id: int, parent_id: int, major: int, minor: int, attr: int,
                         propagation: int, peer_group: int, master: int, propagate_from: int,
                         sb_flags: int, root: str, mount_point: str, fstype: str,
                         subtype: str | None, source: str | None,
                         fs_options: str | None) -> MountInfo:
    """A mount as statmount() describes it, in the form mountinfo gives it.

    statmount() strings are not escaped, except the filesystem options (as in
    mountinfo); a missing source is mountinfo's ``none``.
    """
    return MountInfo(
        mount_id, parent_id, major, minor, root, mount_point, mount_options_of(attr),
        tags_of(propagation, peer_group, master, propagate_from),
        f"{fstype}.{subtype}" if subtype else fstype,
        source if source is not None else "none",
        super_options_of(sb_flags, fs_options),
    )
