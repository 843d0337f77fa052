/*
 * mounts.c -- the mount table of every mount namespace, and the namespaces
 * bind-mounted in them. A helper thread of its own reads each table through
 * the oldest process (else thread) that shows it, or enters process-less
 * mount namespaces with setns() after unshare(CLONE_FS); nsfs mounts found
 * there are opened inside that namespace's root (bind_seen, through the one
 * root-confined resolver of inroot.c, as O_PATH fds that are reopened only once
 * known to be namespaces) and may lead to further mount namespaces, until no new
 * one turns up.
 */
#include "core.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * An nsfs mount of namespace (t, ino) at `path` (decoded) inside mount namespace
 * `mntns`: record it, and open and query the namespace if it was not seen before.
 * *rootfd == -2 means "this thread is inside that mount namespace": the path is
 * resolved below its root ("/" now); otherwise below /proc/PID[/task/TID]/root. Either
 * root is opened on first use into *rootfd, which the caller closes.
 */
void bind_seen(struct mountctx *m, uint64_t mntns, int64_t t, uint64_t ino, const char *p,
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
    lxkns_passing_begin();
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
            e->held_fd = lxkns_passing_keep(fd);
        else
            close(fd);
    } else {
        ns_meta(s, e, fd);
        b->err = e->r.open_err;
        if (t == LXKNS_LINK_MNT && !b->err)
            e->held_fd = lxkns_passing_keep(fd); /* entered later, if no process shows its view */
        else
            close(fd);
    }
    lxkns_passing_end();
}

void guard_begin(struct mountctx *m, uint64_t mntns) {
    struct lxkns_scan *s = m->s;
    guard_free(&m->guard);
    struct nsent *e = tab_find(&s->tab, mntns, LXKNS_LINK_MNT);
    m->guard.active = !(e && e->r.owner && e->r.owner == s->self_userns);
}

/* Parse a mountinfo text: the guard from its mounts, then its nsfs mounts (see bind_seen). */
static void parse_mountinfo(struct mountctx *m, uint64_t mntns, char *text, size_t len,
                            int *rootfd, int64_t pid, int64_t tid) {
    char *end = text + len;
    struct lxkns_mountinfo_line f;
    guard_begin(m, mntns);
    for (char *line = text; m->guard.active && line < end;) {
        char *nl = memchr(line, '\n', (size_t)(end - line));
        if (!nl) nl = end;
        if (!lxkns_parse_mountinfo_line(line, (size_t)(nl - line), &f) &&
            !stall_prone_fstype(line + f.fstype_off, f.fstype_len) &&
            guard_add(&m->guard, f.mount_id)) {
            m->rc = -ENOMEM;
            return;
        }
        line = nl + 1;
    }
    guard_done(&m->guard);
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
    ssize_t n = read_procfs_file(s, a, dirfd, name, LXKNS_CAP_MOUNTINFO, LX_READ_TO_EOF, &off);
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
    lxkns_passing_begin();
    int fd = open_nsfs_at(s, s->procfd, path);
    struct stat st;
    if (fd >= 0 && (fstat(fd, &st) != 0 || (uint64_t)st.st_ino != e->r.ino)) {
        close(fd); /* the process ended and its PID was reused */
        fd = -1;
    }
    lxkns_passing_keep(fd); /* dropped by the caller */
    lxkns_passing_end();
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
        if (owned) lxkns_passing_drop(fd);
        if (err) return 0; /* not allowed: mountinfo shows it, if anything does */
        if (fd == e->held_fd) {
            lxkns_passing_drop(fd);
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
        int fd = e->held_fd, open_err = 0;
        if (fd < 0 && e->fd_pid) {
            snprintf(path, sizeof path, "%lld/fd/%lld", (long long)e->fd_pid, (long long)e->fd_fd);
            lxkns_passing_begin();
            fd = lxkns_passing_keep(open_nsfs_at(s, s->procfd, path));
            open_err = errno;
            lxkns_passing_end();
        }
        e->held_fd = -1;
        if (fd < 0) {
            rec->err = e->fd_pid || e->r.open_err ? (e->r.open_err ? e->r.open_err : open_err) : ENOENT;
            scan_fail(s, LXKNS_FAIL_SETNS, 0, 0, (int64_t)e->r.ino, (int)rec->err);
            goto done;
        }
        int was_unshared = m->unshared;
        int err = enter_mntns(m, fd, e->r.ino);
        lxkns_passing_drop(fd);
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
        ssize_t n = fd < 0 ? -errno : arena_read_fd(&m->buf, fd, LXKNS_CAP_MOUNTINFO, LX_READ_TO_EOF, &off);
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
        const struct lxkns_text *comm = (const struct lxkns_text *)s->texts.spans.p + ts[i].comm;
        if (comm->len == strlen(MOUNT_THREAD_NAME) &&
            !memcmp(s->str.p + comm->off, MOUNT_THREAD_NAME, comm->len))
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
    r = step_result(s, m.rc ? m.rc : m.buf.oom ? -ENOMEM : 0);
    mountctx_free(&m);
    /* held fds of mount namespaces that had a process after all */
    for (size_t i = 0; i < s->tab.n; i++) {
        struct nsent *e = ent_at(&s->tab, i);
        if (e->held_fd >= 0) {
            lxkns_passing_drop(e->held_fd);
            e->held_fd = -1;
        }
    }
    return r;
}

void mountctx_free(struct mountctx *m) {
    guard_free(&m->guard);
    free(m->buf.p);
    free(m->ids);
    free(m->sm);
    m->buf.p = NULL;
    m->ids = NULL;
    m->sm = NULL;
}
