/*
 * fds.c -- namespaces held by open fds: nsfs fds found while walking a
 * process' fd directory, and sockets, whose network namespace SIOCGSKNS gives
 * on a duplicate of the socket fd (pidfd_open + pidfd_getfd), once per
 * distinct socket.
 */
#include "core.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* An fd link: 1 a socket, 0 a namespace (type *t), -1 anything else; *ino its inode. */
static int fd_kind(struct lxkns_scan *s, const char *link, ssize_t l, int64_t *t, uint64_t *ino) {
    if (l > 8 && !memcmp(link, "socket:[", 8)) {
        if (!(s->flags & LXKNS_SCAN_SOCKETS)) return -1;
        if (link[l - 1] != ']' || parse_u64(link + 8, (size_t)l - 9, ino)) return -1;
        *t = LXKNS_LINK_NET;
        return 1;
    }
    if (link[0] != '/' && !lxkns_parse_nslink(link, (size_t)l, t, ino))
        return s->link_mask & (1u << *t) ? 0 : -1;
    return -1;
}

/* A namespace or socket fd of a process into the worker's records. */
static int fd_found(struct worker *w, int fdd, const char *name, int64_t pid, uint64_t fdnum,
                    int kind, int64_t t, uint64_t ino) {
    struct lxkns_scan *s = w->s;
    struct lxkns_fd *f = vec_push(&w->fds);
    if (!f) return -1;
    *f = (struct lxkns_fd){pid, (int64_t)fdnum, kind, t, ino};
    if (kind) return 0;
    struct nsent *e = ns_seen(w, ino, t, LXKNS_ORIGIN_FD, fdd, name, pid, 0);
    if (e) {
        pthread_mutex_lock(&s->tab.mu);
        if (!e->fd_pid) {
            e->fd_pid = pid;
            e->fd_fd = (int64_t)fdnum;
        }
        pthread_mutex_unlock(&s->tab.mu);
    }
    return 0;
}

struct own_fd {
    uint64_t fdnum, ino;
    int64_t kind, t;
};

void scan_fds(struct worker *w, int dfd, int64_t pid) {
    struct lxkns_scan *s = w->s;
    int fdd = openat(dfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fdd < 0) {
        fail_to(&w->fails, LXKNS_FAIL_FDDIR, pid, 0, 0, errno);
        return;
    }
    struct lx_dir d;
    lx_dir_init(&d, fdd);
    /* our own process: its fds are read while no other scan of ours holds an fd it has not
     * marked as passing, and looked into (ns_seen opens more) once that is over */
    struct vec own = {.elsz = sizeof(struct own_fd)};
    if (w->own) lxkns_passing_own_begin();
    const char *name;
    char link[256];
    int denied = 0;
    while ((name = lx_dir_next(&d))) {
        uint64_t fdnum, ino;
        int64_t t;
        if (parse_u64(name, strlen(name), &fdnum)) continue;
        ssize_t l = readlinkat(fdd, name, link, sizeof link);
        if (l < 0 && errno != ENOENT && !denied) denied = errno;
        if (l <= 0 || (size_t)l == sizeof link) continue; /* closed meanwhile, or a long path */
        int kind = fd_kind(s, link, l, &t, &ino);
        if (kind < 0) continue;
        if (w->own) {
            struct own_fd *o = lxkns_passing_is_kept(fdnum) ? NULL : vec_push(&own);
            if (o) *o = (struct own_fd){fdnum, ino, kind, t};
            continue;
        }
        if (fd_found(w, fdd, name, pid, fdnum, kind, t, ino)) break;
    }
    if (d.err && !denied) denied = d.err; /* the rest of the listing is lost */
    if (w->own) lxkns_passing_own_end();
    if (own.oom) w->err = -ENOMEM; /* a record lost */
    struct own_fd *os = own.p;
    for (size_t i = 0; i < own.n; i++) {
        char num[24];
        snprintf(num, sizeof num, "%llu", (unsigned long long)os[i].fdnum);
        if (fd_found(w, fdd, num, pid, os[i].fdnum, (int)os[i].kind, os[i].t, os[i].ino)) break;
    }
    free(own.p);
    close(fdd);
    if (denied) fail_to(&w->fails, LXKNS_FAIL_FDDIR, pid, 0, 0, denied);
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
        lxkns_passing_begin(); /* the socket's duplicate and its namespace's fd are gone at the end */
        int sfd = (int)syscall(SYS_pidfd_getfd, pidfd, (int)k->fd, 0);
        if (sfd < 0) {
            int err = errno;
            lxkns_passing_end();
            k->err = err;
            if (err == ENOSYS) feature_missing(s, LXKNS_NO_PIDFD);
            else if (err != EBADF) fail_to(&w.fails, LXKNS_FAIL_GETFD, k->pid, 0, k->fd, err);
            continue;
        }
        struct stat st;
        if (fstat(sfd, &st) != 0 || !S_ISSOCK(st.st_mode) || (uint64_t)st.st_ino != k->ino) {
            k->err = ESTALE; /* the fd was closed and reused meanwhile */
            close(sfd);
            lxkns_passing_end();
            continue;
        }
        int nfd = (s->features & LXKNS_NO_SIOCGSKNS) ? (errno = ENOTTY, -1) : ioctl(sfd, SIOCGSKNS);
        int err = errno;
        close(sfd);
        if (nfd < 0) {
            lxkns_passing_end();
            k->err = err;
            if (err == ENOTTY) feature_missing(s, LXKNS_NO_SIOCGSKNS);
            else fail_to(&w.fails, LXKNS_FAIL_SKNS, k->pid, 0, (int64_t)k->ino, err);
            continue;
        }
        k->netns = ns_follow(s, nfd, LXKNS_LINK_NET, LXKNS_ORIGIN_SOCKET);
        lxkns_passing_end();
    }
    if (pidfd >= 0) close(pidfd);
    int r = w.fails.oom ? -ENOMEM : vec_extend(&s->fails, &w.fails);
    free(w.fails.p);
    return step_result(s, r);
}
