/*
 * store.c -- growable storage: record vectors and string arenas, and reading
 * an open file into them (up to a size cap). A failed allocation marks the
 * vector or arena (oom), so that the scan step that met it fails as a whole.
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
        if (!p) {
            v->oom = 1;
            return NULL;
        }
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
        if (!p) {
            v->oom = 1;
            return -ENOMEM;
        }
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
    if (!p) {
        a->oom = 1;
        return -ENOMEM;
    }
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

ssize_t arena_read_fd(struct arena *a, int fd, size_t cap, enum lx_read how, uint64_t *off) {
    size_t start = a->n;
    int err = 0;
    for (;;) {
        if (arena_reserve(a, 4096)) {
            err = ENOMEM;
            break;
        }
        size_t want = a->cap - a->n;
        ssize_t r = read(fd, a->p + a->n, want);
        if (r < 0) {
            if (errno == EINTR) continue;
            err = errno;
            break;
        }
        if (r == 0) break;
        a->n += (size_t)r;
        if (a->n - start > cap) {
            err = EFBIG;
            break;
        }
        if (how == LX_READ_ONE_SHOW && (size_t)r < want) break; /* all there was */
    }
    close(fd);
    if (err) {
        a->n = start;
        return -err;
    }
    *off = start;
    return (ssize_t)(a->n - start);
}
