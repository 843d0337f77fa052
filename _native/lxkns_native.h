/*
 * lxkns_native.h -- the interface of the native scanner: its constants, its
 * record layouts and its entry points.
 *
 * This is a real C header: every C unit of the scanner includes it, and it is
 * the one place where each record layout is written. build.py makes the cffi
 * cdef of the `lxkns._native` module from the part between the CDEF markers:
 * `#define NAME value` lines become `#define NAME ...` (cffi then takes the
 * value the compiler sees), and `//cdef ` lines, which name kernel constants
 * whose values come from the kernel and libc headers, are handed over without
 * that prefix. Python reads the records field by field through the layouts
 * cffi reports (lxkns/_lowlevel/layouts.py), never by position.
 *
 * Every record field is 64 bits wide, so that Python can unpack whole record
 * arrays with struct.iter_unpack() instead of touching fields one by one.
 */
#ifndef LXKNS_NATIVE_H
#define LXKNS_NATIVE_H

#include <stddef.h>
#include <stdint.h>

/* LXKNS-CDEF-BEGIN */

/* ---- kernel constants (values from the kernel and libc headers) ---- */
//cdef #define CLONE_NEWNS ...
//cdef #define CLONE_NEWCGROUP ...
//cdef #define CLONE_NEWUTS ...
//cdef #define CLONE_NEWIPC ...
//cdef #define CLONE_NEWUSER ...
//cdef #define CLONE_NEWPID ...
//cdef #define CLONE_NEWNET ...
//cdef #define CLONE_NEWTIME ...
//cdef #define CLONE_FS ...
//cdef #define NS_GET_USERNS ...
//cdef #define NS_GET_PARENT ...
//cdef #define NS_GET_NSTYPE ...
//cdef #define NS_GET_OWNER_UID ...
//cdef #define NS_GET_ID ...
//cdef #define SIOCGSKNS ...
//cdef #define SYS_pidfd_open ...
//cdef #define SYS_pidfd_getfd ...
//cdef #define SYS_openat2 ...
//cdef #define RESOLVE_IN_ROOT ...
//cdef #define RESOLVE_NO_MAGICLINKS ...

/* ---- scan flags (what lxkns_scan_new is asked to do) ---- */
#define LXKNS_SCAN_PROCS 0x01          /* read /proc/PID/ns/ links */
#define LXKNS_SCAN_TASKS 0x02          /* read the links of every non-main thread */
#define LXKNS_SCAN_FDS 0x04            /* readlink /proc/PID/fd/: nsfs fds */
#define LXKNS_SCAN_SOCKETS 0x08        /* ... and socket fds (socket map, SIOCGSKNS) */
#define LXKNS_SCAN_META 0x10           /* ioctls: owner, parent, owner UID */
#define LXKNS_SCAN_CMDLINE 0x20        /* read /proc/PID/cmdline */
#define LXKNS_SCAN_CGROUP 0x40         /* read /proc/PID/cgroup (and tasks') */
#define LXKNS_SCAN_NSPID 0x80          /* read NSpid of processes in other PID namespaces */
#define LXKNS_SCAN_KEEP_MOUNTINFO 0x100 /* keep the mountinfo text of every mount namespace */
#define LXKNS_SCAN_AFFINITY 0x200      /* sched_getaffinity() of every process and thread */
#define LXKNS_SCAN_LISTMOUNT 0x400     /* mount tables with listmount()/statmount() where possible */
#define LXKNS_SCAN_FOREIGN 0x800       /* procfs is not our own: check every file, no syscalls by PID */

/* ---- indices of the namespace links: the 8 types in lexical order, then *_for_children ---- */
#define LXKNS_LINK_CGROUP 0
#define LXKNS_LINK_IPC 1
#define LXKNS_LINK_MNT 2
#define LXKNS_LINK_NET 3
#define LXKNS_LINK_PID 4
#define LXKNS_LINK_TIME 5
#define LXKNS_LINK_USER 6
#define LXKNS_LINK_UTS 7
#define LXKNS_LINK_PID_FOR_CHILDREN 8
#define LXKNS_LINK_TIME_FOR_CHILDREN 9
#define LXKNS_NLINKS 10

/* ---- where a namespace was first seen (lxkns_ns.origin) ---- */
#define LXKNS_ORIGIN_PROC 0
#define LXKNS_ORIGIN_TASK 1
#define LXKNS_ORIGIN_FD 2
#define LXKNS_ORIGIN_SOCKET 3
#define LXKNS_ORIGIN_BINDMOUNT 4
#define LXKNS_ORIGIN_OWNER 5
#define LXKNS_ORIGIN_PARENT 6

/* ---- what failed (lxkns_failure.what) ---- */
#define LXKNS_FAIL_PIDDIR 1      /* open /proc/PID */
#define LXKNS_FAIL_STAT 2        /* read or parse /proc/PID/stat */
#define LXKNS_FAIL_NSLINK 3      /* readlink ns links; arg = bitmask of links */
#define LXKNS_FAIL_NSOPEN 4      /* open a namespace for its ioctls; arg = ino */
#define LXKNS_FAIL_CMDLINE 5
#define LXKNS_FAIL_CGROUP 6
#define LXKNS_FAIL_STATUS 7      /* read NSpid from /proc/PID/status */
#define LXKNS_FAIL_TASKDIR 8
#define LXKNS_FAIL_FDDIR 9
#define LXKNS_FAIL_PIDFD 10      /* pidfd_open */
#define LXKNS_FAIL_GETFD 11      /* pidfd_getfd; arg = fd */
#define LXKNS_FAIL_SKNS 12       /* SIOCGSKNS; arg = socket ino */
#define LXKNS_FAIL_MOUNTINFO 13  /* read mountinfo; arg = mntns ino */
#define LXKNS_FAIL_SETNS 14      /* enter a process-less mntns; arg = mntns ino */
#define LXKNS_FAIL_UNSHARE 15    /* unshare(CLONE_FS) in the mount helper thread */

/* ---- kernel features found missing (lxkns_scan_features) ---- */
#define LXKNS_NO_OPENAT2 0x01
#define LXKNS_NO_PIDFD 0x02
#define LXKNS_NO_NS_IOCTLS 0x04
#define LXKNS_NO_OWNER_UID 0x08
#define LXKNS_NO_SIOCGSKNS 0x10
#define LXKNS_NO_LISTMOUNT 0x20    /* no usable listmount()/statmount() (kernel < 6.15) */
#define LXKNS_NO_NS_ID 0x40        /* no NS_GET_ID (kernel < 6.18): no stable namespace IDs */

/* ---- how a mount table was read (lxkns_mntns.method) ---- */
#define LXKNS_VIA_MOUNTINFO 0
#define LXKNS_VIA_LISTMOUNT 1

/* ---- optional strings of a mount record (lxkns_mount.has) ---- */
#define LXKNS_HAS_SUBTYPE 0x1
#define LXKNS_HAS_SOURCE 0x2
#define LXKNS_HAS_OPTS 0x4

/* A process (tgid == pid) or a non-main thread (tgid != pid). */
struct lxkns_proc {
    int64_t pid;
    int64_t tgid;
    int64_t ppid;
    int64_t state;              /* stat field 3, a character */
    int64_t starttime;          /* clock ticks since boot */
    int64_t nice;
    int64_t priority;           /* rt_priority */
    int64_t policy;
    int64_t nthreads;
    uint64_t ns[10];            /* inode per LXKNS_LINK_*; 0 = not read */
    /* texts, as indices into lxkns_scan_texts() (distinct texts are kept once); 0 = empty */
    uint64_t comm;
    uint64_t cmdline;           /* the arguments, each ended by a NUL */
    uint64_t cgroup;            /* the whole /proc/PID/cgroup file */
    uint64_t nspid;             /* the numbers of the NSpid line */
    uint64_t affinity;          /* CPU list, "0-3,5" */
};

/* A text in the string buffer (lxkns_scan_strings). */
struct lxkns_text {
    uint64_t off;
    uint64_t len;
};

/* An fd of a process that refers to a namespace (kind 0) or a socket (kind 1). */
struct lxkns_fd {
    int64_t pid;
    int64_t fd;
    int64_t kind;
    int64_t link;               /* LXKNS_LINK_* type of a namespace fd */
    uint64_t ino;
};

/* A distinct socket, and the network namespace SIOCGSKNS gave for it. */
struct lxkns_socket {
    uint64_t ino;
    int64_t pid;
    int64_t fd;
    uint64_t netns;             /* 0 if it could not be found */
    int64_t err;
};

/* A mount namespace whose mount table was read (or could not be). */
struct lxkns_mntns {
    uint64_t ino;
    int64_t pid;                /* process whose view was used, 0 if entered */
    int64_t tid;                /* thread whose view was used, 0 if none */
    int64_t err;
    uint64_t text_off, text_len;   /* mountinfo, if kept */
    int64_t method;             /* LXKNS_VIA_*: listmount gives lxkns_mount records instead */
};

/* One mount of a mount namespace, from statmount() (the kernel's raw values). */
struct lxkns_mount {
    uint64_t mntns;
    int64_t mount_id;           /* the IDs mountinfo shows (not the 64-bit unique ones) */
    int64_t parent_id;
    int64_t major;
    int64_t minor;
    uint64_t attr;              /* MOUNT_ATTR_* */
    uint64_t propagation;       /* MS_SHARED | MS_SLAVE | MS_UNBINDABLE, or MS_PRIVATE */
    uint64_t peer_group;
    uint64_t master;
    uint64_t propagate_from;
    uint64_t sb_flags;          /* SB_RDONLY, SB_SYNCHRONOUS, SB_DIRSYNC, SB_LAZYTIME */
    uint64_t unique_id;
    uint64_t root_off, root_len;
    uint64_t point_off, point_len;
    uint64_t fstype_off, fstype_len;
    uint64_t subtype_off, subtype_len;
    uint64_t source_off, source_len;
    uint64_t opts_off, opts_len;    /* superblock options, escaped as in mountinfo */
    int64_t has;                /* LXKNS_HAS_* */
};

/* A namespace bind-mounted somewhere in a mount namespace. */
struct lxkns_bindmount {
    uint64_t mntns;
    int64_t link;
    uint64_t ino;
    uint64_t path_off, path_len;
    int64_t err;                /* 0: opened and found to be that namespace */
};

/* A distinct namespace with what its ioctls said. */
struct lxkns_ns {
    uint64_t ino;
    uint64_t dev;               /* 0 if never opened */
    int64_t link;
    int64_t origin;
    uint64_t owner;             /* owning user namespace ino, 0 = unknown */
    uint64_t parent;            /* parent ino (pid, user), 0 = none or unknown */
    int64_t owner_uid;          /* user namespaces: creator UID, -1 = unknown */
    int64_t open_err;
    int64_t owner_err;
    int64_t parent_err;
    int64_t uid_err;
    uint64_t nsid;              /* NS_GET_ID: 64-bit ID never reused; 0 = unknown */
    int64_t id_err;
};

/* Something that could not be read; Python turns these into diagnostics. */
struct lxkns_failure {
    int64_t what;
    int64_t pid;
    int64_t tid;
    int64_t arg;
    int64_t err;
};

/* The fields of a mountinfo line the scanner uses (offsets into the line; root and mount
 * point still escaped), exposed for tests and the fuzzer. */
struct lxkns_mountinfo_line {
    int64_t mount_id;
    uint64_t root_off, root_len;
    uint64_t point_off, point_len;
    uint64_t fstype_off, fstype_len;
};

/* Parsed fields of a /proc/PID/stat line (exposed for tests of the parser). */
struct lxkns_stat {
    int64_t pid;
    int64_t ppid;
    int64_t state;
    int64_t starttime;
    int64_t nice;
    int64_t priority;
    int64_t policy;
    int64_t nthreads;
    uint64_t comm_off, comm_len;
};

struct lxkns_scan;

/* Life cycle: new -> walk -> sockets -> mounts -> read the arrays -> free.
 * Each step returns 0 or a negative errno for a failure that stops the scan.
 *
 * The steps after the walk can run in a thread of their own while the caller
 * reads what the walk found: finish_start starts sockets (and mounts, if asked),
 * finish_wait waits for them. Meanwhile the caller may read the procs, tasks,
 * fds, texts and strings, and nothing else; free waits for a started finish. */
struct lxkns_scan *lxkns_scan_new(const char *procfs, uint64_t flags, uint64_t link_mask);
int lxkns_scan_walk(struct lxkns_scan *scan, int workers);
int lxkns_scan_sockets(struct lxkns_scan *scan);
int lxkns_scan_mounts(struct lxkns_scan *scan);
int lxkns_scan_finish_start(struct lxkns_scan *scan, int mounts);
int lxkns_scan_finish_wait(struct lxkns_scan *scan);
void lxkns_scan_free(struct lxkns_scan *scan);
void lxkns_scan_assume_missing(struct lxkns_scan *scan, uint64_t bits);  /* LXKNS_NO_* */
int lxkns_scan_status(struct lxkns_scan *scan);  /* 0, or -ENOMEM: records were lost */

size_t lxkns_scan_procs(struct lxkns_scan *scan, struct lxkns_proc **out);
size_t lxkns_scan_tasks(struct lxkns_scan *scan, struct lxkns_proc **out);
size_t lxkns_scan_fds(struct lxkns_scan *scan, struct lxkns_fd **out);
size_t lxkns_scan_socks(struct lxkns_scan *scan, struct lxkns_socket **out);
size_t lxkns_scan_mntnss(struct lxkns_scan *scan, struct lxkns_mntns **out);
size_t lxkns_scan_mounts_list(struct lxkns_scan *scan, struct lxkns_mount **out);
size_t lxkns_scan_bindmounts(struct lxkns_scan *scan, struct lxkns_bindmount **out);
size_t lxkns_scan_nss(struct lxkns_scan *scan, struct lxkns_ns **out);
size_t lxkns_scan_failures(struct lxkns_scan *scan, struct lxkns_failure **out);
size_t lxkns_scan_texts(struct lxkns_scan *scan, struct lxkns_text **out);
size_t lxkns_scan_strings(struct lxkns_scan *scan, char **out);
uint64_t lxkns_scan_features(struct lxkns_scan *scan);
uint64_t lxkns_scan_nsfs_dev(struct lxkns_scan *scan);
uint64_t lxkns_scan_self_pidns(struct lxkns_scan *scan);

/* Pure parsers, shared by the scanner and exposed so tests can compare them
 * with the Python ones. Both return 0 on success, -1 if the input is malformed. */
int lxkns_parse_stat(const char *buf, size_t len, struct lxkns_stat *out);
int lxkns_parse_nslink(const char *buf, size_t len, int64_t *link, uint64_t *ino);
size_t lxkns_unescape_octal(char *buf, size_t len);
int lxkns_parse_mountinfo_line(const char *line, size_t len, struct lxkns_mountinfo_line *out);

/* The scanner's root-confined resolver: an O_PATH fd of path inside rootfd, or -errno
 * (force_walk: the component walk even where openat2 exists). For tests. */
int lxkns_open_in_root(int rootfd, const char *path, int force_walk);

/* A forked child inside user namespace userns_fd (-1: none) and then mount namespace
 * mntns_fd, kept until *hold_fd is closed; *root_fd is an O_PATH fd of its root. The
 * child is non-dumpable and keeps no other fd. 0 or -errno (*step: 1 user, 2 mount, 3 root). */
int lxkns_sandbox_start(int userns_fd, int mntns_fd, int64_t *pid, int *hold_fd, int *root_fd,
                        int *step);

/* Passing fds (passing.c): namespace and socket fds a scan holds for a moment, which no
 * scan may take for fds this process holds. They are made and closed only between
 * lxkns_passing_begin() and lxkns_passing_end() (never nested); one that stays open past
 * that is marked with lxkns_passing_keep() (returns fd) and closed with
 * lxkns_passing_drop(). Our own fd directory is read between lxkns_passing_own_begin()
 * and lxkns_passing_own_end(), passing over what lxkns_passing_is_kept(). The pure-Python
 * scanner takes part through these where the module is built. */
void lxkns_passing_begin(void);
void lxkns_passing_end(void);
int lxkns_passing_keep(int fd);
void lxkns_passing_drop(int fd);
void lxkns_passing_own_begin(void);
void lxkns_passing_own_end(void);
int lxkns_passing_is_kept(uint64_t fd);

/* LXKNS-CDEF-END */

#endif /* LXKNS_NATIVE_H */
