/*
 * walk.c -- the /proc walk: processes and their threads, with a few worker
 * threads. Per process it opens one O_PATH dirfd and reads everything relative
 * to it: stat, the ns links (readlinkat, cheaper than stat on nsfs), cmdline,
 * cgroup, NSpid where needed, the threads only if stat says there are several,
 * and the fds (fds.c). Namespaces are queried (nsmeta.c) when first seen.
 */
#include "core.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <unistd.h>

const char *const lx_link_paths[LXKNS_NLINKS] = {
    "ns/cgroup", "ns/ipc",  "ns/mnt",  "ns/net",
    "ns/pid",    "ns/time", "ns/user", "ns/uts",
    "ns/pid_for_children", "ns/time_for_children"};
const int lx_link_type[LXKNS_NLINKS] = {0, 1, 2, 3, 4, 5, 6, 7, 4, 5};

/* Read the ns links of a process or task into rec->ns; query namespaces seen first.
 * The links are read relative to an O_PATH fd of the ns directory (a path component less
 * to look up for each of them), or of the process directory if that cannot be opened. */
static void read_links(struct worker *w, int dfd, struct lxkns_proc *rec, int64_t origin) {
    struct lxkns_scan *s = w->s;
    char link[64];
    int64_t failed = 0, first_err = 0;
    int nsd = openat(dfd, "ns", O_PATH | O_DIRECTORY | O_CLOEXEC);
    int at = nsd >= 0 ? nsd : dfd;
    size_t skip = nsd >= 0 ? 3 : 0; /* "ns/" */
    for (int k = 0; k < LXKNS_NLINKS; k++) {
        if (!(s->link_mask & (1u << k))) continue;
        const char *name = lx_link_paths[k] + skip;
        ssize_t l = readlinkat(at, name, link, sizeof link);
        int64_t t;
        uint64_t ino;
        if (l < 0) {
            failed |= 1 << k;
            if (!first_err) first_err = errno;
            continue;
        }
        if (lxkns_parse_nslink(link, (size_t)l, &t, &ino) || t != lx_link_type[k]) continue;
        rec->ns[k] = ino;
        if (w->recent[k] == ino) continue;
        w->recent[k] = ino;
        ns_seen(w, ino, t, origin, at, name, rec->tgid, origin == LXKNS_ORIGIN_TASK ? rec->pid : 0);
    }
    if (nsd >= 0) close(nsd);
    if (failed)
        fail_to(&w->fails, LXKNS_FAIL_NSLINK, rec->tgid,
                origin == LXKNS_ORIGIN_TASK ? rec->pid : 0, failed, (int)first_err);
}

/* A text for a record: its index among the worker's texts (0 if out of memory: the walk fails). */
static uint64_t intern(struct worker *w, const char *p, size_t len) {
    int64_t id = texts_intern(&w->texts, p, len);
    if (id < 0) {
        w->err = (int)id;
        return 0;
    }
    return (uint64_t)id;
}

/* A whole file of a process into the worker's read buffer (capped): its length or -errno. */
static ssize_t read_file(struct worker *w, int dfd, const char *name) {
    uint64_t off;
    w->buf.n = 0;
    return read_procfs_file(w->s, &w->buf, dfd, name, LXKNS_CAP_PROCFILE, LX_READ_ONE_SHOW, &off);
}

/* The NSpid line of a status file: only the numbers. */
static void read_nspid(struct worker *w, int dfd, struct lxkns_proc *rec, int64_t tid) {
    ssize_t n = read_file(w, dfd, "status");
    if (n < 0) {
        fail_to(&w->fails, LXKNS_FAIL_STATUS, rec->tgid, tid, 0, (int)-n);
        return;
    }
    char *text = w->buf.p;
    char *line = memmem(text, (size_t)n, "\nNSpid:", 7);
    if (!line) return; /* kernel without NSpid: leave the list empty */
    char *b = line + 7;
    while (b < text + n && (*b == '\t' || *b == ' ')) b++;
    char *e = memchr(b, '\n', (size_t)(text + n - b));
    if (!e) e = text + n;
    rec->nspid = intern(w, b, (size_t)(e - b));
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
    rec->comm = intern(w, buf + st.comm_off, st.comm_len);
    return 0;
}

static void read_cgroup(struct worker *w, int dfd, struct lxkns_proc *rec, int64_t tid) {
    ssize_t n = read_file(w, dfd, "cgroup");
    if (n < 0)
        fail_to(&w->fails, LXKNS_FAIL_CGROUP, rec->tgid, tid, 0, (int)-n);
    else
        rec->cgroup = intern(w, w->buf.p, (size_t)n);
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
    rec->affinity = intern(w, text, n);
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
    struct lx_dir d;
    lx_dir_init(&d, td);
    const char *name;
    while ((name = lx_dir_next(&d))) {
        uint64_t tid;
        if (parse_u64(name, strlen(name), &tid) || (int64_t)tid == proc->pid) continue;
        int tdd = openat(td, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
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
    if (d.err) fail_to(&w->fails, LXKNS_FAIL_TASKDIR, proc->pid, 0, 0, d.err);
    close(td);
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
        ssize_t n = read_file(w, dfd, "cmdline");
        if (n < 0)
            fail_to(&w->fails, LXKNS_FAIL_CMDLINE, pid, 0, 0, (int)-n);
        else
            rec->cmdline = intern(w, w->buf.p, (size_t)n);
    }
    if (s->flags & LXKNS_SCAN_CGROUP) read_cgroup(w, dfd, rec, 0);
    if (need_nspid(s, rec)) read_nspid(w, dfd, rec, 0);
    if (s->flags & LXKNS_SCAN_AFFINITY) read_affinity(w, rec);
    struct lxkns_proc proc = *rec; /* rec lives in w->procs, which scan_tasks never grows */
    if ((s->flags & LXKNS_SCAN_TASKS) && proc.nthreads > 1) scan_tasks(w, dfd, &proc);
    if (s->flags & (LXKNS_SCAN_FDS | LXKNS_SCAN_SOCKETS)) scan_fds(w, dfd, pid);
    close(dfd);
}

/* The PIDs [i, end) once they are listed, or fewer if the listing ended first: how many
 * of them there are (0: none are left). */
static size_t take_listed(struct pidlist *l, size_t i, size_t end) {
    size_t n = __atomic_load_n(&l->listed, __ATOMIC_ACQUIRE);
    if (n < end) {
        pthread_mutex_lock(&l->mu);
        while (!l->done && (n = __atomic_load_n(&l->listed, __ATOMIC_ACQUIRE)) < end)
            pthread_cond_wait(&l->more, &l->mu);
        n = __atomic_load_n(&l->listed, __ATOMIC_ACQUIRE);
        pthread_mutex_unlock(&l->mu);
    }
    if (n > end) n = end;
    return n > i ? n - i : 0;
}

static void *walk_worker(void *arg) {
    struct worker *w = arg;
    struct pidlist *l = w->pids;
    for (;;) {
        size_t i = __atomic_fetch_add(&l->next, 16, __ATOMIC_RELAXED);
        size_t n = take_listed(l, i, i + 16);
        if (!n) break;
        for (size_t end = i + n; i < end; i++)
            scan_pid(w, l->chunk[i / LX_PID_CHUNK][i % LX_PID_CHUNK]);
    }
    return NULL;
}

/* A worker on a thread of its own walks with an fd table of its own: threads that share one
 * make the kernel take its lock for every open and close and count references for every fd
 * a syscall uses (the walk took 4 % longer so at 10,000 processes). Its fds are reopened
 * through its /proc/thread-self then, whose fd directory is that table. If that cannot be
 * opened, the worker leaves the walk to the others: a reopen through /proc/self would find
 * the leader's fds. */
static void *walk_thread(void *arg) {
    struct worker *w = arg;
    struct lxkns_scan *s = w->s;
    if (unshare(CLONE_FILES) == 0) {
        int dir = open("/proc/thread-self", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0 && !s->strict)
            dir = openat(s->procfd, "thread-self", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0) return NULL;
        lx_thread_selfdir = dir;
    }
    walk_worker(w);
    if (lx_thread_selfdir >= 0) close(lx_thread_selfdir);
    lx_thread_selfdir = -1;
    return NULL;
}

static void publish(struct pidlist *l, size_t n, int done, int err) {
    pthread_mutex_lock(&l->mu);
    __atomic_store_n(&l->listed, n, __ATOMIC_RELEASE);
    if (done) {
        l->done = 1;
        l->err = err;
    }
    pthread_cond_broadcast(&l->more);
    pthread_mutex_unlock(&l->mu);
}

/* List the PIDs of the procfs root (but `skip`, walked already) while the workers take them:
 * published every 256 PIDs, so that the other workers start at once instead of after the
 * whole listing (10 ms at 10,000 processes). An error ends the list with l->err set. */
static void list_pids(struct lxkns_scan *s, struct pidlist *l, int skip) {
    int fd = openat(s->procfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        publish(l, 0, 1, -errno);
        return;
    }
    struct lx_dir *d = malloc(sizeof *d);
    if (!d) {
        close(fd);
        publish(l, 0, 1, -ENOMEM);
        return;
    }
    lx_dir_init(d, fd);
    const char *name;
    size_t n = 0;
    int r = 0;
    while ((name = lx_dir_next(d))) {
        uint64_t pid;
        if (parse_u64(name, strlen(name), &pid) || pid == 0 || pid > INT32_MAX || (int)pid == skip)
            continue;
        size_t c = n / LX_PID_CHUNK;
        if (c >= LX_PID_CHUNKS) {
            r = -EOVERFLOW; /* more PIDs than the kernel allows: not a procfs */
            break;
        }
        if (!l->chunk[c] && !(l->chunk[c] = malloc(LX_PID_CHUNK * sizeof(int)))) {
            r = -ENOMEM; /* never a walk of some of the PIDs */
            break;
        }
        l->chunk[c][n % LX_PID_CHUNK] = (int)pid;
        if (++n % 256 == 0) publish(l, n, 0, 0);
    }
    if (!r && d->err) r = -d->err; /* nor of the PIDs before a failed read */
    free(d);
    close(fd);
    publish(l, n, 1, r);
}

/* move a worker's records into the scan, its texts into the scan's (renumbering them) */
static int merge_worker(struct lxkns_scan *s, struct worker *w) {
    if (w->procs.oom || w->tasks.oom || w->fds.oom || w->fails.oom || w->str.oom || w->buf.oom ||
        w->texts.spans.oom)
        return -ENOMEM; /* a record, or a part of one, was lost */
    size_t n = w->texts.spans.n;
    uint64_t *to = malloc((n ? n : 1) * sizeof *to);
    if (!to) return -ENOMEM;
    const struct lxkns_text *spans = w->texts.spans.p;
    for (size_t i = 0; i < n; i++) {
        int64_t id = texts_intern(&s->texts, w->str.p + spans[i].off, spans[i].len);
        if (id < 0) {
            free(to);
            return (int)id;
        }
        to[i] = (uint64_t)id;
    }
    struct vec *pv[2] = {&w->procs, &w->tasks};
    for (int k = 0; k < 2; k++) {
        struct lxkns_proc *r = pv[k]->p;
        for (size_t i = 0; i < pv[k]->n; i++) {
            r[i].comm = to[r[i].comm];
            r[i].cmdline = to[r[i].cmdline];
            r[i].cgroup = to[r[i].cgroup];
            r[i].nspid = to[r[i].nspid];
            r[i].affinity = to[r[i].affinity];
        }
    }
    free(to);
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
    texts_free(&w->texts);
    free(w->str.p);
    free(w->buf.p);
}

int lxkns_scan_walk(struct lxkns_scan *s, int workers) {
    if (workers < 1) workers = 1;
    if (workers > 16) workers = 16;
    struct worker *ws = calloc((size_t)workers, sizeof(struct worker));
    pthread_t *th = calloc((size_t)workers, sizeof(pthread_t));
    struct pidlist *l = calloc(1, sizeof *l);
    if (!ws || !th || !l) {
        free(ws);
        free(th);
        free(l);
        return step_result(s, -ENOMEM);
    }
    pthread_mutex_init(&l->mu, NULL);
    pthread_cond_init(&l->more, NULL);
    int r = 0;
    for (int i = 0; i < workers; i++) {
        ws[i].s = s;
        ws[i].pids = l;
        ws[i].procs.elsz = ws[i].tasks.elsz = sizeof(struct lxkns_proc);
        ws[i].fds.elsz = sizeof(struct lxkns_fd);
        ws[i].fails.elsz = sizeof(struct lxkns_failure);
        if (!r) r = texts_init(&ws[i].texts, &ws[i].str);
    }
    int started = 0, self = 0;
    if (r) goto out;
    /* Our own process first, before the other workers start: while they run, they hold
     * namespace fds open for a moment (to query a namespace first seen), and a look at our
     * own fd directory then would take those for namespaces this process holds. */
    if (!s->strict) {
        self = (int)getpid();
        ws[0].own = 1;
        scan_pid(&ws[0], self);
        ws[0].own = 0;
    }
    /* worker 0 runs on the calling thread, once it has listed the PIDs; the others get
     * threads of their own and start on the first PIDs listed */
    for (int i = 1; i < workers; i++)
        if (pthread_create(&th[i], NULL, walk_thread, &ws[i]) == 0) started |= 1 << i;
    list_pids(s, l, self);
    walk_worker(&ws[0]);
    for (int i = 1; i < workers; i++)
        if (started & (1 << i)) pthread_join(th[i], NULL);
    r = l->err;
    for (int i = 0; i < workers; i++) {
        if (!r && ws[i].err) r = ws[i].err;
        if (!r) r = merge_worker(s, &ws[i]);
    }
out:
    for (int i = 0; i < workers; i++) worker_free(&ws[i]);
    for (size_t c = 0; c < LX_PID_CHUNKS; c++) free(l->chunk[c]);
    pthread_cond_destroy(&l->more);
    pthread_mutex_destroy(&l->mu);
    free(l);
    free(ws);
    free(th);
    return step_result(s, r);
}
