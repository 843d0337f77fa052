/*
 * lxkns_native.c -- the native scanner behind lxkns discovery.
 *
 * It walks /proc with a few worker threads, using the cheapest syscall
 * patterns found on our machines (readlinkat() of ns links on a per-process
 * O_PATH dirfd, no task listing for single-threaded processes, ioctls right
 * when a namespace is first seen), reads fds and sockets, and then reads the
 * mount table of every mount namespace in a helper thread that can setns()
 * into process-less mount namespaces. It returns flat record arrays; all
 * policy (refs, leaders, the graph) lives in Python.
 *
 * Rules: every failure becomes a failure record or a negative errno return,
 * nothing is printed, every fd opened here is closed before a call returns,
 * and every allocation is released by lxkns_scan_free().
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/nsfs.h>
#include <linux/openat2.h>
#include <linux/sockios.h>

#ifdef LXKNS_FAULT_INJECTION
/*
 * Test builds only (tests/test_faults.py): the allocation that brings the countdown to
 * zero fails, once, wherever in this file it is; -1 (the start) injects nothing. Every
 * allocation of the scanner goes through these, so a test can fail each one in turn.
 */
long lxkns_fault_countdown = -1;
long lxkns_fault_allocations = 0;

static int lxkns_fault_fires(void) {
    __atomic_add_fetch(&lxkns_fault_allocations, 1, __ATOMIC_RELAXED);
    if (__atomic_load_n(&lxkns_fault_countdown, __ATOMIC_RELAXED) <= 0) return 0;
    return __atomic_sub_fetch(&lxkns_fault_countdown, 1, __ATOMIC_RELAXED) == 0;
}
static void *lxkns_fault_null(void) {
    errno = ENOMEM;
    return NULL;
}
static void *lxkns_fault_malloc(size_t n) { return lxkns_fault_fires() ? lxkns_fault_null() : malloc(n); }
static void *lxkns_fault_calloc(size_t n, size_t m) {
    return lxkns_fault_fires() ? lxkns_fault_null() : calloc(n, m);
}
static void *lxkns_fault_realloc(void *p, size_t n) {
    return lxkns_fault_fires() ? lxkns_fault_null() : realloc(p, n);
}
static char *lxkns_fault_strdup(const char *s) { return lxkns_fault_fires() ? lxkns_fault_null() : strdup(s); }
#define malloc(n) lxkns_fault_malloc(n)
#define calloc(n, m) lxkns_fault_calloc(n, m)
#define realloc(p, n) lxkns_fault_realloc(p, n)
#define strdup(s) lxkns_fault_strdup(s)
#endif

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080 /* kernel 5.6; older libc headers lack it */
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open __NR_pidfd_open
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd __NR_pidfd_getfd
#endif
#ifndef SYS_openat2
#define SYS_openat2 __NR_openat2
#endif

/*
 * listmount()/statmount() (kernel 6.8+). Older kernel headers (Debian 12 ships
 * 6.1) lack them, so the UAPI values are spelled out here. The structs get names
 * of our own: their layout is the kernel's, fixed by its ABI.
 */
#ifndef SYS_statmount
#define SYS_statmount 457 /* the same in the generic table and on x86-64 */
#endif
#ifndef SYS_listmount
#define SYS_listmount 458
#endif
#define LXKNS_STATMOUNT_SB_BASIC 0x00000001U
#define LXKNS_STATMOUNT_MNT_BASIC 0x00000002U
#define LXKNS_STATMOUNT_PROPAGATE_FROM 0x00000004U
#define LXKNS_STATMOUNT_MNT_ROOT 0x00000008U
#define LXKNS_STATMOUNT_MNT_POINT 0x00000010U
#define LXKNS_STATMOUNT_FS_TYPE 0x00000020U
#define LXKNS_STATMOUNT_MNT_OPTS 0x00000080U
#define LXKNS_STATMOUNT_FS_SUBTYPE 0x00000100U
#define LXKNS_STATMOUNT_SB_SOURCE 0x00000200U
#define LXKNS_STATMOUNT_SUPPORTED_MASK 0x00001000U
#define LXKNS_LSMT_ROOT 0xffffffffffffffffULL
#define LXKNS_MNT_ID_REQ_SIZE_VER0 24

/* what a mount record needs; MNT_OPTS, FS_SUBTYPE and SB_SOURCE are only set when not empty */
#define LXKNS_STATMOUNT_WANT                                                                     \
    (LXKNS_STATMOUNT_SB_BASIC | LXKNS_STATMOUNT_MNT_BASIC | LXKNS_STATMOUNT_PROPAGATE_FROM |     \
     LXKNS_STATMOUNT_MNT_ROOT | LXKNS_STATMOUNT_MNT_POINT | LXKNS_STATMOUNT_FS_TYPE |            \
     LXKNS_STATMOUNT_MNT_OPTS | LXKNS_STATMOUNT_FS_SUBTYPE | LXKNS_STATMOUNT_SB_SOURCE)

struct lxkns_mnt_id_req {
    uint32_t size;
    uint32_t mnt_ns_fd; /* "spare" before 6.18; 0 = not used */
    uint64_t mnt_id;
    uint64_t param;
};

struct lxkns_statmount_buf {
    uint32_t size, mnt_opts;
    uint64_t mask;
    uint32_t sb_dev_major, sb_dev_minor;
    uint64_t sb_magic;
    uint32_t sb_flags, fs_type;
    uint64_t mnt_id, mnt_parent_id;
    uint32_t mnt_id_old, mnt_parent_id_old;
    uint64_t mnt_attr, mnt_propagation, mnt_peer_group, mnt_master, propagate_from;
    uint32_t mnt_root, mnt_point;
    uint64_t mnt_ns_id;
    uint32_t fs_subtype, sb_source, opt_num, opt_array, opt_sec_num, opt_sec_array;
    uint64_t supported_mask;
    uint32_t mnt_uidmap_num, mnt_uidmap, mnt_gidmap_num, mnt_gidmap;
    uint64_t spare2[43];
    char str[]; /* the strings, at offset 512 in every kernel version so far */
};
_Static_assert(sizeof(struct lxkns_statmount_buf) == 512, "struct statmount is 512 bytes");

/* scan flags */
#define LXKNS_SCAN_PROCS 0x01
#define LXKNS_SCAN_TASKS 0x02
#define LXKNS_SCAN_FDS 0x04
#define LXKNS_SCAN_SOCKETS 0x08
#define LXKNS_SCAN_META 0x10
#define LXKNS_SCAN_CMDLINE 0x20
#define LXKNS_SCAN_CGROUP 0x40
#define LXKNS_SCAN_NSPID 0x80
#define LXKNS_SCAN_KEEP_MOUNTINFO 0x100
#define LXKNS_SCAN_AFFINITY 0x200
#define LXKNS_SCAN_LISTMOUNT 0x400
#define LXKNS_SCAN_FOREIGN 0x800 /* procfs is not ours: check its files, no syscalls by PID */

/* link indices: the 8 types in lexical order, then the *_for_children links */
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
#define NTYPES 8

#define LXKNS_ORIGIN_PROC 0
#define LXKNS_ORIGIN_TASK 1
#define LXKNS_ORIGIN_FD 2
#define LXKNS_ORIGIN_SOCKET 3
#define LXKNS_ORIGIN_BINDMOUNT 4
#define LXKNS_ORIGIN_OWNER 5
#define LXKNS_ORIGIN_PARENT 6

#define LXKNS_FAIL_PIDDIR 1
#define LXKNS_FAIL_STAT 2
#define LXKNS_FAIL_NSLINK 3
#define LXKNS_FAIL_NSOPEN 4
#define LXKNS_FAIL_CMDLINE 5
#define LXKNS_FAIL_CGROUP 6
#define LXKNS_FAIL_STATUS 7
#define LXKNS_FAIL_TASKDIR 8
#define LXKNS_FAIL_FDDIR 9
#define LXKNS_FAIL_PIDFD 10
#define LXKNS_FAIL_GETFD 11
#define LXKNS_FAIL_SKNS 12
#define LXKNS_FAIL_MOUNTINFO 13
#define LXKNS_FAIL_SETNS 14
#define LXKNS_FAIL_UNSHARE 15

#define LXKNS_NO_OPENAT2 0x01
#define LXKNS_NO_PIDFD 0x02
#define LXKNS_NO_NS_IOCTLS 0x04
#define LXKNS_NO_OWNER_UID 0x08
#define LXKNS_NO_SIOCGSKNS 0x10
#define LXKNS_NO_LISTMOUNT 0x20

/* how a mount table was read (lxkns_mntns.method) */
#define LXKNS_VIA_MOUNTINFO 0
#define LXKNS_VIA_LISTMOUNT 1

/* ------------------------------------------------------------ records */
/* The same fields as in lxkns_native.h; cffi verifies the layouts. */

struct lxkns_proc {
    int64_t pid, tgid, ppid, state, starttime, nice, priority, policy, nthreads;
    uint64_t ns[LXKNS_NLINKS];
    uint64_t comm_off, comm_len, cmdline_off, cmdline_len;
    uint64_t cgroup_off, cgroup_len, nspid_off, nspid_len;
    uint64_t affinity_off, affinity_len;
};
struct lxkns_fd {
    int64_t pid, fd, kind, link;
    uint64_t ino;
};
struct lxkns_socket {
    uint64_t ino;
    int64_t pid, fd;
    uint64_t netns;
    int64_t err;
};
struct lxkns_mntns {
    uint64_t ino;
    int64_t pid, tid, err;
    uint64_t text_off, text_len;
    int64_t method;
};
struct lxkns_mount {
    uint64_t mntns;
    int64_t mount_id, parent_id, major, minor;
    uint64_t attr, propagation, peer_group, master, propagate_from, sb_flags, unique_id;
    uint64_t root_off, root_len, point_off, point_len, fstype_off, fstype_len;
    uint64_t subtype_off, subtype_len, source_off, source_len, opts_off, opts_len;
    int64_t has;  /* LXKNS_HAS_* bits: which optional strings are present */
};
#define LXKNS_HAS_SUBTYPE 0x1
#define LXKNS_HAS_SOURCE 0x2
#define LXKNS_HAS_OPTS 0x4
struct lxkns_bindmount {
    uint64_t mntns;
    int64_t link;
    uint64_t ino, path_off, path_len;
    int64_t err;
};
struct lxkns_ns {
    uint64_t ino, dev;
    int64_t link, origin;
    uint64_t owner, parent;
    int64_t owner_uid, open_err, owner_err, parent_err, uid_err;
};
struct lxkns_failure {
    int64_t what, pid, tid, arg, err;
};
struct lxkns_stat {
    int64_t pid, ppid, state, starttime, nice, priority, policy, nthreads;
    uint64_t comm_off, comm_len;
};
struct lxkns_mountinfo_line {
    int64_t mount_id;
    uint64_t root_off, root_len, point_off, point_len, fstype_off, fstype_len;
};

static const char *const type_names[NTYPES] = {"cgroup", "ipc", "mnt",  "net",
                                               "pid",    "time", "user", "uts"};
static const char *const link_paths[LXKNS_NLINKS] = {
    "ns/cgroup", "ns/ipc",  "ns/mnt",  "ns/net",
    "ns/pid",    "ns/time", "ns/user", "ns/uts",
    "ns/pid_for_children", "ns/time_for_children"};
/* the namespace type behind each link */
static const int link_type[LXKNS_NLINKS] = {0, 1, 2, 3, 4, 5, 6, 7, 4, 5};

/* ------------------------------------------------------------ growable storage */

/* A failed allocation sets `oom` (vec, arena, namespace table): the scan step that met
 * it returns -ENOMEM, so that no scan that lost records passes for complete. */
struct vec {
    void *p;
    size_t n, cap, elsz;
    int oom;
};

static void *vec_push(struct vec *v) {
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 256;
        void *p = realloc(v->p, cap * v->elsz);
        if (!p) {
            v->oom = 1;
            return NULL;
        }
        v->p = p;
        v->cap = cap;
    }
    void *e = (char *)v->p + v->n * v->elsz;
    memset(e, 0, v->elsz);
    v->n++;
    return e;
}

static int vec_extend(struct vec *v, const struct vec *w) {
    if (!w->n) return 0;
    if (v->n + w->n > v->cap) {
        size_t cap = v->cap ? v->cap : 256;
        while (cap < v->n + w->n) cap *= 2;
        void *p = realloc(v->p, cap * v->elsz);
        if (!p) {
            v->oom = 1;
            return -ENOMEM;
        }
        v->p = p;
        v->cap = cap;
    }
    memcpy((char *)v->p + v->n * v->elsz, w->p, w->n * w->elsz);
    v->n += w->n;
    return 0;
}

struct arena {
    char *p;
    size_t n, cap;
    int oom;
};

/* make room for at least `more` bytes; returns 0 or -ENOMEM */
static int arena_reserve(struct arena *a, size_t more) {
    if (a->n + more <= a->cap) return 0;
    size_t cap = a->cap ? a->cap : 65536;
    while (cap < a->n + more) cap *= 2;
    char *p = realloc(a->p, cap);
    if (!p) {
        a->oom = 1;
        return -ENOMEM;
    }
    a->p = p;
    a->cap = cap;
    return 0;
}

static int arena_add(struct arena *a, const char *s, size_t len, uint64_t *off) {
    if (arena_reserve(a, len + 1)) return -ENOMEM;
    memcpy(a->p + a->n, s, len);
    *off = a->n;
    a->n += len;
    return 0;
}

/* Read an open fd to its end into the arena, at most `cap` bytes (-EFBIG beyond that);
 * closes fd. Returns the length or -errno (-EAGAIN: nothing to read without waiting). */
static ssize_t arena_read_fd(struct arena *a, int fd, size_t cap, uint64_t *off) {
    size_t start = a->n;
    int err = 0;
    for (;;) {
        if (arena_reserve(a, 4096)) {
            err = ENOMEM;
            break;
        }
        ssize_t r = read(fd, a->p + a->n, a->cap - a->n);
        if (r < 0) {
            if (errno == EINTR) continue;
            err = errno;
            break;
        }
        if (r == 0) break;
        a->n += (size_t)r;
        if (a->n - start > cap) {
            err = EFBIG;
            break;
        }
    }
    close(fd);
    if (err) {
        a->n = start;
        return -err;
    }
    *off = start;
    return (ssize_t)(a->n - start);
}

/* ------------------------------------------------------------ parsers */

static int parse_i64(const char *s, size_t len, int64_t *out) {
    size_t i = 0;
    int neg = 0;
    uint64_t v = 0;
    if (len && s[0] == '-') {
        neg = 1;
        i = 1;
    }
    if (i == len) return -1;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10) return -1;
        v = v * 10 + d;
    }
    if (neg) {
        if (v > (uint64_t)INT64_MAX + 1) return -1;
        *out = (int64_t)(0 - v);
    } else {
        if (v > (uint64_t)INT64_MAX) return -1;
        *out = (int64_t)v;
    }
    return 0;
}

static int parse_u64(const char *s, size_t len, uint64_t *out) {
    uint64_t v = 0;
    if (!len) return -1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10) return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

/*
 * /proc/PID/stat: "PID (COMM) S PPID ...". COMM runs from the first '(' to
 * the last ')' (it may hold spaces and parens); the fields after it are
 * separated by single spaces; one trailing newline is allowed.
 */
int lxkns_parse_stat(const char *buf, size_t len, struct lxkns_stat *out) {
    size_t i = 0;
    while (i < len && buf[i] >= '0' && buf[i] <= '9') i++;
    if (i == 0 || i + 2 > len || buf[i] != ' ' || buf[i + 1] != '(') return -1;
    if (parse_i64(buf, i, &out->pid) || out->pid <= 0 || out->pid > INT32_MAX) return -1;
    size_t copen = i + 1, cclose = len;
    while (cclose > copen + 1 && buf[cclose - 1] != ')') cclose--;
    cclose--; /* index of the last ')' */
    if (cclose <= copen || buf[cclose] != ')') return -1;
    out->comm_off = copen + 1;
    out->comm_len = cclose - copen - 1;
    size_t end = len;
    if (end > cclose + 1 && buf[end - 1] == '\n') end--;
    if (cclose + 1 >= end || buf[cclose + 1] != ' ') return -1;
    /* tokens after ") ": field 3 is token 0 */
    const char *tok[39];
    size_t tlen[39];
    size_t ntok = 0, p = cclose + 2;
    for (;;) {
        size_t q = p;
        while (q < end && buf[q] != ' ') q++;
        if (q == p) return -1; /* empty token */
        if (ntok < 39) {
            tok[ntok] = buf + p;
            tlen[ntok] = q - p;
        }
        ntok++;
        if (q == end) break;
        p = q + 1;
    }
    if (ntok < 39) return -1;
    if (tlen[0] != 1) return -1;
    out->state = (unsigned char)tok[0][0];
    if (parse_i64(tok[1], tlen[1], &out->ppid) || out->ppid < 0 || out->ppid > INT32_MAX) return -1;
    if (parse_i64(tok[16], tlen[16], &out->nice) || out->nice < -20 || out->nice > 19) return -1;
    if (parse_i64(tok[17], tlen[17], &out->nthreads) || out->nthreads < 0) return -1;
    if (parse_i64(tok[19], tlen[19], &out->starttime) || out->starttime < 0) return -1;
    if (parse_i64(tok[37], tlen[37], &out->priority) || out->priority < 0 || out->priority > 99)
        return -1;
    if (parse_i64(tok[38], tlen[38], &out->policy) || out->policy < 0 || out->policy > 7) return -1;
    return 0;
}

/* "net:[4026531840]" -> link index of the type and the inode; exact form only */
int lxkns_parse_nslink(const char *buf, size_t len, int64_t *link, uint64_t *ino) {
    const char *colon = memchr(buf, ':', len);
    if (!colon) return -1;
    size_t tl = (size_t)(colon - buf);
    int t;
    for (t = 0; t < NTYPES; t++)
        if (strlen(type_names[t]) == tl && !memcmp(buf, type_names[t], tl)) break;
    if (t == NTYPES) return -1;
    size_t rest = len - tl - 1;
    if (rest < 3 || colon[1] != '[' || buf[len - 1] != ']') return -1;
    if (colon[2] == '0') return -1; /* the kernel writes none: "net:[07]" is no name of "net:[7]" */
    uint64_t v;
    if (parse_u64(colon + 2, rest - 2, &v) || v == 0) return -1;
    *link = t;
    *ino = v;
    return 0;
}

/* Decode the \ooo escapes of mountinfo in place; returns the new length. */
size_t lxkns_unescape_octal(char *buf, size_t len) {
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (buf[i] == '\\' && i + 3 < len && buf[i + 1] >= '0' && buf[i + 1] <= '3' &&
            buf[i + 2] >= '0' && buf[i + 2] <= '7' && buf[i + 3] >= '0' && buf[i + 3] <= '7') {
            buf[o++] = (char)((buf[i + 1] - '0') * 64 + (buf[i + 2] - '0') * 8 + (buf[i + 3] - '0'));
            i += 3;
        } else {
            buf[o++] = buf[i];
        }
    }
    return o;
}

/*
 * The fields of one mountinfo line the scanner needs: "ID PARENT MAJ:MIN ROOT POINT OPTS
 * [OPTIONAL...] - FSTYPE SOURCE SUPER". Offsets are into `line`; ROOT and POINT are still
 * escaped. 0, or -1 for a line without these fields.
 */
int lxkns_parse_mountinfo_line(const char *line, size_t len, struct lxkns_mountinfo_line *out) {
    const char *f[5];
    size_t fl[5], p = 0;
    int nf = 0;
    while (nf < 5 && p < len) {
        const char *q = memchr(line + p, ' ', len - p);
        size_t e = q ? (size_t)(q - line) : len;
        f[nf] = line + p;
        fl[nf] = e - p;
        nf++;
        p = e + 1;
    }
    if (nf < 5) return -1;
    /* the optional fields end at a lone "-", then comes the filesystem type */
    size_t rest = (size_t)(f[4] + fl[4] - line);
    const char *sep = memmem(line + rest, len - rest, " - ", 3);
    if (!sep) return -1;
    size_t t0 = (size_t)(sep - line) + 3;
    const char *sp = memchr(line + t0, ' ', len - t0);
    size_t t1 = sp ? (size_t)(sp - line) : len;
    uint64_t id;
    if (t1 == t0 || parse_u64(f[0], fl[0], &id) || id > (uint64_t)INT64_MAX) return -1;
    out->mount_id = (int64_t)id;
    out->root_off = (uint64_t)(f[3] - line);
    out->root_len = fl[3];
    out->point_off = (uint64_t)(f[4] - line);
    out->point_len = fl[4];
    out->fstype_off = t0;
    out->fstype_len = t1 - t0;
    return 0;
}

/* ------------------------------------------------------------ namespace table */

struct nsent {
    struct lxkns_ns r;
    int64_t ctx_pid, ctx_tid, ctx_start; /* mount namespaces: whose view to read */
    int64_t fd_pid, fd_fd;               /* first fd that holds it */
    int held_fd;                         /* open fd of a bind-mounted mount namespace */
    int mnt_done;
};

#define CHUNK 1024

struct nstab {
    struct nsent **chunks;
    size_t nchunks, n;
    int32_t *slots;
    size_t nslots;
    int oom;
    pthread_mutex_t mu;
};

static size_t slot_of(uint64_t ino, int64_t type, size_t nslots) {
    uint64_t h = (ino ^ ((uint64_t)type << 56)) * 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 17) & (nslots - 1);
}

static struct nsent *ent_at(struct nstab *t, size_t i) { return &t->chunks[i / CHUNK][i % CHUNK]; }

static int tab_rehash(struct nstab *t) {
    size_t nslots = t->nslots ? t->nslots * 2 : 4096;
    int32_t *slots = malloc(nslots * sizeof(int32_t));
    if (!slots) return -ENOMEM;
    memset(slots, 0xff, nslots * sizeof(int32_t));
    for (size_t i = 0; i < t->n; i++) {
        struct nsent *e = ent_at(t, i);
        size_t s = slot_of(e->r.ino, e->r.link, nslots);
        while (slots[s] >= 0) s = (s + 1) & (nslots - 1);
        slots[s] = (int32_t)i;
    }
    free(t->slots);
    t->slots = slots;
    t->nslots = nslots;
    return 0;
}

/* look up without locking; callers hold the lock or run alone */
static struct nsent *tab_find(struct nstab *t, uint64_t ino, int64_t type) {
    if (!t->nslots) return NULL;
    size_t s = slot_of(ino, type, t->nslots);
    while (t->slots[s] >= 0) {
        struct nsent *e = ent_at(t, (size_t)t->slots[s]);
        if (e->r.ino == ino && e->r.link == type) return e;
        s = (s + 1) & (t->nslots - 1);
    }
    return NULL;
}

/* Find or add a namespace; *isnew tells whether this call added it. */
static struct nsent *tab_claim(struct nstab *t, uint64_t ino, int64_t type, int64_t origin,
                               int *isnew) {
    pthread_mutex_lock(&t->mu);
    struct nsent *e = tab_find(t, ino, type);
    *isnew = 0;
    if (!e) {
        if ((t->n + 1) * 2 > t->nslots && tab_rehash(t)) goto oom;
        if (t->n / CHUNK >= t->nchunks) {
            struct nsent **c = realloc(t->chunks, (t->nchunks + 1) * sizeof(*c));
            if (!c) goto oom;
            t->chunks = c;
            c[t->nchunks] = calloc(CHUNK, sizeof(struct nsent));
            if (!c[t->nchunks]) goto oom;
            t->nchunks++;
        }
        e = ent_at(t, t->n);
        memset(e, 0, sizeof(*e));
        e->r.ino = ino;
        e->r.link = type;
        e->r.origin = origin;
        e->r.owner_uid = -1;
        e->held_fd = -1;
        size_t s = slot_of(ino, type, t->nslots);
        while (t->slots[s] >= 0) s = (s + 1) & (t->nslots - 1);
        t->slots[s] = (int32_t)t->n;
        t->n++;
        *isnew = 1;
    }
    pthread_mutex_unlock(&t->mu);
    return e;
oom:
    t->oom = 1;
    pthread_mutex_unlock(&t->mu);
    return NULL;
}

/* ------------------------------------------------------------ scan state */

struct lxkns_scan {
    char *procfs;
    int procfd;
    int selfdir;      /* /proc/self of our own procfs (O_PATH): where fds are reopened */
    int strict;       /* procfs is not our own: check every file before reading it */
    uint64_t flags, link_mask;
    uint64_t nsfs_dev;
    uint64_t self_pidns;
    uint64_t self_userns; /* mount namespaces owned by another user namespace are guarded */
    uint64_t features; /* LXKNS_NO_* bits, updated atomically */
    int err;          /* sticky: -ENOMEM once any record could not be stored */
    struct nstab tab;
    struct vec procs, tasks, fds, socks, mntnss, binds, nss, fails, mounts;
    struct arena str;
    pthread_mutex_t fail_mu;
    /* walk */
    int *pids;
    size_t npids;
    size_t next_pid; /* atomic cursor */
};

struct worker {
    struct lxkns_scan *s;
    struct vec procs, tasks, fds, fails;
    struct arena str;
    uint64_t recent[LXKNS_NLINKS]; /* last inode seen per link: skips most table look-ups */
    int err;
};

static void feature_missing(struct lxkns_scan *s, uint64_t bit) {
    __atomic_fetch_or(&s->features, bit, __ATOMIC_RELAXED);
}

static void fail_to(struct vec *v, int64_t what, int64_t pid, int64_t tid, int64_t arg, int err) {
    struct lxkns_failure *f = vec_push(v);
    if (!f) return;
    f->what = what;
    f->pid = pid;
    f->tid = tid;
    f->arg = arg;
    f->err = err;
}

static void scan_fail(struct lxkns_scan *s, int64_t what, int64_t pid, int64_t tid, int64_t arg,
                      int err) {
    pthread_mutex_lock(&s->fail_mu);
    fail_to(&s->fails, what, pid, tid, arg, err);
    pthread_mutex_unlock(&s->fail_mu);
}

/* ------------------------------------------------------------ opening what others control */

/*
 * Paths below another mount namespace, /proc/PID/root and /proc/PID/fd/N lead to whatever
 * an unprivileged user or a container root put there: a FIFO (open() for reading blocks
 * until a writer comes), a device, a symlink out of a root, a FUSE mount whose server
 * never answers. So such a path is only ever opened with O_PATH (which opens nothing),
 * looked at without asking its filesystem (statx with AT_STATX_DONT_SYNC), and reopened
 * through /proc/self/fd for reading only once it is known to be what was expected.
 */

#ifndef AT_STATX_DONT_SYNC
#define AT_STATX_DONT_SYNC 0x4000
#endif
#ifndef STATX_MNT_ID
#define STATX_MNT_ID 0x1000U
#endif
#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif
#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif
/* errnos of what the host put in the way (Python words them in diagnostics) */
#define LXKNS_EWRONGTYPE EMEDIUMTYPE /* not a namespace file, not a regular file */
#define LXKNS_ESTALL EREMOTE         /* below a mount whose server could stall us (FUSE) */
#define LXKNS_MAX_SYMLINKS 40
#define LXKNS_WALK_DEPTH 128

/* What the kernel has cached about an fd: no request to a FUSE server. */
struct quickstat {
    uint64_t dev, ino, mnt_id;
    uint32_t mode;
    int has_mnt_id;
};

static int quick_stat(int fd, struct quickstat *q) {
    struct statx sx;
    if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | AT_STATX_DONT_SYNC,
              STATX_TYPE | STATX_INO | STATX_MNT_ID, &sx) == 0) {
        q->dev = makedev(sx.stx_dev_major, sx.stx_dev_minor);
        q->ino = sx.stx_ino;
        q->mode = sx.stx_mode;
        q->has_mnt_id = (sx.stx_mask & STATX_MNT_ID) != 0;
        q->mnt_id = q->has_mnt_id ? sx.stx_mnt_id : 0;
        return 0;
    }
    if (errno != ENOSYS) return -1;
    struct stat st; /* kernel < 4.11 */
    if (fstat(fd, &st) != 0) return -1;
    q->dev = (uint64_t)st.st_dev;
    q->ino = (uint64_t)st.st_ino;
    q->mode = st.st_mode;
    q->has_mnt_id = 0;
    q->mnt_id = 0;
    return 0;
}

/* Reopen an O_PATH fd with `flags`: the very file it refers to, not a path to it again. */
static int reopen_fd(struct lxkns_scan *s, int pathfd, int flags) {
    char name[32];
    snprintf(name, sizeof name, "fd/%d", pathfd);
    return openat(s->selfdir, name, flags | O_CLOEXEC | O_NOCTTY);
}

/* Keep errno across a close(). */
static void close_keep_errno(int fd) {
    int err = errno;
    close(fd);
    errno = err;
}

/* An O_PATH fd of what should be a namespace file -> an fd to query or enter it; -1 with
 * errno LXKNS_EWRONGTYPE if it is anything else. Consumes pathfd. */
static int nsfs_from_path(struct lxkns_scan *s, int pathfd) {
    struct quickstat q;
    int ok;
    if (quick_stat(pathfd, &q) != 0) {
        close_keep_errno(pathfd);
        return -1;
    }
    if (s->nsfs_dev) {
        ok = q.dev == s->nsfs_dev; /* one nsfs superblock holds every namespace */
    } else {
        struct statfs sf;
        ok = fstatfs(pathfd, &sf) == 0 && (uint64_t)sf.f_type == NSFS_MAGIC;
    }
    if (!ok) {
        close(pathfd);
        errno = LXKNS_EWRONGTYPE;
        return -1;
    }
    int fd = reopen_fd(s, pathfd, O_RDONLY);
    close_keep_errno(pathfd);
    return fd;
}

/* Open a namespace link or file below dirfd (ns/net, fd/7): never anything else. */
static int open_nsfs_at(struct lxkns_scan *s, int dirfd, const char *name) {
    int pfd = openat(dirfd, name, O_PATH | O_CLOEXEC);
    if (pfd < 0) return -1;
    return nsfs_from_path(s, pfd);
}

/* Open a file of a procfs for reading: a foreign procfs may be any tree, so there it must
 * be a regular file before it is opened; ours is read directly. Never blocks (O_NONBLOCK). */
static int open_procfs_file(struct lxkns_scan *s, int dirfd, const char *name) {
    if (!s->strict) return openat(dirfd, name, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    int pfd = openat(dirfd, name, O_PATH | O_CLOEXEC);
    if (pfd < 0) return -1;
    struct quickstat q;
    if (quick_stat(pfd, &q) != 0) {
        close_keep_errno(pfd);
        return -1;
    }
    if (!S_ISREG(q.mode)) {
        close(pfd);
        errno = LXKNS_EWRONGTYPE;
        return -1;
    }
    int fd = reopen_fd(s, pfd, O_RDONLY | O_NONBLOCK);
    close_keep_errno(pfd);
    return fd;
}

/*
 * The mounts a walk may pass in a mount namespace owned by another user namespace: every
 * mount of its table but FUSE ones (their server is whoever mounted them) and overlays (their
 * layers may lie on FUSE). A mount not in the table (made after it was read) is refused too.
 */
struct mount_guard {
    int64_t *ids; /* sorted */
    size_t n;
    int active;
};

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Can a filesystem type stall a lookup (its server lives in user space)? */
static int stall_prone_fstype(const char *t, size_t n) {
    return (n >= 4 && !memcmp(t, "fuse", 4)) || (n == 7 && !memcmp(t, "overlay", 7));
}

static int guard_add(struct mount_guard *g, size_t *cap, int64_t id) {
    if (g->n == *cap) {
        size_t c = *cap ? *cap * 2 : 64;
        int64_t *p = realloc(g->ids, c * sizeof *p);
        if (!p) return -ENOMEM;
        g->ids = p;
        *cap = c;
    }
    g->ids[g->n++] = id;
    return 0;
}

static void guard_free(struct mount_guard *g) {
    free(g->ids);
    g->ids = NULL;
    g->n = 0;
    g->active = 0;
}

/* May a walk pass the mount an fd is on? */
static int guard_allows(const struct mount_guard *g, const struct quickstat *q) {
    if (!g || !g->active) return 1;
    if (!q->has_mnt_id) return 0; /* kernel < 5.8 cannot say which mount: refuse */
    int64_t id = (int64_t)q->mnt_id;
    return bsearch(&id, g->ids, g->n, sizeof id, cmp_i64) != NULL;
}

/*
 * Resolve `path` below `rootfd` one component at a time with O_PATH | O_NOFOLLOW: a
 * symlink is read and its target walked again inside the root (an absolute one from the
 * root), ".." never climbs above the root, and with an active guard every mount passed
 * must be one it allows. Returns an O_PATH fd of what the path names (its last symlink
 * followed), or -1 with errno. This is what openat2(RESOLVE_IN_ROOT) does, and what a
 * guarded walk needs since openat2 cannot be asked which mounts it passes.
 */
static int walk_in_root(int rootfd, const char *path, const struct mount_guard *g) {
    char todo[PATH_MAX * 2], target[PATH_MAX];
    int dirs[LXKNS_WALK_DEPTH];
    size_t ndirs = 0, pos = 0, plen = strlen(path);
    int links = 0, err = 0, result = -1;
    struct quickstat q;
    if (plen >= sizeof todo) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(todo, path, plen + 1);
    if (g && g->active) {
        if (quick_stat(rootfd, &q) != 0) return -1;
        if (!guard_allows(g, &q)) {
            errno = LXKNS_ESTALL;
            return -1;
        }
    }
    for (;;) {
        while (todo[pos] == '/') pos++;
        int cur = ndirs ? dirs[ndirs - 1] : rootfd;
        if (!todo[pos]) { /* it names a directory already open */
            result = fcntl(cur, F_DUPFD_CLOEXEC, 0);
            if (result < 0) err = errno;
            break;
        }
        size_t end = pos;
        while (todo[end] && todo[end] != '/') end++;
        char name[NAME_MAX + 1];
        if (end - pos > NAME_MAX) {
            err = ENAMETOOLONG;
            break;
        }
        memcpy(name, todo + pos, end - pos);
        name[end - pos] = 0;
        pos = end;
        size_t after = pos;
        while (todo[after] == '/') after++;
        int last = !todo[after];
        if (!strcmp(name, ".")) continue;
        if (!strcmp(name, "..")) {
            if (ndirs) close(dirs[--ndirs]);
            continue;
        }
        int fd = openat(cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 || quick_stat(fd, &q) != 0) {
            err = errno;
            if (fd >= 0) close(fd);
            break;
        }
        if (!guard_allows(g, &q)) { /* checked before anything asks that filesystem */
            close(fd);
            err = LXKNS_ESTALL;
            break;
        }
        if (S_ISLNK(q.mode)) {
            ssize_t tl = readlinkat(fd, "", target, sizeof target);
            close(fd);
            if (tl < 0) {
                err = errno;
                break;
            }
            size_t rest = strlen(todo + pos);
            if (++links > LXKNS_MAX_SYMLINKS) {
                err = ELOOP;
                break;
            }
            if ((size_t)tl >= sizeof target || (size_t)tl + 1 + rest >= sizeof todo) {
                err = ENAMETOOLONG;
                break;
            }
            memmove(todo + tl + 1, todo + pos, rest + 1); /* the target, then what was left */
            memcpy(todo, target, (size_t)tl);
            todo[tl] = '/';
            pos = 0;
            if (target[0] == '/')
                while (ndirs) close(dirs[--ndirs]);
            continue;
        }
        if (last) {
            result = fd;
            break;
        }
        if (!S_ISDIR(q.mode) || ndirs == LXKNS_WALK_DEPTH) {
            close(fd);
            err = S_ISDIR(q.mode) ? ENAMETOOLONG : ENOTDIR;
            break;
        }
        dirs[ndirs++] = fd;
    }
    while (ndirs) close(dirs[--ndirs]);
    if (result < 0) errno = err;
    return result;
}

/* The resolver alone, for tests that compare it with the Python one: an O_PATH fd of
 * `path` inside `rootfd` (the walk if force_walk, else openat2 where the kernel has it),
 * or -errno. */
int lxkns_open_in_root(int rootfd, const char *path, int force_walk) {
    int fd = -1;
    if (!force_walk) {
        struct open_how how = {.flags = O_PATH | O_CLOEXEC,
                               .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
        fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
        if (fd < 0 && errno == ENOSYS) force_walk = 1;
    }
    if (force_walk) fd = walk_in_root(rootfd, path, NULL);
    return fd >= 0 ? fd : -errno;
}

/* The one root-confined resolver of the scanner: an O_PATH fd of `path` below `rootfd`.
 * openat2(RESOLVE_IN_ROOT) where the kernel has it and no guard is active, else the walk. */
static int open_in_root(struct lxkns_scan *s, int rootfd, const char *path,
                        const struct mount_guard *g) {
    if (!(g && g->active) && !(s->features & LXKNS_NO_OPENAT2)) {
        struct open_how how = {.flags = O_PATH | O_CLOEXEC,
                               .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
        int fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
        if (fd >= 0 || errno != ENOSYS) return fd;
        feature_missing(s, LXKNS_NO_OPENAT2);
    }
    return walk_in_root(rootfd, path, g);
}

/* ------------------------------------------------------------ ioctls */

static void ns_meta(struct lxkns_scan *s, struct nsent *e, int fd);

/* Follow an ioctl-returned namespace fd: record it as `type`, query it if new. */
static uint64_t ns_follow(struct lxkns_scan *s, int nfd, int64_t type, int64_t origin) {
    struct stat st;
    uint64_t ino = 0;
    if (fstat(nfd, &st) == 0) {
        ino = (uint64_t)st.st_ino;
        int isnew;
        struct nsent *o = tab_claim(&s->tab, ino, type, origin, &isnew);
        if (o && isnew) ns_meta(s, o, nfd);
    }
    close(nfd);
    return ino;
}

/* Query owner, parent and owner UID of a namespace we just claimed, via its open fd. */
static void ns_meta(struct lxkns_scan *s, struct nsent *e, int fd) {
    struct stat st;
    int64_t type = e->r.link;
    uint64_t dev = 0, owner = 0, parent = 0;
    int64_t uid = -1, owner_err = 0, parent_err = 0, uid_err = 0, open_err = 0;
    if (fstat(fd, &st) != 0) {
        open_err = errno;
        goto store;
    }
    dev = (uint64_t)st.st_dev;
    if ((uint64_t)st.st_ino != e->r.ino) {
        open_err = ESTALE; /* the path now leads to another namespace */
        goto store;
    }
    if (!(s->flags & LXKNS_SCAN_META)) goto store;
    /* features found (or assumed) missing are not asked for again */
    uint64_t missing = __atomic_load_n(&s->features, __ATOMIC_RELAXED);
    if (type == LXKNS_LINK_USER && (missing & LXKNS_NO_OWNER_UID)) {
        uid_err = ENOTTY;
    } else if (type != LXKNS_LINK_USER && (missing & LXKNS_NO_NS_IOCTLS)) {
        owner_err = ENOTTY;
    } else if (type == LXKNS_LINK_USER) {
        uid_t u;
        if (ioctl(fd, NS_GET_OWNER_UID, &u) == 0) {
            uid = u;
        } else {
            uid_err = errno;
            if (errno == ENOTTY || errno == EINVAL) feature_missing(s, LXKNS_NO_OWNER_UID);
        }
    } else {
        int ufd = ioctl(fd, NS_GET_USERNS);
        if (ufd >= 0) {
            owner = ns_follow(s, ufd, LXKNS_LINK_USER, LXKNS_ORIGIN_OWNER);
        } else {
            owner_err = errno;
            if (errno == ENOTTY) feature_missing(s, LXKNS_NO_NS_IOCTLS);
        }
    }
    if ((type == LXKNS_LINK_USER || type == LXKNS_LINK_PID) && (missing & LXKNS_NO_NS_IOCTLS)) {
        parent_err = ENOTTY;
    } else if (type == LXKNS_LINK_USER || type == LXKNS_LINK_PID) {
        int pfd = ioctl(fd, NS_GET_PARENT);
        if (pfd >= 0) {
            parent = ns_follow(s, pfd, type, LXKNS_ORIGIN_PARENT);
        } else {
            parent_err = errno;
            if (errno == ENOTTY) feature_missing(s, LXKNS_NO_NS_IOCTLS);
        }
    }
store:
    pthread_mutex_lock(&s->tab.mu);
    e->r.dev = dev;
    e->r.owner = owner;
    e->r.parent = parent;
    e->r.owner_uid = uid;
    e->r.open_err = open_err;
    e->r.owner_err = owner_err;
    e->r.parent_err = parent_err;
    e->r.uid_err = uid_err;
    pthread_mutex_unlock(&s->tab.mu);
}

/* A namespace seen through a link or fd path: add it, and query it if new. */
static struct nsent *ns_seen(struct worker *w, uint64_t ino, int64_t type, int64_t origin,
                             int dirfd, const char *name, int64_t pid, int64_t tid) {
    struct lxkns_scan *s = w->s;
    int isnew;
    struct nsent *e = tab_claim(&s->tab, ino, type, origin, &isnew);
    if (!e || !isnew) return e;
    int fd = open_nsfs_at(s, dirfd, name);
    if (fd < 0) {
        int err = errno;
        pthread_mutex_lock(&s->tab.mu);
        e->r.open_err = err;
        pthread_mutex_unlock(&s->tab.mu);
        fail_to(&w->fails, LXKNS_FAIL_NSOPEN, pid, tid, (int64_t)ino, err);
        return e;
    }
    ns_meta(s, e, fd);
    close(fd);
    return e;
}

/* ------------------------------------------------------------ the /proc walk */

/* size caps of what is read from a procfs (a foreign one may hand out anything) */
#define LXKNS_CAP_PROCFILE (16u << 20)  /* cmdline, cgroup, status */
#define LXKNS_CAP_MOUNTINFO (256u << 20)

static ssize_t read_procfs_file(struct lxkns_scan *s, struct arena *a, int dirfd, const char *name,
                                size_t cap, uint64_t *off) {
    int fd = open_procfs_file(s, dirfd, name);
    if (fd < 0) return -errno;
    return arena_read_fd(a, fd, cap, off);
}

static int read_small(struct lxkns_scan *s, int dirfd, const char *name, char *buf, size_t cap,
                      size_t *len) {
    int fd = open_procfs_file(s, dirfd, name);
    if (fd < 0) return -errno;
    size_t n = 0;
    while (n < cap) {
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0) {
            if (errno == EINTR) continue;
            int err = errno;
            close(fd);
            return -err;
        }
        if (r == 0) break;
        n += (size_t)r;
    }
    close(fd);
    *len = n;
    return 0;
}

/* Read the ns links of a process or task into rec->ns; query namespaces seen first. */
static void read_links(struct worker *w, int dfd, struct lxkns_proc *rec, int64_t origin) {
    struct lxkns_scan *s = w->s;
    char link[64];
    int64_t failed = 0, first_err = 0;
    for (int k = 0; k < LXKNS_NLINKS; k++) {
        if (!(s->link_mask & (1u << k))) continue;
        ssize_t l = readlinkat(dfd, link_paths[k], link, sizeof link);
        int64_t t;
        uint64_t ino;
        if (l < 0) {
            failed |= 1 << k;
            if (!first_err) first_err = errno;
            continue;
        }
        if (lxkns_parse_nslink(link, (size_t)l, &t, &ino) || t != link_type[k]) continue;
        rec->ns[k] = ino;
        if (w->recent[k] == ino) continue;
        w->recent[k] = ino;
        ns_seen(w, ino, t, origin, dfd, link_paths[k], rec->tgid, origin == LXKNS_ORIGIN_TASK ? rec->pid : 0);
    }
    if (failed)
        fail_to(&w->fails, LXKNS_FAIL_NSLINK, rec->tgid,
                origin == LXKNS_ORIGIN_TASK ? rec->pid : 0, failed, (int)first_err);
}

/* The NSpid line of a status file: only the numbers, kept in the arena. */
static void read_nspid(struct worker *w, int dfd, struct lxkns_proc *rec, int64_t tid) {
    uint64_t off;
    ssize_t n = read_procfs_file(w->s, &w->str, dfd, "status", LXKNS_CAP_PROCFILE, &off);
    if (n < 0) {
        fail_to(&w->fails, LXKNS_FAIL_STATUS, rec->tgid, tid, 0, (int)-n);
        return;
    }
    char *text = w->str.p + off;
    char *line = memmem(text, (size_t)n, "\nNSpid:", 7);
    if (line) {
        char *b = line + 7;
        while (b < text + n && (*b == '\t' || *b == ' ')) b++;
        char *e = memchr(b, '\n', (size_t)(text + n - b));
        if (!e) e = text + n;
        size_t len = (size_t)(e - b);
        memmove(text, b, len);
        rec->nspid_off = off;
        rec->nspid_len = len;
        w->str.n = off + len;
    } else {
        w->str.n = off; /* kernel without NSpid: leave the list empty */
    }
}

/* stat + optional cgroup of a process or task; returns 0 or -errno */
static int read_stat_into(struct worker *w, int dfd, struct lxkns_proc *rec) {
    char buf[2048];
    size_t len = 0;
    int r = read_small(w->s, dfd, "stat", buf, sizeof buf, &len);
    if (r) return r;
    struct lxkns_stat st;
    if (lxkns_parse_stat(buf, len, &st)) return -EBADMSG;
    rec->pid = st.pid;
    rec->ppid = st.ppid;
    rec->state = st.state;
    rec->starttime = st.starttime;
    rec->nice = st.nice;
    rec->priority = st.priority;
    rec->policy = st.policy;
    rec->nthreads = st.nthreads;
    if (arena_add(&w->str, buf + st.comm_off, st.comm_len, &rec->comm_off)) return -ENOMEM;
    rec->comm_len = st.comm_len;
    return 0;
}

static void read_cgroup(struct worker *w, int dfd, struct lxkns_proc *rec, int64_t tid) {
    ssize_t n = read_procfs_file(w->s, &w->str, dfd, "cgroup", LXKNS_CAP_PROCFILE,
                                 &rec->cgroup_off);
    if (n < 0)
        fail_to(&w->fails, LXKNS_FAIL_CGROUP, rec->tgid, tid, 0, (int)-n);
    else
        rec->cgroup_len = (uint64_t)n;
}

/* The CPU affinity of a process or thread as a CPU list ("0-3,5") in the arena. */
static void read_affinity(struct worker *w, struct lxkns_proc *rec) {
    if (w->s->strict) return; /* a PID of a foreign procfs is not a PID of ours */
    cpu_set_t set;
    if (sched_getaffinity((pid_t)rec->pid, sizeof set, &set) != 0) return; /* it ended */
    char text[CPU_SETSIZE * 8];
    size_t n = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        if (!CPU_ISSET(cpu, &set)) continue;
        int last = cpu;
        while (last + 1 < CPU_SETSIZE && CPU_ISSET(last + 1, &set)) last++;
        n += (size_t)snprintf(text + n, sizeof text - n, n ? ",%d" : "%d", cpu);
        if (last > cpu) n += (size_t)snprintf(text + n, sizeof text - n, "-%d", last);
        cpu = last;
    }
    if (!arena_add(&w->str, text, n, &rec->affinity_off)) rec->affinity_len = n;
}

static int need_nspid(struct lxkns_scan *s, const struct lxkns_proc *rec) {
    return (s->flags & LXKNS_SCAN_NSPID) && rec->ns[LXKNS_LINK_PID] &&
           rec->ns[LXKNS_LINK_PID] != s->self_pidns;
}

static void scan_tasks(struct worker *w, int dfd, const struct lxkns_proc *proc) {
    int td = openat(dfd, "task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (td < 0) {
        fail_to(&w->fails, LXKNS_FAIL_TASKDIR, proc->pid, 0, 0, errno);
        return;
    }
    DIR *d = fdopendir(td);
    if (!d) {
        fail_to(&w->fails, LXKNS_FAIL_TASKDIR, proc->pid, 0, 0, errno);
        close(td);
        return;
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        uint64_t tid;
        if (parse_u64(de->d_name, strlen(de->d_name), &tid) || (int64_t)tid == proc->pid) continue;
        int tdd = openat(td, de->d_name, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (tdd < 0) continue; /* the thread ended */
        struct lxkns_proc *rec = vec_push(&w->tasks);
        if (!rec) {
            close(tdd);
            break;
        }
        rec->tgid = proc->pid;
        int r = read_stat_into(w, tdd, rec);
        if (r) {
            w->tasks.n--;
            if (r != -ENOENT && r != -ESRCH)
                fail_to(&w->fails, LXKNS_FAIL_STAT, proc->pid, (int64_t)tid, 0, -r);
            close(tdd);
            continue;
        }
        rec->tgid = proc->pid;
        rec->ppid = proc->ppid;
        if (w->s->flags & LXKNS_SCAN_PROCS) read_links(w, tdd, rec, LXKNS_ORIGIN_TASK);
        if (w->s->flags & LXKNS_SCAN_CGROUP) read_cgroup(w, tdd, rec, rec->pid);
        if (need_nspid(w->s, rec)) read_nspid(w, tdd, rec, rec->pid);
        if (w->s->flags & LXKNS_SCAN_AFFINITY) read_affinity(w, rec);
        close(tdd);
    }
    closedir(d);
}

static void scan_fds(struct worker *w, int dfd, int64_t pid) {
    struct lxkns_scan *s = w->s;
    int fdd = openat(dfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fdd < 0) {
        fail_to(&w->fails, LXKNS_FAIL_FDDIR, pid, 0, 0, errno);
        return;
    }
    DIR *d = fdopendir(fdd);
    if (!d) {
        fail_to(&w->fails, LXKNS_FAIL_FDDIR, pid, 0, 0, errno);
        close(fdd);
        return;
    }
    struct dirent *de;
    char link[256];
    int denied = 0;
    while ((de = readdir(d))) {
        uint64_t fdnum;
        if (parse_u64(de->d_name, strlen(de->d_name), &fdnum)) continue;
        ssize_t l = readlinkat(fdd, de->d_name, link, sizeof link);
        if (l < 0 && errno != ENOENT && !denied) denied = errno;
        if (l <= 0 || (size_t)l == sizeof link) continue; /* closed meanwhile, or a long path */
        int64_t t;
        uint64_t ino;
        if (l > 8 && !memcmp(link, "socket:[", 8)) {
            if (!(s->flags & LXKNS_SCAN_SOCKETS)) continue;
            if (link[l - 1] != ']' || parse_u64(link + 8, (size_t)l - 9, &ino)) continue;
            struct lxkns_fd *f = vec_push(&w->fds);
            if (!f) break;
            *f = (struct lxkns_fd){pid, (int64_t)fdnum, 1, LXKNS_LINK_NET, ino};
        } else if (link[0] != '/' && !lxkns_parse_nslink(link, (size_t)l, &t, &ino)) {
            if (!(s->link_mask & (1u << t))) continue;
            struct lxkns_fd *f = vec_push(&w->fds);
            if (!f) break;
            *f = (struct lxkns_fd){pid, (int64_t)fdnum, 0, t, ino};
            struct nsent *e = ns_seen(w, ino, t, LXKNS_ORIGIN_FD, fdd, de->d_name, pid, 0);
            if (e) {
                pthread_mutex_lock(&s->tab.mu);
                if (!e->fd_pid) {
                    e->fd_pid = pid;
                    e->fd_fd = (int64_t)fdnum;
                }
                pthread_mutex_unlock(&s->tab.mu);
            }
        }
    }
    closedir(d);
    if (denied) fail_to(&w->fails, LXKNS_FAIL_FDDIR, pid, 0, 0, denied);
}

static void scan_pid(struct worker *w, int pid) {
    struct lxkns_scan *s = w->s;
    char name[16];
    snprintf(name, sizeof name, "%d", pid);
    int dfd = openat(s->procfd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        fail_to(&w->fails, LXKNS_FAIL_PIDDIR, pid, 0, 0, errno);
        return;
    }
    struct lxkns_proc *rec = vec_push(&w->procs);
    if (!rec) {
        w->err = -ENOMEM;
        close(dfd);
        return;
    }
    int r = read_stat_into(w, dfd, rec);
    if (r) {
        w->procs.n--;
        fail_to(&w->fails, LXKNS_FAIL_STAT, pid, 0, 0, -r);
        close(dfd);
        return;
    }
    rec->tgid = rec->pid;
    if (s->flags & LXKNS_SCAN_PROCS) read_links(w, dfd, rec, LXKNS_ORIGIN_PROC);
    if (s->flags & LXKNS_SCAN_CMDLINE) {
        ssize_t n = read_procfs_file(s, &w->str, dfd, "cmdline", LXKNS_CAP_PROCFILE,
                                     &rec->cmdline_off);
        if (n < 0)
            fail_to(&w->fails, LXKNS_FAIL_CMDLINE, pid, 0, 0, (int)-n);
        else
            rec->cmdline_len = (uint64_t)n;
    }
    if (s->flags & LXKNS_SCAN_CGROUP) read_cgroup(w, dfd, rec, 0);
    if (need_nspid(s, rec)) read_nspid(w, dfd, rec, 0);
    if (s->flags & LXKNS_SCAN_AFFINITY) read_affinity(w, rec);
    struct lxkns_proc proc = *rec; /* rec lives in w->procs, which scan_tasks never grows */
    if ((s->flags & LXKNS_SCAN_TASKS) && proc.nthreads > 1) scan_tasks(w, dfd, &proc);
    if (s->flags & (LXKNS_SCAN_FDS | LXKNS_SCAN_SOCKETS)) scan_fds(w, dfd, pid);
    close(dfd);
}

static void *walk_worker(void *arg) {
    struct worker *w = arg;
    struct lxkns_scan *s = w->s;
    for (;;) {
        size_t i = __atomic_fetch_add(&s->next_pid, 16, __ATOMIC_RELAXED);
        if (i >= s->npids) break;
        size_t end = i + 16 < s->npids ? i + 16 : s->npids;
        for (; i < end; i++) scan_pid(w, s->pids[i]);
    }
    return NULL;
}

static int list_pids(struct lxkns_scan *s) {
    int fd = openat(s->procfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -errno;
    DIR *d = fdopendir(fd);
    if (!d) {
        int err = errno;
        close(fd);
        return -err;
    }
    size_t cap = 1024;
    s->pids = malloc(cap * sizeof(int));
    s->npids = 0;
    struct dirent *de;
    while (s->pids && (de = readdir(d))) {
        uint64_t pid;
        if (parse_u64(de->d_name, strlen(de->d_name), &pid) || pid == 0 || pid > INT32_MAX) continue;
        if (s->npids == cap) {
            int *p = realloc(s->pids, cap * 2 * sizeof(int));
            if (!p) {
                closedir(d);
                return -ENOMEM; /* never a walk of some of the PIDs */
            }
            s->pids = p;
            cap *= 2;
        }
        s->pids[s->npids++] = (int)pid;
    }
    closedir(d);
    return s->pids ? 0 : -ENOMEM;
}

/* move a worker's records into the scan, rebasing string offsets */
static int merge_worker(struct lxkns_scan *s, struct worker *w) {
    if (w->procs.oom || w->tasks.oom || w->fds.oom || w->fails.oom || w->str.oom) return -ENOMEM;
    uint64_t base = s->str.n;
    if (arena_reserve(&s->str, w->str.n + 1)) return -ENOMEM;
    if (w->str.n) memcpy(s->str.p + s->str.n, w->str.p, w->str.n);
    s->str.n += w->str.n;
    struct vec *pv[2] = {&w->procs, &w->tasks};
    for (int k = 0; k < 2; k++) {
        struct lxkns_proc *r = pv[k]->p;
        for (size_t i = 0; i < pv[k]->n; i++) {
            r[i].comm_off += base;
            r[i].cmdline_off += base;
            r[i].cgroup_off += base;
            r[i].nspid_off += base;
            r[i].affinity_off += base;
        }
    }
    if (vec_extend(&s->procs, &w->procs) || vec_extend(&s->tasks, &w->tasks) ||
        vec_extend(&s->fds, &w->fds) || vec_extend(&s->fails, &w->fails))
        return -ENOMEM;
    return 0;
}

static void worker_free(struct worker *w) {
    free(w->procs.p);
    free(w->tasks.p);
    free(w->fds.p);
    free(w->fails.p);
    free(w->str.p);
}

/* -ENOMEM if any record of the scan could not be stored, else 0. */
static int scan_oom(struct lxkns_scan *s) {
    struct vec *vs[] = {&s->procs, &s->tasks, &s->fds,   &s->socks, &s->mntnss,
                        &s->binds, &s->nss,   &s->fails, &s->mounts};
    int oom = s->str.oom || s->tab.oom;
    for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++) oom |= vs[i]->oom;
    return oom ? -ENOMEM : 0;
}

/* What a scan step returns: its own error, else a lost record's, kept for lxkns_scan_status. */
static int step_result(struct lxkns_scan *s, int r) {
    if (!r) r = scan_oom(s);
    if (r == -ENOMEM && !s->err) s->err = r;
    return r;
}

int lxkns_scan_walk(struct lxkns_scan *s, int workers) {
    int r = list_pids(s);
    if (r) return step_result(s, r);
    if (workers < 1) workers = 1;
    if (workers > 16) workers = 16;
    struct worker *ws = calloc((size_t)workers, sizeof(struct worker));
    pthread_t *th = calloc((size_t)workers, sizeof(pthread_t));
    if (!ws || !th) {
        free(ws);
        free(th);
        return step_result(s, -ENOMEM);
    }
    int started = 0;
    for (int i = 0; i < workers; i++) {
        ws[i].s = s;
        ws[i].procs.elsz = ws[i].tasks.elsz = sizeof(struct lxkns_proc);
        ws[i].fds.elsz = sizeof(struct lxkns_fd);
        ws[i].fails.elsz = sizeof(struct lxkns_failure);
    }
    s->next_pid = 0;
    /* worker 0 runs on the calling thread; the others get their own */
    for (int i = 1; i < workers; i++)
        if (pthread_create(&th[i], NULL, walk_worker, &ws[i]) == 0) started |= 1 << i;
    walk_worker(&ws[0]);
    for (int i = 1; i < workers; i++)
        if (started & (1 << i)) pthread_join(th[i], NULL);
    r = 0;
    for (int i = 0; i < workers; i++) {
        if (!r && ws[i].err) r = ws[i].err;
        if (!r) r = merge_worker(s, &ws[i]);
        worker_free(&ws[i]);
    }
    free(ws);
    free(th);
    return step_result(s, r);
}

/* ------------------------------------------------------------ sockets */

static int cmp_sock(const void *a, const void *b) {
    const struct lxkns_fd *x = a, *y = b;
    if (x->ino != y->ino) return x->ino < y->ino ? -1 : 1;
    if (x->pid != y->pid) return x->pid < y->pid ? -1 : 1;
    return (x->fd > y->fd) - (x->fd < y->fd);
}

static int cmp_sock_pid(const void *a, const void *b) {
    const struct lxkns_socket *x = a, *y = b;
    if (x->pid != y->pid) return x->pid < y->pid ? -1 : 1;
    return (x->fd > y->fd) - (x->fd < y->fd);
}

int lxkns_scan_sockets(struct lxkns_scan *s) {
    if (!(s->flags & LXKNS_SCAN_SOCKETS)) return 0;
    /* one (lowest PID, lowest fd) holder per distinct socket */
    struct vec cand = {.elsz = sizeof(struct lxkns_fd)};
    struct lxkns_fd *fds = s->fds.p;
    for (size_t i = 0; i < s->fds.n; i++)
        if (fds[i].kind == 1) {
            struct lxkns_fd *c = vec_push(&cand);
            if (!c) {
                free(cand.p);
                return step_result(s, -ENOMEM);
            }
            *c = fds[i];
        }
    qsort(cand.p, cand.n, cand.elsz, cmp_sock);
    struct lxkns_fd *cs = cand.p;
    for (size_t i = 0; i < cand.n; i++) {
        if (i && cs[i].ino == cs[i - 1].ino) continue;
        struct lxkns_socket *k = vec_push(&s->socks);
        if (!k) {
            free(cand.p);
            return step_result(s, -ENOMEM);
        }
        *k = (struct lxkns_socket){cs[i].ino, cs[i].pid, cs[i].fd, 0, 0};
    }
    free(cand.p);
    /* then ask, process by process, with one pidfd each */
    struct lxkns_socket *ks = s->socks.p;
    qsort(ks, s->socks.n, sizeof *ks, cmp_sock_pid);
    int pidfd = -1;
    int64_t pidfd_of = 0;
    int pidfd_err = 0;
    struct worker w = {.s = s, .fails = {.elsz = sizeof(struct lxkns_failure)}};
    for (size_t i = 0; i < s->socks.n; i++) {
        struct lxkns_socket *k = &ks[i];
        if (s->features & LXKNS_NO_PIDFD) {
            k->err = ENOSYS;
            continue;
        }
        if (s->strict) { /* the PIDs of a foreign procfs are not PIDs of ours */
            k->err = ESRCH;
            continue;
        }
        if (k->pid != pidfd_of) {
            if (pidfd >= 0) close(pidfd);
            pidfd_of = k->pid;
            pidfd = (int)syscall(SYS_pidfd_open, (pid_t)k->pid, 0);
            pidfd_err = pidfd < 0 ? errno : 0;
            if (pidfd < 0) {
                if (errno == ENOSYS) feature_missing(s, LXKNS_NO_PIDFD);
                else fail_to(&w.fails, LXKNS_FAIL_PIDFD, k->pid, 0, 0, errno);
            }
        }
        if (pidfd < 0) {
            k->err = pidfd_err;
            continue;
        }
        int sfd = (int)syscall(SYS_pidfd_getfd, pidfd, (int)k->fd, 0);
        if (sfd < 0) {
            k->err = errno;
            if (errno == ENOSYS) feature_missing(s, LXKNS_NO_PIDFD);
            else if (errno != EBADF) fail_to(&w.fails, LXKNS_FAIL_GETFD, k->pid, 0, k->fd, errno);
            continue;
        }
        struct stat st;
        if (fstat(sfd, &st) != 0 || !S_ISSOCK(st.st_mode) || (uint64_t)st.st_ino != k->ino) {
            k->err = ESTALE; /* the fd was closed and reused meanwhile */
            close(sfd);
            continue;
        }
        int nfd = (s->features & LXKNS_NO_SIOCGSKNS) ? (errno = ENOTTY, -1) : ioctl(sfd, SIOCGSKNS);
        close(sfd);
        if (nfd < 0) {
            k->err = errno;
            if (errno == ENOTTY) feature_missing(s, LXKNS_NO_SIOCGSKNS);
            else fail_to(&w.fails, LXKNS_FAIL_SKNS, k->pid, 0, (int64_t)k->ino, errno);
            continue;
        }
        k->netns = ns_follow(s, nfd, LXKNS_LINK_NET, LXKNS_ORIGIN_SOCKET);
    }
    if (pidfd >= 0) close(pidfd);
    int r = w.fails.oom ? -ENOMEM : vec_extend(&s->fails, &w.fails);
    free(w.fails.p);
    return step_result(s, r);
}

/* ------------------------------------------------------------ mount namespaces */

struct mountctx {
    struct lxkns_scan *s;
    struct arena buf; /* mountinfo text being parsed */
    int unshared;     /* this thread has its own fs attributes */
    uint64_t inside;  /* the mount namespace this thread is in now */
    uint64_t *ids;    /* listmount() results */
    size_t nids;
    struct lxkns_statmount_buf *sm; /* statmount() buffer */
    size_t smcap;
    struct mount_guard guard; /* of the mount namespace whose bind mounts are being opened */
    int rc;
};

/*
 * An nsfs mount of namespace (t, ino) at `path` (decoded) inside mount namespace
 * `mntns`: record it, and open and query the namespace if it was not seen before.
 * *rootfd == -2 means "this thread is inside that mount namespace": open the path
 * directly; otherwise it is opened below /proc/PID[/task/TID]/root (opened on first use).
 */
static void bind_seen(struct mountctx *m, uint64_t mntns, int64_t t, uint64_t ino, const char *p,
                      size_t plen, int *rootfd, int64_t pid, int64_t tid) {
    struct lxkns_scan *s = m->s;
    if (!(s->link_mask & (1u << t))) return;
    struct lxkns_bindmount *b = vec_push(&s->binds);
    if (!b) {
        m->rc = -ENOMEM;
        return;
    }
    b->mntns = mntns;
    b->link = t;
    b->ino = ino;
    b->err = -1; /* not opened: the namespace was known already */
    if (arena_add(&s->str, p, plen, &b->path_off)) {
        m->rc = -ENOMEM;
        return;
    }
    b->path_len = plen;
    int isnew;
    struct nsent *e = tab_claim(&s->tab, ino, t, LXKNS_ORIGIN_BINDMOUNT, &isnew);
    /* a mount namespace seen only through a thread may be gone when its turn comes:
     * keep this way in as well */
    int spare = e && !isnew && t == LXKNS_LINK_MNT && e->held_fd < 0 && !e->mnt_done &&
                (e->ctx_tid || !e->ctx_pid);
    if (!e || !(isnew || spare)) return;
    char path[PATH_MAX];
    size_t n = plen < sizeof path - 1 ? plen : sizeof path - 1;
    memcpy(path, s->str.p + b->path_off, n);
    path[n] = 0;
    int fd = -1;
    if (*rootfd == -2) { /* this thread is inside the namespace: its root is ours now */
        int r = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (r >= 0) *rootfd = r;
    } else if (*rootfd < 0) {
        char rp[64];
        if (tid)
            snprintf(rp, sizeof rp, "%lld/task/%lld/root", (long long)pid, (long long)tid);
        else
            snprintf(rp, sizeof rp, "%lld/root", (long long)pid);
        *rootfd = openat(s->procfd, rp, O_PATH | O_DIRECTORY | O_CLOEXEC);
    }
    if (*rootfd >= 0) {
        int pfd = open_in_root(s, *rootfd, path, &m->guard);
        fd = pfd >= 0 ? nsfs_from_path(s, pfd) : -1;
    }
    struct stat st;
    if (fd < 0) {
        b->err = errno;
        if (isnew) e->r.open_err = errno;
    } else if (spare) {
        b->err = fstat(fd, &st) == 0 && (uint64_t)st.st_ino == ino ? 0 : ESTALE;
        if (!b->err)
            e->held_fd = fd;
        else
            close(fd);
    } else {
        ns_meta(s, e, fd);
        b->err = e->r.open_err;
        if (t == LXKNS_LINK_MNT && !b->err)
            e->held_fd = fd; /* entered later, if no process shows its view */
        else
            close(fd);
    }
}

/* Which mounts may a walk to a bind mount pass: all but the stall-prone ones of a table,
 * in a mount namespace owned by another user namespace than ours (or by an unknown one). */
static int guard_begin(struct mountctx *m, uint64_t mntns) {
    struct lxkns_scan *s = m->s;
    guard_free(&m->guard);
    struct nsent *e = tab_find(&s->tab, mntns, LXKNS_LINK_MNT);
    m->guard.active = !(e && e->r.owner && e->r.owner == s->self_userns);
    return 0;
}

static int guard_end(struct mountctx *m) {
    if (m->guard.active && m->guard.n) qsort(m->guard.ids, m->guard.n, sizeof(int64_t), cmp_i64);
    return 0;
}

/* Parse a mountinfo text: the guard from its mounts, then its nsfs mounts (see bind_seen). */
static void parse_mountinfo(struct mountctx *m, uint64_t mntns, char *text, size_t len,
                            int *rootfd, int64_t pid, int64_t tid) {
    char *end = text + len;
    struct lxkns_mountinfo_line f;
    guard_begin(m, mntns);
    size_t cap = 0;
    for (char *line = text; m->guard.active && line < end;) {
        char *nl = memchr(line, '\n', (size_t)(end - line));
        if (!nl) nl = end;
        if (!lxkns_parse_mountinfo_line(line, (size_t)(nl - line), &f) &&
            !stall_prone_fstype(line + f.fstype_off, f.fstype_len) &&
            guard_add(&m->guard, &cap, f.mount_id)) {
            m->rc = -ENOMEM;
            return;
        }
        line = nl + 1;
    }
    guard_end(m);
    for (char *line = text; line < end && !m->rc;) {
        char *nl = memchr(line, '\n', (size_t)(end - line));
        if (!nl) nl = end;
        int64_t t;
        uint64_t ino;
        if (!lxkns_parse_mountinfo_line(line, (size_t)(nl - line), &f) && f.fstype_len == 4 &&
            !memcmp(line + f.fstype_off, "nsfs", 4) &&
            !lxkns_parse_nslink(line + f.root_off, f.root_len, &t, &ino)) {
            char *point = line + f.point_off;
            size_t plen = lxkns_unescape_octal(point, f.point_len);
            bind_seen(m, mntns, t, ino, point, plen, rootfd, pid, tid);
        }
        line = nl + 1;
    }
}

static int read_text(struct lxkns_scan *s, struct arena *a, int dirfd, const char *name) {
    a->n = 0;
    uint64_t off;
    ssize_t n = read_procfs_file(s, a, dirfd, name, LXKNS_CAP_MOUNTINFO, &off);
    return n < 0 ? (int)n : 0;
}

/* Enter a mount namespace in this (mount helper) thread; 0 or an errno. */
static int enter_mntns(struct mountctx *m, int fd, uint64_t ino) {
    if (!m->unshared) {
        if (unshare(CLONE_FS) != 0) return errno;
        m->unshared = 1;
    }
    if (setns(fd, CLONE_NEWNS) != 0) return errno;
    m->inside = ino;
    return 0;
}

/* statmount() one mount into m->sm, growing the buffer as needed; 0 or -errno. */
static int stat_mount(struct mountctx *m, uint64_t id, uint64_t mask) {
    for (;;) {
        if (!m->sm) {
            m->smcap = 8192;
            m->sm = malloc(m->smcap);
            if (!m->sm) return -ENOMEM;
        }
        struct lxkns_mnt_id_req req = {.size = LXKNS_MNT_ID_REQ_SIZE_VER0, .mnt_id = id, .param = mask};
        if (syscall(SYS_statmount, &req, m->sm, m->smcap, 0) == 0) return 0;
        if (errno != EOVERFLOW || m->smcap >= (1u << 24)) return -errno;
        free(m->sm);
        m->sm = NULL;
        m->smcap *= 2;
        void *p = malloc(m->smcap);
        if (!p) return -ENOMEM;
        m->sm = p;
    }
}

/* Does this kernel's statmount() give everything a mount record needs? 1 yes, 0 no. */
static int listmount_usable(struct mountctx *m) {
    struct lxkns_scan *s = m->s;
    if (s->features & LXKNS_NO_LISTMOUNT) return 0;
    struct lxkns_mnt_id_req req = {.size = LXKNS_MNT_ID_REQ_SIZE_VER0, .mnt_id = LXKNS_LSMT_ROOT};
    uint64_t id;
    if (syscall(SYS_listmount, &req, &id, 1, 0) == 1) {
        int r = stat_mount(m, id, LXKNS_STATMOUNT_SUPPORTED_MASK);
        if (r == -ENOMEM) return r;
        /* kernels before 6.15 do not say what they support: the mountinfo path serves */
        if (!r && (m->sm->mask & LXKNS_STATMOUNT_SUPPORTED_MASK) &&
            (m->sm->supported_mask & LXKNS_STATMOUNT_WANT) == LXKNS_STATMOUNT_WANT)
            return 1;
    }
    feature_missing(s, LXKNS_NO_LISTMOUNT);
    return 0;
}

static int add_sm_string(struct lxkns_scan *s, struct lxkns_statmount_buf *sm, uint32_t off,
                         uint64_t *o, uint64_t *l) {
    const char *str = sm->str + off;
    size_t len = strnlen(str, sm->size > sizeof *sm + off ? sm->size - sizeof *sm - off : 0);
    *l = len;
    return arena_add(&s->str, str, len, o);
}

/*
 * The mount table of the mount namespace this thread is in, with listmount() and
 * statmount(), as mount records; nsfs mounts go to bind_seen(). Returns 0, or
 * -errno with nothing recorded (the caller falls back to mountinfo).
 */
static int list_mounts(struct mountctx *m, uint64_t mntns) {
    struct lxkns_scan *s = m->s;
    size_t first = s->mounts.n, first_str = s->str.n;
    uint64_t last = 0;
    if (!m->ids) {
        m->nids = 1024;
        m->ids = malloc(m->nids * sizeof *m->ids);
        if (!m->ids) return -ENOMEM;
    }
    for (;;) {
        struct lxkns_mnt_id_req req = {.size = LXKNS_MNT_ID_REQ_SIZE_VER0, .mnt_id = LXKNS_LSMT_ROOT,
                                       .param = last};
        long n = syscall(SYS_listmount, &req, m->ids, m->nids, 0);
        if (n < 0) {
            int err = errno;
            s->mounts.n = first;
            s->str.n = first_str;
            return -err;
        }
        for (long i = 0; i < n; i++) {
            int r = stat_mount(m, m->ids[i], LXKNS_STATMOUNT_WANT);
            if (r == -ENOENT) continue; /* unmounted meanwhile */
            if (r) {
                s->mounts.n = first;
                s->str.n = first_str;
                return r;
            }
            struct lxkns_statmount_buf *sm = m->sm;
            if (!(sm->mask & LXKNS_STATMOUNT_MNT_POINT)) continue; /* not below our root */
            struct lxkns_mount *rec = vec_push(&s->mounts);
            if (!rec) return -ENOMEM;
            rec->mntns = mntns;
            rec->mount_id = sm->mnt_id_old;
            rec->parent_id = sm->mnt_parent_id_old;
            rec->major = sm->sb_dev_major;
            rec->minor = sm->sb_dev_minor;
            rec->attr = sm->mnt_attr;
            rec->propagation = sm->mnt_propagation;
            rec->peer_group = sm->mnt_peer_group;
            rec->master = sm->mnt_master;
            rec->propagate_from = sm->propagate_from;
            rec->sb_flags = sm->sb_flags;
            rec->unique_id = sm->mnt_id;
            int bad = add_sm_string(s, sm, sm->mnt_root, &rec->root_off, &rec->root_len) ||
                      add_sm_string(s, sm, sm->mnt_point, &rec->point_off, &rec->point_len) ||
                      add_sm_string(s, sm, sm->fs_type, &rec->fstype_off, &rec->fstype_len);
            if (!bad && (sm->mask & LXKNS_STATMOUNT_FS_SUBTYPE)) {
                rec->has |= LXKNS_HAS_SUBTYPE;
                bad = add_sm_string(s, sm, sm->fs_subtype, &rec->subtype_off, &rec->subtype_len);
            }
            if (!bad && (sm->mask & LXKNS_STATMOUNT_SB_SOURCE)) {
                rec->has |= LXKNS_HAS_SOURCE;
                bad = add_sm_string(s, sm, sm->sb_source, &rec->source_off, &rec->source_len);
            }
            if (!bad && (sm->mask & LXKNS_STATMOUNT_MNT_OPTS)) {
                rec->has |= LXKNS_HAS_OPTS;
                bad = add_sm_string(s, sm, sm->mnt_opts, &rec->opts_off, &rec->opts_len);
            }
            if (bad) return -ENOMEM;
        }
        if ((size_t)n < m->nids) break;
        last = m->ids[n - 1];
    }
    /* nsfs mounts: bind-mounted namespaces (we are inside: paths start at our root) */
    guard_begin(m, mntns);
    size_t cap = 0;
    for (size_t i = first; i < s->mounts.n && m->guard.active; i++) {
        struct lxkns_mount *rec = (struct lxkns_mount *)s->mounts.p + i;
        if (!stall_prone_fstype(s->str.p + rec->fstype_off, rec->fstype_len) &&
            guard_add(&m->guard, &cap, rec->mount_id))
            return -ENOMEM;
    }
    guard_end(m);
    int rootfd = -2;
    for (size_t i = first; i < s->mounts.n && !m->rc; i++) {
        struct lxkns_mount *rec = (struct lxkns_mount *)s->mounts.p + i;
        const char *fstype = s->str.p + rec->fstype_off;
        int64_t t;
        uint64_t ino;
        if (rec->fstype_len == 4 && !memcmp(fstype, "nsfs", 4) &&
            !lxkns_parse_nslink(s->str.p + rec->root_off, rec->root_len, &t, &ino)) {
            /* bind_seen adds to the string arena: copy the path out first */
            char path[PATH_MAX];
            size_t plen = rec->point_len < sizeof path ? rec->point_len : sizeof path - 1;
            memcpy(path, s->str.p + rec->point_off, plen);
            bind_seen(m, mntns, t, ino, path, plen, &rootfd, 0, 0);
        }
    }
    if (rootfd >= 0) close(rootfd);
    return 0;
}

/* An fd of a mount namespace to enter (held, or opened through its process or fd). */
static int mntns_fd(struct lxkns_scan *s, struct nsent *e, int *owned) {
    *owned = 0;
    if (e->held_fd >= 0) return e->held_fd;
    char path[96];
    if (e->ctx_pid && e->ctx_tid)
        snprintf(path, sizeof path, "%lld/task/%lld/ns/mnt", (long long)e->ctx_pid,
                 (long long)e->ctx_tid);
    else if (e->ctx_pid)
        snprintf(path, sizeof path, "%lld/ns/mnt", (long long)e->ctx_pid);
    else if (e->fd_pid)
        snprintf(path, sizeof path, "%lld/fd/%lld", (long long)e->fd_pid, (long long)e->fd_fd);
    else
        return -1;
    int fd = open_nsfs_at(s, s->procfd, path);
    struct stat st;
    if (fd >= 0 && (fstat(fd, &st) != 0 || (uint64_t)st.st_ino != e->r.ino)) {
        close(fd); /* the process ended and its PID was reused */
        return -1;
    }
    *owned = fd >= 0;
    return fd;
}

/* Try listmount() for a mount namespace, from inside it; 1 if that worked. */
static int mount_one_listed(struct mountctx *m, struct nsent *e, struct lxkns_mntns *rec) {
    if (m->inside != e->r.ino) {
        int owned;
        int fd = mntns_fd(m->s, e, &owned);
        if (fd < 0) return 0;
        int err = enter_mntns(m, fd, e->r.ino);
        if (owned) close(fd);
        if (err) return 0; /* not allowed: mountinfo shows it, if anything does */
        if (fd == e->held_fd) {
            close(fd);
            e->held_fd = -1;
        }
    }
    int r = list_mounts(m, e->r.ino);
    if (r == -ENOMEM) m->rc = r;
    if (r == -ENOSYS) feature_missing(m->s, LXKNS_NO_LISTMOUNT);
    if (r) return 0;
    rec->method = LXKNS_VIA_LISTMOUNT;
    return 1;
}

static void mount_one(struct mountctx *m, struct nsent *e) {
    struct lxkns_scan *s = m->s;
    struct lxkns_mntns *rec = vec_push(&s->mntnss);
    if (!rec) {
        m->rc = -ENOMEM;
        return;
    }
    size_t at = s->mntnss.n - 1; /* bind_seen may not grow mntnss, but keep to indices */
    rec->ino = e->r.ino;
    if ((s->flags & LXKNS_SCAN_LISTMOUNT) && !(s->features & LXKNS_NO_LISTMOUNT)) {
        if (mount_one_listed(m, e, rec) || m->rc) return;
        rec = (struct lxkns_mntns *)s->mntnss.p + at;
    }
    int rootfd = -1;
    char path[64];
    int r;
    int entered = m->inside == e->r.ino && m->unshared;
    if (!entered && e->ctx_pid) {
        rec->pid = e->ctx_pid;
        rec->tid = e->ctx_tid;
        if (e->ctx_tid)
            snprintf(path, sizeof path, "%lld/task/%lld/mountinfo", (long long)e->ctx_pid,
                     (long long)e->ctx_tid);
        else
            snprintf(path, sizeof path, "%lld/mountinfo", (long long)e->ctx_pid);
        r = read_text(s, &m->buf, s->procfd, path);
        if (r && (r == -ENOENT || r == -ESRCH) && (e->held_fd >= 0 || e->fd_pid)) {
            rec->pid = rec->tid = 0; /* it ended meanwhile: enter the namespace instead */
            e->ctx_pid = e->ctx_tid = 0;
        } else if (r) {
            rec->err = -r;
            scan_fail(s, LXKNS_FAIL_MOUNTINFO, e->ctx_pid, e->ctx_tid, (int64_t)e->r.ino, -r);
            goto done;
        }
    }
    if (!entered && !e->ctx_pid) {
        int fd = e->held_fd;
        if (fd < 0 && e->fd_pid) {
            snprintf(path, sizeof path, "%lld/fd/%lld", (long long)e->fd_pid, (long long)e->fd_fd);
            fd = open_nsfs_at(s, s->procfd, path);
        }
        e->held_fd = -1;
        if (fd < 0) {
            rec->err = e->fd_pid || e->r.open_err ? (e->r.open_err ? e->r.open_err : errno) : ENOENT;
            scan_fail(s, LXKNS_FAIL_SETNS, 0, 0, (int64_t)e->r.ino, (int)rec->err);
            goto done;
        }
        int was_unshared = m->unshared;
        int err = enter_mntns(m, fd, e->r.ino);
        close(fd);
        if (err) {
            rec->err = err;
            scan_fail(s, m->unshared == was_unshared && !was_unshared ? LXKNS_FAIL_UNSHARE
                                                                       : LXKNS_FAIL_SETNS,
                      0, 0, (int64_t)e->r.ino, err);
            goto done;
        }
        entered = 1;
    }
    if (entered) {
        rec->pid = rec->tid = 0;
        rootfd = -2;
        /* our own procfs, opened before this thread moved: its paths lead elsewhere now */
        char own[64];
        snprintf(own, sizeof own, "task/%ld/mountinfo", (long)syscall(SYS_gettid));
        m->buf.n = 0;
        uint64_t off;
        int fd = openat(s->selfdir, own, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        ssize_t n = fd < 0 ? -errno : arena_read_fd(&m->buf, fd, LXKNS_CAP_MOUNTINFO, &off);
        r = n < 0 ? (int)n : 0;
        if (r) {
            rec->err = -r;
            scan_fail(s, LXKNS_FAIL_MOUNTINFO, 0, 0, (int64_t)e->r.ino, -r);
            goto done;
        }
    }
    if (s->flags & LXKNS_SCAN_KEEP_MOUNTINFO) {
        if (arena_add(&s->str, m->buf.p, m->buf.n, &rec->text_off)) {
            m->rc = -ENOMEM;
            goto done;
        }
        rec->text_len = m->buf.n;
    }
    parse_mountinfo(m, e->r.ino, m->buf.p, m->buf.n, &rootfd, entered ? 0 : e->ctx_pid,
                    entered ? 0 : e->ctx_tid);
done:
    if (rootfd >= 0) close(rootfd);
}

/* the name of the mount helper thread: a thread of another discovery that happens to
 * be inside some mount namespace is no process to read that namespace through */
#define MOUNT_THREAD_NAME "lxkns-mntns"

static void *mount_worker(void *arg) {
    struct mountctx *m = arg;
    pthread_setname_np(pthread_self(), MOUNT_THREAD_NAME);
    struct nstab *t = &m->s->tab;
    char link[64];
    ssize_t l = readlinkat(m->s->procfd, "thread-self/ns/mnt", link, sizeof link);
    int64_t type;
    if (l > 0) lxkns_parse_nslink(link, (size_t)l, &type, &m->inside);
    if ((m->s->flags & LXKNS_SCAN_LISTMOUNT) && listmount_usable(m) < 0) m->rc = -ENOMEM;
    int progress = 1;
    while (progress && !m->rc) {
        progress = 0;
        for (size_t i = 0; i < t->n && !m->rc; i++) {
            struct nsent *e = ent_at(t, i);
            if (e->r.link != LXKNS_LINK_MNT || e->mnt_done) continue;
            e->mnt_done = 1;
            progress = 1;
            mount_one(m, e);
        }
    }
    return NULL;
}

/* Pick, for every mount namespace, the oldest process (else thread) that shows its view. */
static void assign_mount_contexts(struct lxkns_scan *s) {
    struct lxkns_proc *ps = s->procs.p;
    for (size_t i = 0; i < s->procs.n; i++) {
        struct nsent *e = tab_find(&s->tab, ps[i].ns[LXKNS_LINK_MNT], LXKNS_LINK_MNT);
        if (!e) continue;
        if (!e->ctx_pid || e->ctx_tid || ps[i].starttime < e->ctx_start ||
            (ps[i].starttime == e->ctx_start && ps[i].pid < e->ctx_pid)) {
            e->ctx_pid = ps[i].pid;
            e->ctx_tid = 0;
            e->ctx_start = ps[i].starttime;
        }
    }
    struct lxkns_proc *ts = s->tasks.p;
    for (size_t i = 0; i < s->tasks.n; i++) {
        struct nsent *e = tab_find(&s->tab, ts[i].ns[LXKNS_LINK_MNT], LXKNS_LINK_MNT);
        if (!e || (e->ctx_pid && !e->ctx_tid)) continue;
        if (ts[i].comm_len == strlen(MOUNT_THREAD_NAME) &&
            !memcmp(s->str.p + ts[i].comm_off, MOUNT_THREAD_NAME, ts[i].comm_len))
            continue;
        if (!e->ctx_pid || ts[i].starttime < e->ctx_start ||
            (ts[i].starttime == e->ctx_start && ts[i].pid < e->ctx_tid)) {
            e->ctx_pid = ts[i].tgid;
            e->ctx_tid = ts[i].pid;
            e->ctx_start = ts[i].starttime;
        }
    }
}

int lxkns_scan_mounts(struct lxkns_scan *s) {
    assign_mount_contexts(s);
    struct mountctx m = {.s = s};
    pthread_t th;
    /* a thread of its own: it may unshare(CLONE_FS) and setns() freely, then ends */
    int r = pthread_create(&th, NULL, mount_worker, &m);
    if (r) return -r;
    pthread_join(th, NULL);
    guard_free(&m.guard);
    free(m.buf.p);
    free(m.ids);
    free(m.sm);
    r = step_result(s, m.rc ? m.rc : m.buf.oom ? -ENOMEM : 0);
    /* held fds of mount namespaces that had a process after all */
    for (size_t i = 0; i < s->tab.n; i++) {
        struct nsent *e = ent_at(&s->tab, i);
        if (e->held_fd >= 0) {
            close(e->held_fd);
            e->held_fd = -1;
        }
    }
    return r;
}

/* ------------------------------------------------------------ life cycle */

struct lxkns_scan *lxkns_scan_new(const char *procfs, uint64_t flags, uint64_t link_mask) {
    struct lxkns_scan *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->procfs = strdup(procfs);
    s->procfd = open(procfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (!s->procfs || s->procfd < 0) {
        int err = errno;
        if (s->procfd >= 0) close(s->procfd);
        free(s->procfs);
        free(s);
        errno = err ? err : ENOMEM;
        return NULL;
    }
    s->flags = flags;
    s->link_mask = link_mask & ((1u << LXKNS_NLINKS) - 1);
    pthread_mutex_init(&s->tab.mu, NULL);
    pthread_mutex_init(&s->fail_mu, NULL);
    s->procs.elsz = s->tasks.elsz = sizeof(struct lxkns_proc);
    s->fds.elsz = sizeof(struct lxkns_fd);
    s->socks.elsz = sizeof(struct lxkns_socket);
    s->mntnss.elsz = sizeof(struct lxkns_mntns);
    s->mounts.elsz = sizeof(struct lxkns_mount);
    s->binds.elsz = sizeof(struct lxkns_bindmount);
    s->nss.elsz = sizeof(struct lxkns_ns);
    s->fails.elsz = sizeof(struct lxkns_failure);
    s->strict = (flags & LXKNS_SCAN_FOREIGN) != 0;
    /* our own procfs, whatever procfs is scanned: fds are reopened through it */
    s->selfdir = open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (s->selfdir < 0 && !s->strict) /* no /proc here, but the procfs scanned is ours */
        s->selfdir = openat(s->procfd, "self", O_PATH | O_DIRECTORY | O_CLOEXEC);
    struct stat st;
    if (fstatat(s->selfdir, "ns/net", &st, 0) == 0) s->nsfs_dev = (uint64_t)st.st_dev;
    char link[64];
    int64_t t;
    ssize_t l = readlinkat(s->selfdir, "ns/user", link, sizeof link);
    if (l > 0) lxkns_parse_nslink(link, (size_t)l, &t, &s->self_userns);
    l = readlinkat(s->procfd, "self/ns/pid", link, sizeof link);
    if (l > 0) lxkns_parse_nslink(link, (size_t)l, &t, &s->self_pidns);
    return s;
}

/* Treat kernel features as missing (LXKNS_NO_* bits): for tests of the fallbacks, and for
 * hosts where a feature misbehaves. */
void lxkns_scan_assume_missing(struct lxkns_scan *s, uint64_t bits) { s->features |= bits; }

/* 0, or the -errno that made some records impossible to keep (-ENOMEM): a scan with it set
 * is incomplete and must not be used. */
int lxkns_scan_status(struct lxkns_scan *s) { return s->err; }

void lxkns_scan_free(struct lxkns_scan *s) {
    if (!s) return;
    for (size_t i = 0; i < s->tab.n; i++) {
        struct nsent *e = ent_at(&s->tab, i);
        if (e->held_fd >= 0) close(e->held_fd);
    }
    for (size_t i = 0; i < s->tab.nchunks; i++) free(s->tab.chunks[i]);
    free(s->tab.chunks);
    free(s->tab.slots);
    pthread_mutex_destroy(&s->tab.mu);
    pthread_mutex_destroy(&s->fail_mu);
    struct vec *vs[] = {&s->procs, &s->tasks, &s->fds,   &s->socks, &s->mntnss,
                        &s->binds, &s->nss,   &s->fails, &s->mounts};
    for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++) free(vs[i]->p);
    free(s->str.p);
    free(s->pids);
    if (s->procfd >= 0) close(s->procfd);
    if (s->selfdir >= 0) close(s->selfdir);
    free(s->procfs);
    free(s);
}

#define GETTER(fn, field, type)                                \
    size_t fn(struct lxkns_scan *s, type **out) {              \
        *out = s->field.p;                                     \
        return s->field.n;                                     \
    }
GETTER(lxkns_scan_procs, procs, struct lxkns_proc)
GETTER(lxkns_scan_tasks, tasks, struct lxkns_proc)
GETTER(lxkns_scan_fds, fds, struct lxkns_fd)
GETTER(lxkns_scan_socks, socks, struct lxkns_socket)
GETTER(lxkns_scan_mntnss, mntnss, struct lxkns_mntns)
GETTER(lxkns_scan_mounts_list, mounts, struct lxkns_mount)
GETTER(lxkns_scan_bindmounts, binds, struct lxkns_bindmount)
GETTER(lxkns_scan_failures, fails, struct lxkns_failure)

size_t lxkns_scan_nss(struct lxkns_scan *s, struct lxkns_ns **out) {
    s->nss.n = 0;
    for (size_t i = 0; i < s->tab.n; i++) {
        struct lxkns_ns *r = vec_push(&s->nss);
        if (!r) { /* lxkns_scan_status() says so */
            step_result(s, -ENOMEM);
            break;
        }
        *r = ent_at(&s->tab, i)->r;
    }
    *out = s->nss.p;
    return s->nss.n;
}

size_t lxkns_scan_strings(struct lxkns_scan *s, char **out) {
    *out = s->str.p;
    return s->str.n;
}

uint64_t lxkns_scan_features(struct lxkns_scan *s) { return s->features; }
uint64_t lxkns_scan_nsfs_dev(struct lxkns_scan *s) { return s->nsfs_dev; }
uint64_t lxkns_scan_self_pidns(struct lxkns_scan *s) { return s->self_pidns; }

/* ------------------------------------------------------------ sandbox process */

#ifndef SYS_close_range
#define SYS_close_range 436
#endif

/*
 * Fork a child that enters user namespace `userns_fd` (if >= 0) and then mount
 * namespace `mntns_fd`, and stays there until the pipe *hold_fd closes (the caller
 * closes it, or ends). Its /proc/PID/root then shows that mount namespace. A
 * single-threaded child is what setns() into a user namespace requires.
 *
 * A root inside those namespaces must not reach our process through the child: it
 * is made non-dumpable before the first setns() (no ptrace, no /proc/PID/fd, no
 * pidfd_getfd() for anyone without CAP_SYS_PTRACE where it started), and it keeps no
 * fd of ours but the ones it needs: /dev/null on 0-2 (opened before it moves), its
 * status socket and the two namespaces until it has entered them, then only its end of
 * the hold pipe (on fd 3). It hands its new root back as an fd (*root_fd): a
 * non-dumpable process' /proc/PID/root is closed to callers without CAP_SYS_PTRACE.
 *
 * Between fork and _exit the child makes async-signal-safe calls only: it may be
 * forked from any thread of a multi-threaded process.
 * Returns 0 with *pid, *hold_fd and *root_fd set, or -errno; *step says what failed
 * (1 entering the user namespace, 2 the mount namespace, 3 opening its root; 0 none).
 */

/* In the child: move fds to 3, 4, ... (in order) and close every other fd above 2. */
static int sandbox_keep_only(int *fds, int n, long maxfd) {
    for (int i = 0; i < n; i++) { /* first out of the way of 3.., then down to them */
        if (fds[i] < 0) continue;
        int high = fcntl(fds[i], F_DUPFD, 64);
        if (high < 0) return -1;
        fds[i] = high;
    }
    for (int i = 0; i < n; i++) {
        if (fds[i] < 0) {
            close(3 + i); /* whatever was there */
            continue;
        }
        if (dup2(fds[i], 3 + i) < 0) return -1;
        fds[i] = 3 + i;
    }
    if (syscall(SYS_close_range, 3 + n, ~0U, 0) != 0)
        for (long fd = 3 + n; fd < maxfd; fd++) close((int)fd);
    return 0;
}

/* In the child: the outcome (res) and, on success, its new root as an fd (SCM_RIGHTS). */
static void sandbox_report(int sock, const int res[2], int rootfd) {
    struct iovec iov = {.iov_base = (void *)res, .iov_len = 2 * sizeof(int)};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } ctl;
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    if (rootfd >= 0) {
        memset(&ctl, 0, sizeof ctl);
        msg.msg_control = ctl.buf;
        msg.msg_controllen = sizeof ctl.buf;
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &rootfd, sizeof(int));
    }
    ssize_t w;
    do w = sendmsg(sock, &msg, MSG_NOSIGNAL);
    while (w < 0 && errno == EINTR);
}

static void sandbox_child(int userns_fd, int mntns_fd, int status_w, int hold_r, long maxfd) {
    int res[2] = {0, 0};
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
    }
    int keep[4] = {status_w, hold_r, userns_fd, mntns_fd};
    if (sandbox_keep_only(keep, 4, maxfd) != 0) _exit(68);
    if (keep[2] >= 0 && setns(keep[2], CLONE_NEWUSER)) {
        res[0] = errno;
        res[1] = 1;
    } else if (setns(keep[3], CLONE_NEWNS)) {
        res[0] = errno;
        res[1] = 2;
    }
    /* a change of credentials may reset it to the system's suid_dumpable: set it again */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    if (keep[2] >= 0) close(keep[2]);
    close(keep[3]);
    /* the root goes to the caller as an fd: a non-dumpable child's /proc/PID/root is
     * closed to callers without CAP_SYS_PTRACE */
    int rootfd = res[0] ? -1 : open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (!res[0] && rootfd < 0) {
        res[0] = errno;
        res[1] = 3;
    }
    sandbox_report(keep[0], res, rootfd);
    close(keep[0]);
    if (res[0]) _exit(66);
    close(rootfd);
    if (dup2(keep[1], 3) < 0) _exit(67); /* it was on 4: down to 3, the rest closed */
    close(4);
    char c;
    ssize_t r;
    do r = read(3, &c, 1);
    while (r < 0 && errno == EINTR);
    _exit(0);
}

/* In the parent: the child's outcome, and its root fd (-1 if none came). */
static ssize_t sandbox_outcome(int sock, int res[2], int *rootfd) {
    struct iovec iov = {.iov_base = res, .iov_len = 2 * sizeof(int)};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } ctl;
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
                         .msg_controllen = sizeof ctl.buf};
    ssize_t r;
    do r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    while (r < 0 && errno == EINTR);
    *rootfd = -1;
    if (r < 0) return r;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
            c->cmsg_len == CMSG_LEN(sizeof(int)))
            memcpy(rootfd, CMSG_DATA(c), sizeof(int));
    return r;
}

int lxkns_sandbox_start(int userns_fd, int mntns_fd, int64_t *pid, int *hold_fd, int *root_fd,
                        int *step) {
    int status[2], hold[2];
    *step = 0;
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, status)) return -errno;
    if (pipe2(hold, O_CLOEXEC)) {
        int err = errno;
        close(status[0]);
        close(status[1]);
        return -err;
    }
    long maxfd = sysconf(_SC_OPEN_MAX);
    if (maxfd < 0 || maxfd > 65536) maxfd = 65536;
    pid_t child = fork();
    if (child == 0) sandbox_child(userns_fd, mntns_fd, status[1], hold[0], maxfd);
    int err = child < 0 ? errno : 0;
    close(status[1]);
    close(hold[0]);
    if (err) {
        close(status[0]);
        close(hold[1]);
        return -err;
    }
    int res[2] = {0, 0}, rootfd = -1;
    ssize_t r = sandbox_outcome(status[0], res, &rootfd);
    close(status[0]);
    if (r != (ssize_t)(2 * sizeof(int)) || res[0] || rootfd < 0) {
        if (rootfd >= 0) close(rootfd);
        close(hold[1]);
        while (waitpid(child, NULL, 0) < 0 && errno == EINTR) {
        }
        *step = res[1];
        return -(res[0] ? res[0] : ECHILD);
    }
    *pid = child;
    *hold_fd = hold[1];
    *root_fd = rootfd;
    return 0;
}
