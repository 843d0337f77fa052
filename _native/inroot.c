/*
 * inroot.c -- the scanner's one root-confined resolver: a path inside another mount
 * namespace's root (a bind mount's mount point) to an O_PATH fd, never leaving that
 * root. openat2(RESOLVE_IN_ROOT) where the kernel has it; else, and wherever the mounts
 * passed must be checked (a mount namespace of another user namespace, whose FUSE
 * mounts could stall the walk), a walk of one component at a time with O_NOFOLLOW.
 */
#include "core.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LXKNS_MAX_SYMLINKS 40
#define LXKNS_WALK_DEPTH 128

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int stall_prone_fstype(const char *t, size_t n) {
    return (n >= 4 && !memcmp(t, "fuse", 4)) || (n == 7 && !memcmp(t, "overlay", 7));
}

int guard_add(struct mount_guard *g, int64_t id) {
    if (g->n == g->cap) {
        size_t c = g->cap ? g->cap * 2 : 64;
        int64_t *p = realloc(g->ids, c * sizeof *p);
        if (!p) return -ENOMEM;
        g->ids = p;
        g->cap = c;
    }
    g->ids[g->n++] = id;
    return 0;
}

void guard_done(struct mount_guard *g) {
    if (g->active && g->n) qsort(g->ids, g->n, sizeof(int64_t), cmp_i64);
}

void guard_free(struct mount_guard *g) {
    free(g->ids);
    g->ids = NULL;
    g->n = g->cap = 0;
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

/* openat2(RESOLVE_IN_ROOT) to an O_PATH fd, or -1 with errno (ENOSYS: no openat2) */
static int openat2_in_root(int rootfd, const char *path) {
    struct open_how how = {.flags = O_PATH | O_CLOEXEC,
                           .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
    return (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
}

int lxkns_open_in_root(int rootfd, const char *path, int force_walk) {
    int fd = -1;
    if (!force_walk) {
        fd = openat2_in_root(rootfd, path);
        if (fd < 0 && errno == ENOSYS) force_walk = 1;
    }
    if (force_walk) fd = walk_in_root(rootfd, path, NULL);
    return fd >= 0 ? fd : -errno;
}

int open_in_root(struct lxkns_scan *s, int rootfd, const char *path, const struct mount_guard *g) {
    if (!(g && g->active) && !(s->features & LXKNS_NO_OPENAT2)) {
        int fd = openat2_in_root(rootfd, path);
        if (fd >= 0 || errno != ENOSYS) return fd;
        feature_missing(s, LXKNS_NO_OPENAT2);
    }
    return walk_in_root(rootfd, path, g);
}
