/*
 * store.c -- growable storage: record vectors and string arenas, and reading
 * whole files into them.
 */
#include "core.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *vec_push(struct vec *v) {
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 256;
        void *p = realloc(v->p, cap * v->elsz);
        if (!p) return NULL;
        v->p = p;
        v->cap = cap;
    }
    void *e = (char *)v->p + v->n * v->elsz;
    memset(e, 0, v->elsz);
    v->n++;
    return e;
}

int vec_extend(struct vec *v, const struct vec *w) {
    if (!w->n) return 0;
    if (v->n + w->n > v->cap) {
        size_t cap = v->cap ? v->cap : 256;
        while (cap < v->n + w->n) cap *= 2;
        void *p = realloc(v->p, cap * v->elsz);
        if (!p) return -ENOMEM;
        v->p = p;
        v->cap = cap;
    }
    memcpy((char *)v->p + v->n * v->elsz, w->p, w->n * w->elsz);
    v->n += w->n;
    return 0;
}

int arena_reserve(struct arena *a, size_t more) {
    if (a->n + more <= a->cap) return 0;
    size_t cap = a->cap ? a->cap : 65536;
    while (cap < a->n + more) cap *= 2;
    char *p = realloc(a->p, cap);
    if (!p) return -ENOMEM;
    a->p = p;
    a->cap = cap;
    return 0;
}

int arena_add(struct arena *a, const char *s, size_t len, uint64_t *off) {
    if (arena_reserve(a, len + 1)) return -ENOMEM;
    memcpy(a->p + a->n, s, len);
    *off = a->n;
    a->n += len;
    return 0;
}

ssize_t arena_read_file(struct arena *a, int dirfd, const char *name, uint64_t *off) {
    int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return -errno;
    size_t start = a->n;
    for (;;) {
        if (arena_reserve(a, 4096)) {
            close(fd);
            a->n = start;
            return -ENOMEM;
        }
        ssize_t r = read(fd, a->p + a->n, a->cap - a->n);
        if (r < 0) {
            if (errno == EINTR) continue;
            int err = errno;
            close(fd);
            a->n = start;
            return -err;
        }
        if (r == 0) break;
        a->n += (size_t)r;
    }
    close(fd);
    *off = start;
    return (ssize_t)(a->n - start);
}

int read_small(int dirfd, const char *name, char *buf, size_t cap, size_t *len) {
    int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
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
        n += (size_t)r;
    }
    close(fd);
    *len = n;
    return 0;
}
