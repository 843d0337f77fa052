/*
 * safeopen.c -- opening what others control.
 *
 * Paths below another mount namespace, /proc/PID/root and /proc/PID/fd/N lead to whatever
 * an unprivileged user or a container root put there: a FIFO (open() for reading blocks
 * until a writer comes), a device, a symlink out of a root, a FUSE mount whose server
 * never answers. So such a path is only ever opened with O_PATH (which opens nothing),
 * looked at without asking its filesystem (statx with AT_STATX_DONT_SYNC), and reopened
 * through /proc/self/fd for reading only once it is known to be what was expected.
 * Files of a procfs are opened non-blocking; those of a foreign procfs (any tree) must be
 * regular files first. Everything read is capped in size.
 */
#include "core.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <unistd.h>

#ifndef AT_STATX_DONT_SYNC
#define AT_STATX_DONT_SYNC 0x4000
#endif
#ifndef STATX_MNT_ID
#define STATX_MNT_ID 0x1000U
#endif
#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

int quick_stat(int fd, struct quickstat *q) {
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

__thread int lx_thread_selfdir = -1;

/* Reopen an O_PATH fd with `flags`: the very file it refers to, not a path to it again (in
 * the fd table of the calling thread: /proc/self/fd shows the leader's). */
static int reopen_fd(struct lxkns_scan *s, int pathfd, int flags) {
    char name[32];
    snprintf(name, sizeof name, "fd/%d", pathfd);
    int dir = lx_thread_selfdir >= 0 ? lx_thread_selfdir : s->selfdir;
    return openat(dir, name, flags | O_CLOEXEC | O_NOCTTY);
}

/* Keep errno across a close(). */
static void close_keep_errno(int fd) {
    int err = errno;
    close(fd);
    errno = err;
}

int nsfs_from_path(struct lxkns_scan *s, int pathfd) {
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

int open_nsfs_at(struct lxkns_scan *s, int dirfd, const char *name) {
    int pfd = openat(dirfd, name, O_PATH | O_CLOEXEC);
    if (pfd < 0) return -1;
    return nsfs_from_path(s, pfd);
}

int open_procfs_file(struct lxkns_scan *s, int dirfd, const char *name) {
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

ssize_t read_procfs_file(struct lxkns_scan *s, struct arena *a, int dirfd, const char *name,
                         size_t cap, enum lx_read how, uint64_t *off) {
    int fd = open_procfs_file(s, dirfd, name);
    if (fd < 0) return -errno;
    return arena_read_fd(a, fd, cap, how, off);
}

int read_small(struct lxkns_scan *s, int dirfd, const char *name, char *buf, size_t cap,
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
        size_t want = cap - n;
        n += (size_t)r;
        if ((size_t)r < want) break; /* one show(): all there was (see enum lx_read) */
    }
    close(fd);
    *len = n;
    return 0;
}
