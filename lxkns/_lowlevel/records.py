"""Raw records of a scan: what the kernel said, before any policy.

Both scanner implementations (the cffi one and the pure-Python one) return
exactly these types, so that everything above this layer is indifferent to
which one ran.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from .parsers import MountInfo

#: Namespace link names in the order of the ``ns`` tuples: the eight types in
#: lexical order, then the two ``*_for_children`` links.
LINK_NAMES: tuple[str, ...] = (
    "cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts",
    "pid_for_children", "time_for_children",
)
NTYPES = 8
NLINKS = len(LINK_NAMES)
LINK_CGROUP, LINK_IPC, LINK_MNT, LINK_NET, LINK_PID, LINK_TIME, LINK_USER, LINK_UTS = range(8)
LINK_PID_FOR_CHILDREN = 8
LINK_TIME_FOR_CHILDREN = 9
#: the namespace type index behind each link index
LINK_TYPE: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6, 7, LINK_PID, LINK_TIME)


#: names (comm) of the helper threads of lxkns (the scanner's mount thread, the mountineer's
#: and the switching API's parked threads): they come and go, so nothing is reached through one
HELPER_THREAD_NAMES = frozenset({"lxkns-mntns", "lxkns-switch"})


class ScanFlags(enum.IntFlag):
    """What a scan reads; the values are those of the native LXKNS_SCAN_* flags."""

    PROCS = 0x01
    TASKS = 0x02
    FDS = 0x04
    SOCKETS = 0x08
    META = 0x10
    CMDLINE = 0x20
    CGROUP = 0x40
    NSPID = 0x80
    KEEP_MOUNTINFO = 0x100
    AFFINITY = 0x200
    LISTMOUNT = 0x400
    #: the procfs is not this process' own (a fixture tree, another PID namespace's):
    #: its files are checked before they are read, and no PID of it goes into a syscall
    FOREIGN = 0x800


class Origin(enum.IntEnum):
    """How the scanner first came across a namespace."""

    PROC = 0
    TASK = 1
    FD = 2
    SOCKET = 3
    BINDMOUNT = 4
    OWNER = 5
    PARENT = 6


class Failure(enum.IntEnum):
    """What could not be read (values of the native LXKNS_FAIL_* codes)."""

    PIDDIR = 1
    STAT = 2
    NSLINK = 3
    NSOPEN = 4
    CMDLINE = 5
    CGROUP = 6
    STATUS = 7
    TASKDIR = 8
    FDDIR = 9
    PIDFD = 10
    GETFD = 11
    SKNS = 12
    MOUNTINFO = 13
    SETNS = 14
    UNSHARE = 15


class Missing(enum.IntFlag):
    """Kernel features a scan found missing (native LXKNS_NO_* bits)."""

    OPENAT2 = 0x01
    PIDFD = 0x02
    NS_IOCTLS = 0x04
    OWNER_UID = 0x08
    SIOCGSKNS = 0x10
    LISTMOUNT = 0x20
    NS_ID = 0x40


class ProcRecord(NamedTuple):
    """A process (``tgid == pid``) or a thread other than the main one."""

    pid: int
    tgid: int
    ppid: int
    state: str
    starttime: int
    nice: int
    priority: int
    policy: int
    nthreads: int
    ns: tuple[int, ...]  # inode per link index, 0 = not read
    comm: str
    cmdline: tuple[str, ...]
    cgroup: str
    nspid: tuple[int, ...]
    affinity: str  # CPU list ("0-3,5"), "" if not read


class FdRecord(NamedTuple):
    """A namespace fd (kind 0) or a socket fd (kind 1) of a process."""

    pid: int
    fd: int
    kind: int
    link: int
    ino: int


class SocketRecord(NamedTuple):
    """A distinct socket, one holder of it, and its network namespace (0 = unknown)."""

    ino: int
    pid: int
    fd: int
    netns: int
    err: int


class MntnsRecord(NamedTuple):
    """A mount namespace whose mount table was read through a process, a thread or setns.

    ``mountinfo`` is its mountinfo text (with ScanFlags.KEEP_MOUNTINFO), ``mounts``
    its mount table when listmount()/statmount() read it instead (ScanFlags.LISTMOUNT).
    """

    ino: int
    pid: int
    tid: int
    err: int
    mountinfo: str | None
    mounts: tuple[MountInfo, ...] | None = None


class BindMountRecord(NamedTuple):
    """A namespace bind-mounted at ``path`` inside mount namespace ``mntns``.

    ``err`` is 0 if the path was opened and led to that namespace, -1 if it was
    not opened (the namespace was known already), else the errno.
    """

    mntns: int
    link: int
    ino: int
    path: str
    err: int


class NsRecord(NamedTuple):
    """A distinct namespace and what its ioctls said (0 inodes = unknown)."""

    ino: int
    dev: int
    link: int
    origin: int
    owner: int
    parent: int
    owner_uid: int
    open_err: int
    owner_err: int
    parent_err: int
    uid_err: int
    nsid: int = 0  # NS_GET_ID: the 64-bit ID the kernel never reuses, 0 = unknown
    id_err: int = 0


class FailureRecord(NamedTuple):
    what: int
    pid: int
    tid: int
    arg: int
    err: int


class ScanRequest(NamedTuple):
    """What to scan, and where (``procfs`` may be a fixture tree)."""

    procfs: str = "/proc"
    flags: ScanFlags = ScanFlags(0)
    link_mask: int = (1 << NLINKS) - 1
    mounts: bool = False
    workers: int = 2
    #: kernel features to treat as missing (tests of the fallbacks)
    assume_missing: Missing = Missing(0)


class ScanResult(NamedTuple):
    """Everything one scan found: the record arrays, what was missing, and which
    scanner (``"native"`` or ``"python"``) made it."""

    procs: tuple[ProcRecord, ...]
    tasks: tuple[ProcRecord, ...]
    fds: tuple[FdRecord, ...]
    sockets: tuple[SocketRecord, ...]
    mntns: tuple[MntnsRecord, ...]
    bindmounts: tuple[BindMountRecord, ...]
    namespaces: tuple[NsRecord, ...]
    failures: tuple[FailureRecord, ...]
    missing: Missing
    nsfs_dev: int
    self_pidns: int  # the PID namespace of the procfs that was read
    implementation: str
    #: the procfs was not this process' own (ScanFlags.FOREIGN): no affinity, no socket namespaces
    foreign: bool = False
