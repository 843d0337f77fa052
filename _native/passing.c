/*
 * passing.c -- the fds a scan holds for a moment, kept apart from those the
 * process holds for itself.
 *
 * A scan opens a namespace to ask its ioctls, duplicates a socket to ask its
 * network namespace, and holds a mount namespace until its turn to be
 * entered. It also reads its own process' fd directory, like any other, to
 * find the namespaces and sockets the process holds. Another scan, in another
 * thread of the same process, may hold such passing fds right then: they
 * must not be taken for namespaces or sockets this process holds.
 *
 * So fds are only made and closed inside "passing" regions (the shared side
 * of one process-wide lock), and an fd that outlives its region is marked as
 * kept until it is dropped; our own fd directory is read on the exclusive
 * side, where every passing fd still open is a marked one.
 */
#include "core.h"

#include <pthread.h>
#include <stdint.h>
#include <unistd.h>

#define KEPT_BITS (1u << 20) /* fds below this are marked one by one */

static uint64_t kept[KEPT_BITS / 64];
static unsigned kept_beyond; /* kept fds at or above KEPT_BITS (then all of those count) */
static pthread_rwlock_t lock = PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* A child forked while another thread was in a region (the sandbox, run_in_process) would
 * inherit a lock held by nobody it knows: it starts with a fresh one; the marks hold, its fd
 * table being a copy. */
static void reset_in_child(void) {
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&lock, &attr);
    pthread_rwlockattr_destroy(&attr);
}

static void setup(void) { pthread_atfork(NULL, NULL, reset_in_child); }

void lxkns_passing_begin(void) {
    pthread_once(&once, setup);
    pthread_rwlock_rdlock(&lock);
}

void lxkns_passing_end(void) { pthread_rwlock_unlock(&lock); }

int lxkns_passing_keep(int fd) {
    if (fd < 0) return fd;
    if ((unsigned)fd < KEPT_BITS)
        __atomic_fetch_or(&kept[(unsigned)fd / 64], 1ull << ((unsigned)fd % 64), __ATOMIC_RELAXED);
    else
        __atomic_fetch_add(&kept_beyond, 1, __ATOMIC_RELAXED);
    return fd;
}

void lxkns_passing_drop(int fd) {
    if (fd < 0) return;
    lxkns_passing_begin();
    close(fd); /* before the mark goes: never open and unmarked outside a region */
    if ((unsigned)fd < KEPT_BITS)
        __atomic_fetch_and(&kept[(unsigned)fd / 64], ~(1ull << ((unsigned)fd % 64)),
                           __ATOMIC_RELAXED);
    else
        __atomic_fetch_sub(&kept_beyond, 1, __ATOMIC_RELAXED);
    lxkns_passing_end();
}

void lxkns_passing_own_begin(void) {
    pthread_once(&once, setup);
    pthread_rwlock_wrlock(&lock);
}

void lxkns_passing_own_end(void) { pthread_rwlock_unlock(&lock); }

int lxkns_passing_is_kept(uint64_t fd) {
    if (fd < KEPT_BITS)
        return (int)((__atomic_load_n(&kept[fd / 64], __ATOMIC_RELAXED) >> (fd % 64)) & 1);
    return __atomic_load_n(&kept_beyond, __ATOMIC_RELAXED) != 0;
}
