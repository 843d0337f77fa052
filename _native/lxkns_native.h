/*
 * lxkns_native.h -- the interface of the native scanner, as cffi reads it.
 *
 * This header is the cdef of the `lxkns._native` extension module: every
 * struct, function and constant Python may touch is declared here. The
 * structs are defined with the same fields in lxkns_native.c; cffi checks
 * at build time that both agree. Constants written `...` get their values
 * from the kernel and libc headers when the module is compiled.
 *
 * Every record field is 64 bits wide so that Python can unpack whole record
 * arrays with struct.iter_unpack() instead of touching fields one by one.
 */

/* ---- kernel constants (values come from the kernel headers) ---- */
#define CLONE_NEWNS ...
#define CLONE_NEWCGROUP ...
#define CLONE_NEWUTS ...
#define CLONE_NEWIPC ...
#define CLONE_NEWUSER ...
#define CLONE_NEWPID ...
#define CLONE_NEWNET ...
#define CLONE_NEWTIME ...
#define CLONE_FS ...
#define NS_GET_USERNS ...
#define NS_GET_PARENT ...
#define NS_GET_NSTYPE ...
#define NS_GET_OWNER_UID ...
#define SIOCGSKNS ...
#define SYS_pidfd_open ...
#define SYS_pidfd_getfd ...
#define SYS_openat2 ...
#define RESOLVE_IN_ROOT ...
#define RESOLVE_NO_MAGICLINKS ...

/* ---- scan flags (what lxkns_scan_new is asked to do) ---- */
#define LXKNS_SCAN_PROCS ...        /* read /proc/PID/ns/ links */
#define LXKNS_SCAN_TASKS ...        /* read the links of every non-main thread */
#define LXKNS_SCAN_FDS ...          /* readlink /proc/PID/fd/: nsfs fds */
#define LXKNS_SCAN_SOCKETS ...      /* ... and socket fds (socket map, SIOCGSKNS) */
#define LXKNS_SCAN_META ...         /* ioctls: owner, parent, owner UID */
#define LXKNS_SCAN_CMDLINE ...      /* read /proc/PID/cmdline */
#define LXKNS_SCAN_CGROUP ...       /* read /proc/PID/cgroup (and tasks') */
#define LXKNS_SCAN_NSPID ...        /* read NSpid of processes in other PID namespaces */
#define LXKNS_SCAN_KEEP_MOUNTINFO ... /* keep the mountinfo text of every mount namespace */
#define LXKNS_SCAN_AFFINITY ...     /* sched_getaffinity() of every process and thread */
#define LXKNS_SCAN_LISTMOUNT ...    /* mount tables with listmount()/statmount() where possible */
#define LXKNS_SCAN_FOREIGN ...      /* procfs is not our own: check every file, no syscalls by PID */

/* ---- indices of the namespace links, in lexical type order ---- */
#define LXKNS_LINK_CGROUP ...
#define LXKNS_LINK_IPC ...
#define LXKNS_LINK_MNT ...
#define LXKNS_LINK_NET ...
#define LXKNS_LINK_PID ...
#define LXKNS_LINK_TIME ...
#define LXKNS_LINK_USER ...
#define LXKNS_LINK_UTS ...
#define LXKNS_LINK_PID_FOR_CHILDREN ...
#define LXKNS_LINK_TIME_FOR_CHILDREN ...
#define LXKNS_NLINKS ...

/* ---- where a namespace was first seen (lxkns_ns.origin) ---- */
#define LXKNS_ORIGIN_PROC ...
#define LXKNS_ORIGIN_TASK ...
#define LXKNS_ORIGIN_FD ...
#define LXKNS_ORIGIN_SOCKET ...
#define LXKNS_ORIGIN_BINDMOUNT ...
#define LXKNS_ORIGIN_OWNER ...
#define LXKNS_ORIGIN_PARENT ...

/* ---- what failed (lxkns_failure.what) ---- */
#define LXKNS_FAIL_PIDDIR ...       /* open /proc/PID */
#define LXKNS_FAIL_STAT ...         /* read or parse /proc/PID/stat */
#define LXKNS_FAIL_NSLINK ...       /* readlink ns links; arg = bitmask of links */
#define LXKNS_FAIL_NSOPEN ...       /* open a namespace for its ioctls; arg = ino */
#define LXKNS_FAIL_CMDLINE ...
#define LXKNS_FAIL_CGROUP ...
#define LXKNS_FAIL_STATUS ...       /* read NSpid from /proc/PID/status */
#define LXKNS_FAIL_TASKDIR ...
#define LXKNS_FAIL_FDDIR ...
#define LXKNS_FAIL_PIDFD ...        /* pidfd_open */
#define LXKNS_FAIL_GETFD ...        /* pidfd_getfd; arg = fd */
#define LXKNS_FAIL_SKNS ...         /* SIOCGSKNS; arg = socket ino */
#define LXKNS_FAIL_MOUNTINFO ...    /* read mountinfo; arg = mntns ino */
#define LXKNS_FAIL_SETNS ...        /* enter a process-less mntns; arg = mntns ino */
#define LXKNS_FAIL_UNSHARE ...      /* unshare(CLONE_FS) in the mount helper thread */

/* ---- kernel features found missing (lxkns_scan_features) ---- */
#define LXKNS_NO_OPENAT2 ...
#define LXKNS_NO_PIDFD ...
#define LXKNS_NO_NS_IOCTLS ...
#define LXKNS_NO_OWNER_UID ...
#define LXKNS_NO_SIOCGSKNS ...
#define LXKNS_NO_LISTMOUNT ...      /* no usable listmount()/statmount() (kernel < 6.15) */

/* ---- how a mount table was read (lxkns_mntns.method) ---- */
#define LXKNS_VIA_MOUNTINFO ...
#define LXKNS_VIA_LISTMOUNT ...

/* ---- optional strings of a mount record (lxkns_mount.has) ---- */
#define LXKNS_HAS_SUBTYPE ...
#define LXKNS_HAS_SOURCE ...
#define LXKNS_HAS_OPTS ...

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
    uint64_t comm_off, comm_len;
    uint64_t cmdline_off, cmdline_len;
    uint64_t cgroup_off, cgroup_len;
    uint64_t nspid_off, nspid_len;
    uint64_t affinity_off, affinity_len;  /* CPU list, "0-3,5"; empty if not read */
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
 * Each step returns 0 or a negative errno for a failure that stops the scan. */
struct lxkns_scan *lxkns_scan_new(const char *procfs, uint64_t flags, uint64_t link_mask);
int lxkns_scan_walk(struct lxkns_scan *scan, int workers);
int lxkns_scan_sockets(struct lxkns_scan *scan);
int lxkns_scan_mounts(struct lxkns_scan *scan);
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
