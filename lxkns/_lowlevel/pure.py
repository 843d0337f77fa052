"""The pure-Python scanner: the same scan as the native helper, slower.

It serves where the compiled module cannot be loaded, and the test suite
runs it against the native one. It follows the C units in ``_native/`` step by step
(single-threaded), so both return the same records.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
import sys
import threading
from dataclasses import dataclass, field

from ..errors import ParseError, ScanError
from . import inroot, parsers, passing, safeopen, syscalls
from .records import (
    LINK_MNT,
    LINK_NAMES,
    LINK_NET,
    LINK_PID,
    LINK_TYPE,
    LINK_USER,
    NLINKS,
    BindMountRecord,
    Failure,
    FailureRecord,
    FdRecord,
    Missing,
    MntnsRecord,
    NsRecord,
    Origin,
    ProcRecord,
    ScanFlags,
    ScanRequest,
    ScanResult,
    SocketRecord,
)

_LINK_PATHS = tuple("ns/" + name for name in LINK_NAMES)
_O_PATH_DIR = os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC
_O_READ = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY
#: size caps of what is read from a procfs (a foreign one may hand out anything)
CAP_PROCFILE = 16 << 20
CAP_MOUNTINFO = 256 << 20
_UID_BYTES = 4
#: the name of the mount helper thread: a thread of another discovery that happens to be
#: inside some mount namespace is no process to read that namespace through
MOUNT_THREAD_NAME = "lxkns-mntns"


@dataclass
class _Ent:
    ino: int
    link: int
    origin: int
    dev: int = 0
    owner: int = 0
    parent: int = 0
    owner_uid: int = -1
    open_err: int = 0
    owner_err: int = 0
    parent_err: int = 0
    uid_err: int = 0
    nsid: int = 0
    id_err: int = 0
    ctx_pid: int = 0
    ctx_tid: int = 0
    ctx_start: int = 0
    fd_pid: int = 0
    fd_fd: int = 0
    held_fd: int = -1
    mnt_done: bool = False

    def record(self) -> NsRecord:
        return NsRecord(self.ino, self.dev, self.link, self.origin, self.owner, self.parent,
                        self.owner_uid, self.open_err, self.owner_err, self.parent_err,
                        self.uid_err, self.nsid, self.id_err)


def _read(dirfd: int, name: str, *, strict: bool = False, cap: int = CAP_PROCFILE) -> bytes:
    """A procfs file: read directly from our procfs, checked first (regular) in a foreign one."""
    if strict:
        return safeopen.read_regular(name, dirfd, cap=cap, in_root=False)
    fd = os.open(name, _O_READ, dir_fd=dirfd)
    try:
        return safeopen.read_fd(fd, cap, name)
    finally:
        os.close(fd)


def _err(exc: OSError) -> int:
    return exc.errno or errno.EIO


@dataclass
class _Scan:
    req: ScanRequest
    procfd: int
    selfdir: int = -1  # our own /proc/self (O_PATH): where fds are reopened
    nsfs_dev: int = 0
    self_pidns: int = 0
    self_userns: int = 0
    missing: Missing = field(default_factory=lambda: Missing(0))
    table: dict[tuple[int, int], _Ent] = field(default_factory=dict)
    procs: list[ProcRecord] = field(default_factory=list)
    tasks: list[ProcRecord] = field(default_factory=list)
    fds: list[FdRecord] = field(default_factory=list)
    sockets: list[SocketRecord] = field(default_factory=list)
    mntns: list[MntnsRecord] = field(default_factory=list)
    binds: list[BindMountRecord] = field(default_factory=list)
    fails: list[FailureRecord] = field(default_factory=list)
    mount_error: BaseException | None = None
    own_pid: int = field(default_factory=os.getpid)  # our PID, if the procfs is ours

    @property
    def flags(self) -> ScanFlags:
        return self.req.flags

    @property
    def strict(self) -> bool:
        """The procfs is not ours: check its files before reading, use no PID in a syscall."""
        return bool(self.req.flags & ScanFlags.FOREIGN)

    def read(self, dirfd: int, name: str, cap: int = CAP_PROCFILE) -> bytes:
        return _read(dirfd, name, strict=self.strict, cap=cap)

    def open_nsfs(self, name: str, dirfd: int) -> int:
        """A namespace file below dirfd, never anything else (see safeopen)."""
        return safeopen.open_nsfs(name, dirfd, selfdir=self.selfdir, dev=self.nsfs_dev or None)

    def fail(self, what: Failure, pid: int, tid: int, arg: int, err: int) -> None:
        self.fails.append(FailureRecord(int(what), pid, tid, arg, err))

    # ---------------------------------------------------------------- ioctls

    def claim(self, ino: int, link: int, origin: Origin) -> tuple[_Ent, bool]:
        key = (link, ino)
        ent = self.table.get(key)
        if ent is not None:
            return ent, False
        ent = self.table[key] = _Ent(ino, link, int(origin))
        return ent, True

    def follow(self, nfd: int, link: int, origin: Origin) -> int:
        try:
            ino = os.fstat(nfd).st_ino
            ent, new = self.claim(ino, link, origin)
            if new:
                self.meta(ent, nfd)
            return ino
        except OSError:
            return 0
        finally:
            os.close(nfd)

    def meta(self, ent: _Ent, fd: int) -> None:
        try:
            st = os.fstat(fd)
        except OSError as exc:
            ent.open_err = _err(exc)
            return
        ent.dev = st.st_dev
        if st.st_ino != ent.ino:
            ent.open_err = errno.ESTALE
            return
        if self.missing & Missing.NS_ID:
            ent.id_err = errno.ENOTTY
        else:
            try:
                ent.nsid = syscalls.ns_id(fd)
            except OSError as exc:
                ent.id_err = _err(exc)
                if exc.errno in (errno.ENOTTY, errno.EINVAL):
                    self.missing |= Missing.NS_ID
        if not self.flags & ScanFlags.META:
            return
        if ent.link == LINK_USER:
            if self.missing & Missing.OWNER_UID:
                ent.uid_err = errno.ENOTTY
                return self.meta_parent(ent, fd)
            buf = bytearray(_UID_BYTES)
            try:
                fcntl.ioctl(fd, syscalls.NS_GET_OWNER_UID, buf, True)
                ent.owner_uid = int.from_bytes(buf, sys.byteorder)
            except OSError as exc:
                ent.uid_err = _err(exc)
                if exc.errno in (errno.ENOTTY, errno.EINVAL):
                    self.missing |= Missing.OWNER_UID
        elif self.missing & Missing.NS_IOCTLS:
            ent.owner_err = errno.ENOTTY
        else:
            try:
                ufd = fcntl.ioctl(fd, syscalls.NS_GET_USERNS)
                ent.owner = self.follow(ufd, LINK_USER, Origin.OWNER)
            except OSError as exc:
                ent.owner_err = _err(exc)
                if exc.errno == errno.ENOTTY:
                    self.missing |= Missing.NS_IOCTLS
        self.meta_parent(ent, fd)

    def meta_parent(self, ent: _Ent, fd: int) -> None:
        if ent.link in (LINK_USER, LINK_PID) and self.missing & Missing.NS_IOCTLS:
            ent.parent_err = errno.ENOTTY
        elif ent.link in (LINK_USER, LINK_PID):
            try:
                pfd = fcntl.ioctl(fd, syscalls.NS_GET_PARENT)
                ent.parent = self.follow(pfd, ent.link, Origin.PARENT)
            except OSError as exc:
                ent.parent_err = _err(exc)
                if exc.errno == errno.ENOTTY:
                    self.missing |= Missing.NS_IOCTLS

    def seen(self, ino: int, link: int, origin: Origin, dirfd: int, name: str,
             pid: int, tid: int) -> _Ent:
        ent, new = self.claim(ino, link, origin)
        if not new:
            return ent
        with passing.region():  # the namespace's fd and those its ioctls give are gone after
            try:
                fd = self.open_nsfs(name, dirfd)
            except OSError as exc:
                ent.open_err = _err(exc)
                self.fail(Failure.NSOPEN, pid, tid, ino, ent.open_err)
                return ent
            try:
                self.meta(ent, fd)
            finally:
                os.close(fd)
        return ent

    # ---------------------------------------------------------------- walk

    def read_links(self, dfd: int, pid: int, tid: int, origin: Origin) -> tuple[int, ...]:
        ns = [0] * NLINKS
        failed = first_err = 0
        for k in range(NLINKS):
            if not self.req.link_mask & (1 << k):
                continue
            try:
                text = os.readlink(_LINK_PATHS[k], dir_fd=dfd)
            except OSError as exc:
                failed |= 1 << k
                first_err = first_err or _err(exc)
                continue
            parsed = parsers.try_nslink(os.fsencode(text))
            if parsed is None or parsed[0] != LINK_TYPE[k]:
                continue
            ns[k] = parsed[1]
            self.seen(parsed[1], parsed[0], origin, dfd, _LINK_PATHS[k], pid, tid)
        if failed:
            self.fail(Failure.NSLINK, pid, tid, failed, first_err)
        return tuple(ns)

    def read_stat(self, dfd: int) -> parsers.StatFields:
        data = self.read(dfd, "stat")
        try:
            return parsers.parse_stat(data)
        except ParseError:
            raise OSError(errno.EBADMSG, "malformed stat") from None

    def read_cgroup(self, dfd: int, pid: int, tid: int) -> str:
        if not self.flags & ScanFlags.CGROUP:
            return ""
        try:
            return self.read(dfd, "cgroup").decode("utf-8", "surrogateescape")
        except OSError as exc:
            self.fail(Failure.CGROUP, pid, tid, 0, _err(exc))
            return ""

    def read_nspid(self, dfd: int, ns: tuple[int, ...], pid: int, tid: int) -> tuple[int, ...]:
        if not (self.flags & ScanFlags.NSPID and ns[LINK_PID] and ns[LINK_PID] != self.self_pidns):
            return ()
        try:
            value = parsers.nspid_from_status(self.read(dfd, "status"))
        except OSError as exc:
            self.fail(Failure.STATUS, pid, tid, 0, _err(exc))
            return ()
        try:
            return parsers.parse_nspid(value.decode()) if value else ()
        except (ParseError, UnicodeDecodeError):
            return ()

    def read_affinity(self, tid: int) -> str:
        if not self.flags & ScanFlags.AFFINITY or self.strict:
            return ""  # a PID of a foreign procfs is not a PID of ours
        try:
            return parsers.cpu_list(os.sched_getaffinity(tid))
        except OSError:
            return ""  # it ended

    def scan_pid(self, pid: int) -> None:
        try:
            dfd = os.open(str(pid), _O_PATH_DIR, dir_fd=self.procfd)
        except OSError as exc:
            self.fail(Failure.PIDDIR, pid, 0, 0, _err(exc))
            return
        try:
            try:
                st = self.read_stat(dfd)
            except OSError as exc:
                self.fail(Failure.STAT, pid, 0, 0, _err(exc))
                return
            flags = self.flags
            ns = self.read_links(dfd, st.pid, 0, Origin.PROC) if flags & ScanFlags.PROCS else (0,) * NLINKS
            cmdline: tuple[str, ...] = ()
            if flags & ScanFlags.CMDLINE:
                try:
                    cmdline = parsers.split_cmdline(self.read(dfd, "cmdline"))
                except OSError as exc:
                    self.fail(Failure.CMDLINE, pid, 0, 0, _err(exc))
            cgroup = self.read_cgroup(dfd, pid, 0)
            nspid = self.read_nspid(dfd, ns, pid, 0)
            rec = ProcRecord(st.pid, st.pid, st.ppid, st.state, st.starttime, st.nice, st.priority,
                             st.policy, st.nthreads, ns, st.comm.decode("utf-8", "surrogateescape"),
                             cmdline, cgroup, nspid, self.read_affinity(st.pid))
            self.procs.append(rec)
            if flags & ScanFlags.TASKS and st.nthreads > 1:
                self.scan_tasks(dfd, rec)
            if flags & (ScanFlags.FDS | ScanFlags.SOCKETS):
                self.scan_fds(dfd, pid)
        finally:
            os.close(dfd)

    def scan_tasks(self, dfd: int, proc: ProcRecord) -> None:
        try:
            td = os.open("task", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC, dir_fd=dfd)
        except OSError as exc:
            self.fail(Failure.TASKDIR, proc.pid, 0, 0, _err(exc))
            return
        try:
            names = os.listdir(td)
        except OSError as exc:
            self.fail(Failure.TASKDIR, proc.pid, 0, 0, _err(exc))
            os.close(td)
            return
        try:
            for name in names:
                if not name.isdecimal() or int(name) == proc.pid:
                    continue
                try:
                    tdd = os.open(name, _O_PATH_DIR, dir_fd=td)
                except OSError:
                    continue
                try:
                    self.scan_task(tdd, proc, int(name))
                finally:
                    os.close(tdd)
        finally:
            os.close(td)

    def scan_task(self, tdd: int, proc: ProcRecord, tid: int) -> None:
        try:
            st = self.read_stat(tdd)
        except OSError as exc:
            if exc.errno not in (errno.ENOENT, errno.ESRCH):
                self.fail(Failure.STAT, proc.pid, tid, 0, _err(exc))
            return
        flags = self.flags
        ns = (self.read_links(tdd, proc.pid, st.pid, Origin.TASK) if flags & ScanFlags.PROCS
              else (0,) * NLINKS)
        cgroup = self.read_cgroup(tdd, proc.pid, st.pid)
        nspid = self.read_nspid(tdd, ns, proc.pid, st.pid)
        self.tasks.append(ProcRecord(st.pid, proc.pid, proc.ppid, st.state, st.starttime, st.nice,
                                     st.priority, st.policy, st.nthreads, ns,
                                     st.comm.decode("utf-8", "surrogateescape"), (), cgroup,
                                     nspid, self.read_affinity(st.pid)))

    def scan_fds(self, dfd: int, pid: int) -> None:
        try:
            fdd = os.open("fd", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC, dir_fd=dfd)
        except OSError as exc:
            self.fail(Failure.FDDIR, pid, 0, 0, _err(exc))
            return
        try:
            own = not self.strict and pid == self.own_pid
            with passing.own() if own else contextlib.nullcontext():
                try:
                    links = self.fd_links(fdd)
                except OSError as exc:
                    self.fail(Failure.FDDIR, pid, 0, 0, _err(exc))
                    return
                if own:  # what another discovery of ours holds for a moment is not ours
                    links = [(name, link) for name, link in links if not passing.is_kept(int(name))]
            denied = 0
            for name, link in links:
                if isinstance(link, int):
                    if link != errno.ENOENT and not denied:
                        denied = link
                    continue
                if not link or len(link) >= 256:
                    continue
                if link.startswith(b"socket:["):
                    if not self.flags & ScanFlags.SOCKETS:
                        continue
                    digits = link[8:-1]
                    if link[-1:] != b"]" or not digits.isdigit() or not digits.isascii():
                        continue
                    self.fds.append(FdRecord(pid, int(name), 1, LINK_NET, int(digits)))
                elif not link.startswith(b"/"):
                    parsed = parsers.try_nslink(link)
                    if parsed is None or not self.req.link_mask & (1 << parsed[0]):
                        continue
                    self.fds.append(FdRecord(pid, int(name), 0, parsed[0], parsed[1]))
                    ent = self.seen(parsed[1], parsed[0], Origin.FD, fdd, name, pid, 0)
                    if not ent.fd_pid:
                        ent.fd_pid, ent.fd_fd = pid, int(name)
            if denied:
                self.fail(Failure.FDDIR, pid, 0, 0, denied)
        finally:
            os.close(fdd)

    @staticmethod
    def fd_links(fdd: int) -> list[tuple[str, bytes | int]]:
        """(name, link target or errno) of the fds in an fd directory."""
        links: list[tuple[str, bytes | int]] = []
        for name in os.listdir(fdd):
            if name.isdecimal():
                try:
                    links.append((name, os.fsencode(os.readlink(name, dir_fd=fdd))))
                except OSError as exc:
                    links.append((name, _err(exc)))
        return links

    def walk(self) -> None:
        try:
            names = os.listdir(self.req.procfs)
        except OSError as exc:
            raise ScanError(_err(exc), f"cannot list {self.req.procfs}: {os.strerror(_err(exc))}") from exc
        pids = sorted(int(n) for n in names if n.isdecimal() and 0 < int(n) < 1 << 31)
        for pid in pids:
            self.scan_pid(pid)

    # ---------------------------------------------------------------- sockets

    def scan_sockets(self) -> None:
        if not self.flags & ScanFlags.SOCKETS:
            return
        first: dict[int, FdRecord] = {}
        for f in sorted(r for r in self.fds if r.kind == 1):
            first.setdefault(f.ino, f)
        holders = sorted(first.values(), key=lambda f: (f.pid, f.fd))
        pidfd, pidfd_of, pidfd_err = -1, 0, 0
        try:
            for f in holders:
                if self.missing & Missing.PIDFD:
                    self.sockets.append(SocketRecord(f.ino, f.pid, f.fd, 0, errno.ENOSYS))
                    continue
                if self.strict:  # the PIDs of a foreign procfs are not PIDs of ours
                    self.sockets.append(SocketRecord(f.ino, f.pid, f.fd, 0, errno.ESRCH))
                    continue
                if f.pid != pidfd_of:
                    if pidfd >= 0:
                        os.close(pidfd)
                    pidfd, pidfd_of, pidfd_err = -1, f.pid, 0
                    try:
                        pidfd = syscalls.pidfd_open(f.pid)
                    except OSError as exc:
                        pidfd_err = _err(exc)
                        if exc.errno == errno.ENOSYS:
                            self.missing |= Missing.PIDFD
                        else:
                            self.fail(Failure.PIDFD, f.pid, 0, 0, pidfd_err)
                if pidfd < 0:
                    self.sockets.append(SocketRecord(f.ino, f.pid, f.fd, 0, pidfd_err))
                    continue
                with passing.region():  # the socket's duplicate and its namespace's fd
                    self.sockets.append(self.socket_netns(pidfd, f))
        finally:
            if pidfd >= 0:
                os.close(pidfd)

    def socket_netns(self, pidfd: int, f: FdRecord) -> SocketRecord:
        try:
            sfd = syscalls.pidfd_getfd(pidfd, f.fd)
        except OSError as exc:
            if exc.errno == errno.ENOSYS:
                self.missing |= Missing.PIDFD
            elif exc.errno != errno.EBADF:
                self.fail(Failure.GETFD, f.pid, 0, f.fd, _err(exc))
            return SocketRecord(f.ino, f.pid, f.fd, 0, _err(exc))
        try:
            st = os.fstat(sfd)
            if not stat.S_ISSOCK(st.st_mode) or st.st_ino != f.ino:
                return SocketRecord(f.ino, f.pid, f.fd, 0, errno.ESTALE)
            if self.missing & Missing.SIOCGSKNS:
                return SocketRecord(f.ino, f.pid, f.fd, 0, errno.ENOTTY)
            nfd = fcntl.ioctl(sfd, syscalls.SIOCGSKNS)
        except OSError as exc:
            if exc.errno == errno.ENOTTY:
                self.missing |= Missing.SIOCGSKNS
            else:
                self.fail(Failure.SKNS, f.pid, 0, f.ino, _err(exc))
            return SocketRecord(f.ino, f.pid, f.fd, 0, _err(exc))
        finally:
            os.close(sfd)
        return SocketRecord(f.ino, f.pid, f.fd, self.follow(nfd, LINK_NET, Origin.SOCKET), 0)

    # ---------------------------------------------------------------- mounts

    def assign_mount_contexts(self) -> None:
        for p in self.procs:
            ent = self.table.get((LINK_MNT, p.ns[LINK_MNT]))
            if ent is None:
                continue
            if not ent.ctx_pid or ent.ctx_tid or (p.starttime, p.pid) < (ent.ctx_start, ent.ctx_pid):
                ent.ctx_pid, ent.ctx_tid, ent.ctx_start = p.pid, 0, p.starttime
        for t in self.tasks:
            ent = self.table.get((LINK_MNT, t.ns[LINK_MNT]))
            if ent is None or (ent.ctx_pid and not ent.ctx_tid) or t.comm == MOUNT_THREAD_NAME:
                continue
            if not ent.ctx_pid or (t.starttime, t.pid) < (ent.ctx_start, ent.ctx_tid):
                ent.ctx_pid, ent.ctx_tid, ent.ctx_start = t.tgid, t.pid, t.starttime

    def open_in_root(self, rootfd: int, path: str, guard: inroot.MountGuard | None) -> int:
        """A bind-mounted namespace file, resolved inside the root (never anything else)."""
        use_openat2 = not self.missing & Missing.OPENAT2
        if use_openat2 and guard is None and not inroot.openat2_available():
            self.missing |= Missing.OPENAT2  # pragma: no cover - kernels before 5.6
            use_openat2 = False
        pfd = inroot.open_path(rootfd, path, guard=guard, use_openat2=use_openat2)
        return safeopen.nsfs_from_path(pfd, path, selfdir=self.selfdir, dev=self.nsfs_dev or None)

    def guard(self, mntns: int, text: bytes) -> inroot.MountGuard | None:
        """The mounts a walk in a mount namespace of another user namespace may pass."""
        ent = self.table.get((LINK_MNT, mntns))
        if ent is not None and ent.owner and ent.owner == self.self_userns:
            return None
        return inroot.MountGuard.of_table(parsers.mount_ids_and_types(text))

    def parse_mountinfo(self, mntns: int, text: bytes, ctx: tuple[int, int] | None) -> None:
        rootfd = [-1]  # the mount namespace's root, opened on first use
        guard = self.guard(mntns, text)
        try:
            for link, ino, raw in parsers.nsfs_mounts(text):
                if not self.req.link_mask & (1 << link):
                    continue
                path = raw.decode("utf-8", "surrogateescape")
                ent, new = self.claim(ino, link, Origin.BINDMOUNT)
                err = -1
                # a mount namespace seen only through a thread may be gone when its turn
                # comes: keep this way in as well
                spare = (not new and link == LINK_MNT and ent.held_fd < 0 and not ent.mnt_done
                         and bool(ent.ctx_tid or not ent.ctx_pid))
                if new or spare:
                    with passing.region():
                        err = self.bind_seen(ent, new, spare, ino, path, rootfd, guard, ctx)
                self.binds.append(BindMountRecord(mntns, link, ino, path, err))
        finally:
            if rootfd[0] >= 0:
                os.close(rootfd[0])

    def bind_seen(self, ent: _Ent, new: bool, spare: bool, ino: int, path: str, rootfd: list[int],
                  guard: inroot.MountGuard | None, ctx: tuple[int, int] | None) -> int:
        """Open a bind-mounted namespace inside the mount namespace's root: asked if new, a
        mount namespace kept to be entered later; the bind mount's error (0: opened)."""
        try:
            if rootfd[0] < 0:
                if ctx is None:  # this thread is inside: its root is the namespace's
                    rootfd[0] = os.open("/", _O_PATH_DIR)
                else:
                    pid, tid = ctx
                    rp = f"{pid}/task/{tid}/root" if tid else f"{pid}/root"
                    rootfd[0] = os.open(rp, _O_PATH_DIR, dir_fd=self.procfd)
            fd = self.open_in_root(rootfd[0], path, guard)
        except OSError as exc:
            if new:
                ent.open_err = _err(exc)
            return _err(exc)
        if spare:
            err = 0 if os.fstat(fd).st_ino == ino else errno.ESTALE
            if err:
                os.close(fd)
            else:
                ent.held_fd = passing.keep(fd)
            return err
        self.meta(ent, fd)
        if ent.link == LINK_MNT and not ent.open_err:
            ent.held_fd = passing.keep(fd)
        else:
            os.close(fd)
        return ent.open_err

    def mount_one(self, ent: _Ent, state: dict[str, bool]) -> None:
        keep = bool(self.flags & ScanFlags.KEEP_MOUNTINFO)
        if ent.ctx_pid:
            pid, tid = ent.ctx_pid, ent.ctx_tid
            name = f"{pid}/task/{tid}/mountinfo" if tid else f"{pid}/mountinfo"
            try:
                text = self.read(self.procfd, name, CAP_MOUNTINFO)
            except OSError as exc:
                if exc.errno in (errno.ENOENT, errno.ESRCH) and (ent.held_fd >= 0 or ent.fd_pid):
                    ent.ctx_pid = ent.ctx_tid = 0  # it ended meanwhile: enter the namespace instead
                else:
                    self.mntns.append(MntnsRecord(ent.ino, pid, tid, _err(exc), None))
                    self.fail(Failure.MOUNTINFO, pid, tid, ent.ino, _err(exc))
                    return
            else:
                self.mntns.append(MntnsRecord(ent.ino, pid, tid, 0,
                                              text.decode("utf-8", "surrogateescape") if keep else None))
                self.parse_mountinfo(ent.ino, text, (pid, tid))
                return
        fd, err = ent.held_fd, errno.ENOENT
        ent.held_fd = -1
        if fd < 0 and ent.fd_pid:
            try:
                with passing.region():
                    fd = passing.keep(self.open_nsfs(f"{ent.fd_pid}/fd/{ent.fd_fd}", self.procfd))
            except OSError as exc:
                err = _err(exc)
        if fd < 0:
            err = ent.open_err or err
            self.mntns.append(MntnsRecord(ent.ino, 0, 0, err, None))
            self.fail(Failure.SETNS, 0, 0, ent.ino, err)
            return
        try:
            if not state["unshared"]:
                try:
                    syscalls.unshare(syscalls.CLONE_FS)
                except OSError as exc:
                    self.mntns.append(MntnsRecord(ent.ino, 0, 0, _err(exc), None))
                    self.fail(Failure.UNSHARE, 0, 0, ent.ino, _err(exc))
                    return
                state["unshared"] = True
            try:
                syscalls.setns(fd, syscalls.CLONE_NEWNS)
            except OSError as exc:
                self.mntns.append(MntnsRecord(ent.ino, 0, 0, _err(exc), None))
                self.fail(Failure.SETNS, 0, 0, ent.ino, _err(exc))
                return
        finally:
            passing.drop(fd)
        try:  # our own procfs, opened before this thread moved: its paths lead elsewhere now
            text = _read(self.selfdir, f"task/{threading.get_native_id()}/mountinfo", cap=CAP_MOUNTINFO)
        except OSError as exc:
            self.mntns.append(MntnsRecord(ent.ino, 0, 0, _err(exc), None))
            self.fail(Failure.MOUNTINFO, 0, 0, ent.ino, _err(exc))
            return
        self.mntns.append(MntnsRecord(ent.ino, 0, 0, 0,
                                      text.decode("utf-8", "surrogateescape") if keep else None))
        self.parse_mountinfo(ent.ino, text, None)

    def mount_worker(self) -> None:
        syscalls.set_thread_name(MOUNT_THREAD_NAME)
        state = {"unshared": False}
        try:
            progress = True
            while progress:
                progress = False
                for ent in list(self.table.values()):
                    if ent.link != LINK_MNT or ent.mnt_done:
                        continue
                    ent.mnt_done = True
                    progress = True
                    self.mount_one(ent, state)
        except BaseException as exc:  # surfaces in the calling thread
            self.mount_error = exc

    def scan_mounts(self) -> None:
        self.assign_mount_contexts()
        # a thread of its own: it may unshare(CLONE_FS) and setns() freely, then ends
        helper = threading.Thread(target=self.mount_worker, name="lxkns-mounts", daemon=True)
        helper.start()
        helper.join()
        for ent in self.table.values():
            if ent.held_fd >= 0:
                passing.drop(ent.held_fd)
                ent.held_fd = -1
        if self.mount_error is not None:
            raise self.mount_error

    def close(self) -> None:
        for ent in self.table.values():
            if ent.held_fd >= 0:
                passing.drop(ent.held_fd)
                ent.held_fd = -1
        if self.selfdir >= 0:
            os.close(self.selfdir)
        os.close(self.procfd)


class PendingScan:
    """A pure-Python scan whose walk is done; :meth:`finish` reads sockets and mount tables
    (in the calling thread: the same steps as the native scanner, one after the other)."""

    def __init__(self, req: ScanRequest) -> None:
        try:
            procfd = os.open(req.procfs, _O_PATH_DIR)
        except OSError as exc:
            err = _err(exc)
            raise ScanError(err, f"cannot open procfs root {req.procfs!r}: {os.strerror(err)}") from exc
        self._s: _Scan | None = _Scan(req, procfd, missing=Missing(req.assume_missing))
        s = self._s
        try:
            with contextlib.suppress(OSError):
                try:
                    s.selfdir = os.open("/proc/self", _O_PATH_DIR)
                except OSError:
                    if s.strict:
                        raise
                    s.selfdir = os.open("self", _O_PATH_DIR, dir_fd=procfd)  # no /proc, but ours is scanned
                s.nsfs_dev = os.stat("ns/net", dir_fd=s.selfdir).st_dev
                parsed = parsers.try_nslink(os.fsencode(os.readlink("ns/user", dir_fd=s.selfdir)))
                s.self_userns = parsed[1] if parsed else 0
            try:
                parsed = parsers.try_nslink(os.fsencode(os.readlink("self/ns/pid", dir_fd=procfd)))
                s.self_pidns = parsed[1] if parsed else 0
            except OSError:
                pass
            s.walk()
        except BaseException:
            self.close()
            raise

    def _scan(self) -> _Scan:
        if self._s is None:
            raise ScanError(errno.EBADF, "the scan is closed")
        return self._s

    def walked(self) -> ScanResult:
        s = self._scan()
        return ScanResult(tuple(s.procs), tuple(s.tasks), tuple(s.fds), (), (), (), (), (), Missing(0),
                          s.nsfs_dev, s.self_pidns, "python", s.strict)

    def finish(self) -> ScanResult:
        s = self._scan()
        s.scan_sockets()
        if s.req.mounts:
            s.scan_mounts()
        return ScanResult(
            tuple(s.procs), tuple(s.tasks), tuple(s.fds), tuple(s.sockets), tuple(s.mntns),
            tuple(s.binds), tuple(e.record() for e in s.table.values()), tuple(s.fails),
            s.missing, s.nsfs_dev, s.self_pidns, "python", s.strict,
        )

    def close(self) -> None:
        if self._s is not None:
            self._s.close()
            self._s = None


def start(req: ScanRequest) -> PendingScan:
    """Walk /proc in Python; see :func:`lxkns._lowlevel.start`."""
    return PendingScan(req)


def scan(req: ScanRequest) -> ScanResult:
    """Run a whole scan in Python; see :func:`lxkns._lowlevel.scan`."""
    pending = PendingScan(req)
    try:
        return pending.finish()
    finally:
        pending.close()
