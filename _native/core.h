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

struct vec {
    void *p;
    size_t n, cap, elsz;
};

struct arena {
    char *p;
    size_t n, cap;
};

void *vec_push(struct vec *v);                       /* a zeroed new element, NULL if out of memory */
int vec_extend(struct vec *v, const struct vec *w); /* 0 or -ENOMEM */
int arena_reserve(struct arena *a, size_t more);    /* 0 or -ENOMEM */
int arena_add(struct arena *a, const char *s, size_t len, uint64_t *off);
/* a whole file (relative to dirfd) into the arena: its length or -errno */
ssize_t arena_read_file(struct arena *a, int dirfd, const char *name, uint64_t *off);
/* a small file into buf (at most cap bytes): 0 or -errno */
int read_small(int dirfd, const char *name, char *buf, size_t cap, size_t *len);

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
    uint64_t flags, link_mask;
    uint64_t nsfs_dev;
    uint64_t self_pidns;
    uint64_t features; /* LXKNS_NO_* bits, updated atomically */
    struct nstab tab;
    struct vec procs, tasks, fds, socks, mntnss, binds, nss, fails, mounts;
    struct arena str;
    struct texts texts; /* the walk's texts, in str */
    pthread_mutex_t fail_mu;
    /* walk */
    int *pids;
    size_t npids;
    size_t next_pid; /* atomic cursor */
    /* the steps after the walk, in a thread of their own (lxkns_scan_finish_start) */
    pthread_t finisher;
    int finishing; /* started and not joined yet */
    int finish_mounts, finish_rc;
};

/* the per-thread state of a /proc walker */
struct worker {
    struct lxkns_scan *s;
    struct vec procs, tasks, fds, fails;
    struct arena str;    /* the texts of this worker's records */
    struct texts texts;  /* ... interned, in str (merged into the scan's at the end) */
    struct arena buf;    /* a file being read */
    uint64_t recent[LXKNS_NLINKS]; /* last inode seen per link: skips most table look-ups */
    int err;
};

void feature_missing(struct lxkns_scan *s, uint64_t bit);
void fail_to(struct vec *v, int64_t what, int64_t pid, int64_t tid, int64_t arg, int err);
void scan_fail(struct lxkns_scan *s, int64_t what, int64_t pid, int64_t tid, int64_t arg, int err);

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

#endif /* LXKNS_CORE_H */
