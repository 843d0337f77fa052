/*
 * core.h -- what the C units of the scanner share among themselves: kernel
 * constants older headers lack, growable storage, the namespace table, the
 * scan state, and the functions one unit offers the others.
 *
 * Everything here is internal: the module is built with -fvisibility=hidden,
 * so none of these names leaves the shared object. Python sees only what
 * lxkns_native.h declares.
 *
 * Rules for every unit: every failure becomes a failure record or a negative
 * errno return, nothing is printed, every fd opened is closed before a call
 * returns, and every allocation is released by lxkns_scan_free().
 */
#ifndef LXKNS_CORE_H
#define LXKNS_CORE_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <linux/nsfs.h>
#include <linux/openat2.h>
#include <linux/sockios.h>

#include "lxkns_native.h"

#ifdef LXKNS_FAULT_INJECTION
/*
 * Test builds only (tests/test_faults.py): the allocation that brings the countdown to
 * zero fails, once, wherever in the scanner it is; -1 (the start) injects nothing. Every
 * allocation of the scanner goes through these, so a test can fail each one in turn.
 * The counters live in scan.c.
 */
#include <stdlib.h>
#include <string.h>
extern long lxkns_fault_countdown;
extern long lxkns_fault_allocations;

static inline int lxkns_fault_fires(void) {
    __atomic_add_fetch(&lxkns_fault_allocations, 1, __ATOMIC_RELAXED);
    if (__atomic_load_n(&lxkns_fault_countdown, __ATOMIC_RELAXED) <= 0) return 0;
    return __atomic_sub_fetch(&lxkns_fault_countdown, 1, __ATOMIC_RELAXED) == 0;
}
static inline void *lxkns_fault_null(void) {
    errno = ENOMEM;
    return NULL;
}
static inline void *lxkns_fault_malloc(size_t n) {
    return lxkns_fault_fires() ? lxkns_fault_null() : malloc(n);
}
static inline void *lxkns_fault_calloc(size_t n, size_t m) {
    return lxkns_fault_fires() ? lxkns_fault_null() : calloc(n, m);
}
static inline void *lxkns_fault_realloc(void *p, size_t n) {
    return lxkns_fault_fires() ? lxkns_fault_null() : realloc(p, n);
}
static inline char *lxkns_fault_strdup(const char *s) {
    return lxkns_fault_fires() ? lxkns_fault_null() : strdup(s);
}
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
#ifndef NS_GET_ID
/* kernel 6.18: the namespace's 64-bit ID, never reused (_IOR(NSIO, 13, __u64)) */
#define NS_GET_ID _IOR(NSIO, 13, uint64_t)
#endif

#define NTYPES 8

/* the name of the mount helper thread: a thread of another discovery that happens to
 * be inside some mount namespace is no process to read that namespace through */
#define MOUNT_THREAD_NAME "lxkns-mntns"

extern const char *const lx_type_names[NTYPES];
extern const char *const lx_link_paths[LXKNS_NLINKS];
extern const int lx_link_type[LXKNS_NLINKS]; /* the namespace type behind each link */

/* ------------------------------------------------------------ store.c: growable storage */

/* A failed allocation sets `oom` (vec, arena, namespace table): the scan step that met
 * it returns -ENOMEM, so that no scan that lost records passes for complete. */
struct vec {
    void *p;
    size_t n, cap, elsz;
    int oom;
};

struct arena {
    char *p;
    size_t n, cap;
    int oom;
};

void *vec_push(struct vec *v);                       /* a zeroed new element, NULL if out of memory */
int vec_extend(struct vec *v, const struct vec *w); /* 0 or -ENOMEM */
int arena_reserve(struct arena *a, size_t more);    /* 0 or -ENOMEM */
int arena_add(struct arena *a, const char *s, size_t len, uint64_t *off);
/* How a file is read to its end. A procfs file made by one show() (stat, status, cgroup;
 * cmdline reads the whole argument area) hands out all it has in one read() large enough,
 * so a read that comes back short is its end; a table of many records (mountinfo) may come
 * in short pieces and is read until read() returns 0. */
enum lx_read { LX_READ_TO_EOF, LX_READ_ONE_SHOW };
/* an open fd read to its end into the arena, at most cap bytes (-EFBIG beyond), fd closed:
 * its length or -errno */
ssize_t arena_read_fd(struct arena *a, int fd, size_t cap, enum lx_read how, uint64_t *off);

/* ------------------------------------------------------------ dirents.c: directory entries */

/* A directory being listed; the fd stays the caller's (open and closed by it). */
struct lx_dir {
    int fd, err; /* err: the errno that ended the listing early, else 0 */
    long n, pos;
    char buf[16384] __attribute__((aligned(8)));
};

void lx_dir_init(struct lx_dir *d, int fd);
/* the next entry's name ("." and ".." included), NULL at the end or on an error (d->err) */
const char *lx_dir_next(struct lx_dir *d);

/* ------------------------------------------------------------ texts.c: interned strings */

struct texts {
    struct arena *str; /* where the bytes live */
    struct vec spans;  /* struct lxkns_text; text 0 is "" */
    uint32_t *slots;   /* index + 1 of the text in each hash slot, 0 = free */
    size_t nslots;
};

int texts_init(struct texts *t, struct arena *str); /* 0 or -ENOMEM */
/* the index of this text, added if new; -ENOMEM */
int64_t texts_intern(struct texts *t, const char *p, size_t len);
void texts_free(struct texts *t);

/* ------------------------------------------------------------ parse.c */

int parse_u64(const char *s, size_t len, uint64_t *out);
int parse_i64(const char *s, size_t len, int64_t *out);

/* ------------------------------------------------------------ nstab.c: the namespace table */

struct nsent {
    struct lxkns_ns r;
    int64_t ctx_pid, ctx_tid, ctx_start; /* mount namespaces: whose view to read */
    int64_t fd_pid, fd_fd;               /* first fd that holds it */
    int held_fd;                         /* open fd of a bind-mounted mount namespace */
    int mnt_done;
};

#define CHUNK 1024

struct nstab {
    struct nsent **chunks; /* entries never move: pointers to them stay valid */
    size_t nchunks, n;
    int32_t *slots;
    size_t nslots;
    int oom;
    pthread_mutex_t mu;
};

struct nsent *ent_at(struct nstab *t, size_t i);
/* look up without locking; callers hold the lock or run alone */
struct nsent *tab_find(struct nstab *t, uint64_t ino, int64_t type);
/* find or add a namespace (locking); *isnew tells whether this call added it */
struct nsent *tab_claim(struct nstab *t, uint64_t ino, int64_t type, int64_t origin, int *isnew);
void tab_free(struct nstab *t);

/* ------------------------------------------------------------ scan.c: the scan state */

struct lxkns_scan {
    char *procfs;
    int procfd;
    int selfdir; /* /proc/self of our own procfs (O_PATH): where fds are reopened */
    int strict;  /* procfs is not our own: check every file before reading it */
    uint64_t flags, link_mask;
    uint64_t nsfs_dev;
    uint64_t self_pidns;
    uint64_t self_userns; /* mount namespaces owned by another user namespace are guarded */
    uint64_t features;    /* LXKNS_NO_* bits, updated atomically */
    int err;              /* sticky: -ENOMEM once any record could not be stored */
    struct nstab tab;
    struct vec procs, tasks, fds, socks, mntnss, binds, nss, fails, mounts;
    struct arena str;
    struct texts texts; /* the walk's texts, in str */
    pthread_mutex_t fail_mu;
    /* the steps after the walk, in a thread of their own (lxkns_scan_finish_start) */
    pthread_t finisher;
    int finishing; /* started and not joined yet */
    int finish_mounts, finish_rc;
};

/* The PIDs of a walk, listed while the workers already take them: in chunks that never
 * move (4096 PIDs each; PID_MAX_LIMIT is 4M), published by `listed` as they come. */
#define LX_PID_CHUNK 4096
#define LX_PID_CHUNKS 1024
struct pidlist {
    int *chunk[LX_PID_CHUNKS];
    size_t listed; /* PIDs published (release/acquire) */
    size_t next;   /* atomic cursor of the workers */
    int done;      /* the listing ended (under mu) */
    int err;       /* ... with this -errno: the walk fails */
    pthread_mutex_t mu;
    pthread_cond_t more;
};

/* the per-thread state of a /proc walker */
struct worker {
    struct lxkns_scan *s;
    struct pidlist *pids;
    struct vec procs, tasks, fds, fails;
    struct arena str;    /* the texts of this worker's records */
    struct texts texts;  /* ... interned, in str (merged into the scan's at the end) */
    struct arena buf;    /* a file being read */
    uint64_t recent[LXKNS_NLINKS]; /* last inode seen per link: skips most table look-ups */
    int own;             /* walking our own process (see passing.c) */
    int err;
};

void feature_missing(struct lxkns_scan *s, uint64_t bit);
void fail_to(struct vec *v, int64_t what, int64_t pid, int64_t tid, int64_t arg, int err);
void scan_fail(struct lxkns_scan *s, int64_t what, int64_t pid, int64_t tid, int64_t arg, int err);
/* what a scan step returns: its own error, else -ENOMEM if a record was lost (kept for
 * lxkns_scan_status) */
int step_result(struct lxkns_scan *s, int r);

/* ------------------------------------------------------------ safeopen.c: what others control */

/* errnos of what the host put in the way (Python words them in diagnostics) */
#define LXKNS_EWRONGTYPE EMEDIUMTYPE /* not a namespace file, not a regular file */
#define LXKNS_ESTALL EREMOTE         /* below a mount whose server could stall us (FUSE) */

/* This thread's /proc/thread-self (O_PATH), where its fds are reopened, if it has an fd table
 * of its own (a walk worker: see walk.c); -1 on all other threads, which reopen through the
 * scan's /proc/self (the table they share with the thread group's leader). */
extern __thread int lx_thread_selfdir;

/* size caps of what is read from a procfs (a foreign one may hand out anything) */
#define LXKNS_CAP_PROCFILE (16u << 20) /* cmdline, cgroup, status */
#define LXKNS_CAP_MOUNTINFO (256u << 20)

/* What the kernel has cached about an fd: no request to a FUSE server. */
struct quickstat {
    uint64_t dev, ino, mnt_id;
    uint32_t mode;
    int has_mnt_id;
};

int quick_stat(int fd, struct quickstat *q); /* 0 or -1 with errno */
/* an O_PATH fd of what should be a namespace file -> an fd to query or enter it; -1 with
 * errno LXKNS_EWRONGTYPE if it is anything else. Consumes pathfd. */
int nsfs_from_path(struct lxkns_scan *s, int pathfd);
/* a namespace link or file below dirfd (ns/net, fd/7): never anything else opened */
int open_nsfs_at(struct lxkns_scan *s, int dirfd, const char *name);
/* a file of a procfs for reading, never blocking; in a foreign procfs only a regular file */
int open_procfs_file(struct lxkns_scan *s, int dirfd, const char *name);
/* a procfs file into the arena, at most cap bytes: its length or -errno */
ssize_t read_procfs_file(struct lxkns_scan *s, struct arena *a, int dirfd, const char *name,
                         size_t cap, enum lx_read how, uint64_t *off);
/* a small procfs file of one show() (LX_READ_ONE_SHOW) into buf (at most cap bytes): 0 or -errno */
int read_small(struct lxkns_scan *s, int dirfd, const char *name, char *buf, size_t cap,
               size_t *len);

/* ------------------------------------------------------------ inroot.c: the resolver */

/*
 * The mounts a walk may pass in a mount namespace owned by another user namespace: every
 * mount of its table but FUSE ones (their server is whoever mounted them) and overlays
 * (their layers may lie on FUSE). A mount not in the table (made after it was read) is
 * refused too.
 */
struct mount_guard {
    int64_t *ids; /* sorted by guard_done */
    size_t n, cap;
    int active;
};

/* can a filesystem type stall a lookup (its server lives in user space)? */
int stall_prone_fstype(const char *t, size_t n);
int guard_add(struct mount_guard *g, int64_t id); /* 0 or -ENOMEM */
void guard_done(struct mount_guard *g);           /* all added: sort for look-ups */
void guard_free(struct mount_guard *g);
/* the one root-confined resolver of the scanner: an O_PATH fd of `path` below `rootfd`
 * (openat2 RESOLVE_IN_ROOT where the kernel has it and no guard is active, else a walk
 * component by component), or -1 with errno */
int open_in_root(struct lxkns_scan *s, int rootfd, const char *path, const struct mount_guard *g);

/* ------------------------------------------------------------ nsmeta.c: namespace ioctls */

/* query dev, ID, owner, parent and owner UID of a namespace just claimed, via its open fd */
void ns_meta(struct lxkns_scan *s, struct nsent *e, int fd);
/* follow an ioctl-returned namespace fd (closed here): record it as `type`, query it if new */
uint64_t ns_follow(struct lxkns_scan *s, int nfd, int64_t type, int64_t origin);
/* a namespace seen through a link or fd path: add it, and open and query it if new */
struct nsent *ns_seen(struct worker *w, uint64_t ino, int64_t type, int64_t origin, int dirfd,
                      const char *name, int64_t pid, int64_t tid);

/* ------------------------------------------------------------ fds.c */

void scan_fds(struct worker *w, int dfd, int64_t pid);

/* ------------------------------------------------------------ listmount.c */

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

/* does this kernel's statmount() give everything a mount record needs? 1, 0, or -ENOMEM */
int listmount_usable(struct mountctx *m);
/* the mount table of the mount namespace this thread is in, as mount records: 0 or -errno */
int list_mounts(struct mountctx *m, uint64_t mntns);
void mountctx_free(struct mountctx *m);

/* ------------------------------------------------------------ mounts.c */

/* an nsfs mount of (t, ino) at path p in mount namespace mntns (see mounts.c) */
void bind_seen(struct mountctx *m, uint64_t mntns, int64_t t, uint64_t ino, const char *p,
               size_t plen, int *rootfd, int64_t pid, int64_t tid);
/* start the guard of a mount namespace's table: active unless our user namespace owns it */
void guard_begin(struct mountctx *m, uint64_t mntns);

#endif /* LXKNS_CORE_H */
