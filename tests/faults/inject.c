/*
 * An LD_PRELOAD library that makes chosen reads fail, for the fault-injection tests
 * (tests/test_faults.py): both scanners (the C one and Python's os module) reach the
 * file system through libc's open(), openat(), readlinkat() and read(), so one
 * interposer serves both.
 *
 * lxkns_faults_set(pattern, errno, what) arms it (from ctypes in the test's subprocess):
 * a call whose full path (the dirfd's path joined with the name) matches the fnmatch(3)
 * pattern fails with that errno. `what` is "open" (open and openat), "readlink" or
 * "read" (read() on an fd opened from such a path). lxkns_faults_hits() counts the
 * failures injected. A NULL pattern disarms it. A reopen through /proc/self/fd/N (or a
 * thread's /proc/thread-self/fd/N) counts as an open of the file that fd refers to.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static char pattern[PATH_MAX];
static int armed, fault, mode; /* mode: 1 open, 2 readlink, 3 read */
static long hits;

void lxkns_faults_set(const char *pat, int err, const char *what) {
    armed = 0;
    if (!pat) return;
    snprintf(pattern, sizeof pattern, "%s", pat);
    fault = err;
    mode = !strcmp(what, "open") ? 1 : !strcmp(what, "readlink") ? 2 : 3;
    hits = 0;
    armed = 1;
}

long lxkns_faults_hits(void) { return hits; }

static ssize_t (*real_readlinkat)(int, const char *, char *, size_t);

static int fd_path(int fd, char *out, size_t cap) {
    char link[64];
    snprintf(link, sizeof link, "/proc/thread-self/fd/%d", fd); /* a walker's own fd table */
    if (!real_readlinkat) real_readlinkat = dlsym(RTLD_NEXT, "readlinkat");
    ssize_t n = real_readlinkat(AT_FDCWD, link, out, cap - 1);
    if (n < 0) return -1;
    out[n] = 0;
    return 0;
}

static int matches(int dirfd, const char *name, int want) {
    if (!armed || mode != want || !name) return 0;
    char full[PATH_MAX * 2];
    if (name[0] == '/' || dirfd == AT_FDCWD) {
        snprintf(full, sizeof full, "%s", name);
    } else {
        char dir[PATH_MAX];
        if (fd_path(dirfd, dir, sizeof dir)) return 0;
        snprintf(full, sizeof full, "%s/%s", dir, name);
    }
    char real[PATH_MAX];
    int fdnum;
    char tail;
    /* a reopen through /proc/self/fd/N (or /proc/PID/fd/N, or a thread's
     * /proc/PID/task/TID/fd/N) names the file of that fd */
    if (sscanf(full, "/proc/%*[^/]/fd/%d%c", &fdnum, &tail) == 1 ||
        sscanf(full, "/proc/%*[^/]/task/%*[^/]/fd/%d%c", &fdnum, &tail) == 1) {
        if (!real_readlinkat) real_readlinkat = dlsym(RTLD_NEXT, "readlinkat");
        ssize_t n = real_readlinkat(AT_FDCWD, full, real, sizeof real - 1);
        if (n > 0) {
            real[n] = 0;
            snprintf(full, sizeof full, "%s", real);
        }
    }
    if (fnmatch(pattern, full, 0) != 0) return 0;
    __atomic_add_fetch(&hits, 1, __ATOMIC_RELAXED);
    return 1;
}

typedef int (*openat_fn)(int, const char *, int, ...);
typedef ssize_t (*read_fn)(int, void *, size_t);
static openat_fn real_openat;
static read_fn real_read;

/* The mode argument of an open call: there only when the flags create a file. */
#define MODE_ARG(m, flags)                                \
    mode_t m = 0;                                         \
    if ((flags) & (O_CREAT | __O_TMPFILE)) {              \
        va_list ap_;                                      \
        va_start(ap_, flags);                             \
        m = va_arg(ap_, mode_t);                          \
        va_end(ap_);                                      \
    }

int openat(int dirfd, const char *path, int flags, ...) {
    if (!real_openat) real_openat = (openat_fn)dlsym(RTLD_NEXT, "openat");
    MODE_ARG(m, flags);
    if (matches(dirfd, path, 1)) {
        errno = fault;
        return -1;
    }
    return real_openat(dirfd, path, flags, m);
}

int openat64(int dirfd, const char *path, int flags, ...) {
    MODE_ARG(m, flags);
    return openat(dirfd, path, flags, m);
}

int open(const char *path, int flags, ...) {
    MODE_ARG(m, flags);
    return openat(AT_FDCWD, path, flags, m);
}

int open64(const char *path, int flags, ...) {
    MODE_ARG(m, flags);
    return openat(AT_FDCWD, path, flags, m);
}

ssize_t readlinkat(int dirfd, const char *path, char *buf, size_t len) {
    if (!real_readlinkat) real_readlinkat = dlsym(RTLD_NEXT, "readlinkat");
    if (matches(dirfd, path, 2)) {
        errno = fault;
        return -1;
    }
    return real_readlinkat(dirfd, path, buf, len);
}

ssize_t readlink(const char *path, char *buf, size_t len) { return readlinkat(AT_FDCWD, path, buf, len); }

ssize_t read(int fd, void *buf, size_t len) {
    if (!real_read) real_read = (read_fn)dlsym(RTLD_NEXT, "read");
    if (armed && mode == 3) {
        char path[PATH_MAX];
        if (!fd_path(fd, path, sizeof path) && matches(AT_FDCWD, path, 3)) {
            errno = fault;
            return -1;
        }
    }
    return real_read(fd, buf, len);
}
