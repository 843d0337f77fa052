/*
 * scan.c -- the life cycle of a scan (new, free), the failure records every
 * stage adds to, and the getters Python reads the record arrays with.
 */
#include "core.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef LXKNS_FAULT_INJECTION
long lxkns_fault_countdown = -1;
long lxkns_fault_allocations = 0;
#endif

void feature_missing(struct lxkns_scan *s, uint64_t bit) {
    __atomic_fetch_or(&s->features, bit, __ATOMIC_RELAXED);
}

void fail_to(struct vec *v, int64_t what, int64_t pid, int64_t tid, int64_t arg, int err) {
    struct lxkns_failure *f = vec_push(v);
    if (!f) return;
    f->what = what;
    f->pid = pid;
    f->tid = tid;
    f->arg = arg;
    f->err = err;
}

void scan_fail(struct lxkns_scan *s, int64_t what, int64_t pid, int64_t tid, int64_t arg,
                      int err) {
    pthread_mutex_lock(&s->fail_mu);
    fail_to(&s->fails, what, pid, tid, arg, err);
    pthread_mutex_unlock(&s->fail_mu);
}

/* -ENOMEM if any record of the scan could not be stored, else 0. */
static int scan_oom(struct lxkns_scan *s) {
    struct vec *vs[] = {&s->procs, &s->tasks, &s->fds,   &s->socks, &s->mntnss,
                        &s->binds, &s->nss,   &s->fails, &s->mounts, &s->texts.spans};
    int oom = s->str.oom || s->tab.oom;
    for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++) oom |= vs[i]->oom;
    return oom ? -ENOMEM : 0;
}

int step_result(struct lxkns_scan *s, int r) {
    if (!r) r = scan_oom(s);
    if (r == -ENOMEM && !s->err) s->err = r;
    return r;
}

struct lxkns_scan *lxkns_scan_new(const char *procfs, uint64_t flags, uint64_t link_mask) {
    struct lxkns_scan *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->procfs = strdup(procfs);
    s->selfdir = -1;
    s->procfd = open(procfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    int texts = texts_init(&s->texts, &s->str);
    if (!s->procfs || s->procfd < 0 || texts) {
        int err = texts ? -texts : errno;
        if (s->procfd >= 0) close(s->procfd);
        texts_free(&s->texts);
        free(s->str.p);
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

static void *finish_main(void *arg) {
    struct lxkns_scan *s = arg;
    int r = lxkns_scan_sockets(s);
    if (!r && s->finish_mounts) r = lxkns_scan_mounts(s);
    s->finish_rc = r;
    return NULL;
}

int lxkns_scan_finish_start(struct lxkns_scan *s, int mounts) {
    if (s->finishing) return -EBUSY;
    s->finish_mounts = mounts;
    s->finish_rc = 0;
    int r = pthread_create(&s->finisher, NULL, finish_main, s);
    if (r) return -r;
    s->finishing = 1;
    return 0;
}

int lxkns_scan_finish_wait(struct lxkns_scan *s) {
    if (!s->finishing) return -EINVAL;
    pthread_join(s->finisher, NULL);
    s->finishing = 0;
    return s->finish_rc;
}

void lxkns_scan_free(struct lxkns_scan *s) {
    if (!s) return;
    if (s->finishing) lxkns_scan_finish_wait(s); /* its thread still uses the scan */
    for (size_t i = 0; i < s->tab.n; i++) {
        struct nsent *e = ent_at(&s->tab, i);
        if (e->held_fd >= 0) lxkns_passing_drop(e->held_fd);
    }
    tab_free(&s->tab);
    pthread_mutex_destroy(&s->tab.mu);
    pthread_mutex_destroy(&s->fail_mu);
    struct vec *vs[] = {&s->procs, &s->tasks, &s->fds,   &s->socks, &s->mntnss,
                        &s->binds, &s->nss,   &s->fails, &s->mounts};
    for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++) free(vs[i]->p);
    texts_free(&s->texts);
    free(s->str.p);
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

size_t lxkns_scan_texts(struct lxkns_scan *s, struct lxkns_text **out) {
    *out = s->texts.spans.p;
    return s->texts.spans.n;
}

size_t lxkns_scan_strings(struct lxkns_scan *s, char **out) {
    *out = s->str.p;
    return s->str.n;
}

uint64_t lxkns_scan_features(struct lxkns_scan *s) { return s->features; }
uint64_t lxkns_scan_nsfs_dev(struct lxkns_scan *s) { return s->nsfs_dev; }
uint64_t lxkns_scan_self_pidns(struct lxkns_scan *s) { return s->self_pidns; }
