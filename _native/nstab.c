/*
 * nstab.c -- the table of distinct namespaces, keyed by (type, inode), shared
 * by the walker threads. Entries live in chunks that never move, so pointers
 * to them stay valid while the table grows; an open-addressing index finds them.
 */
#include "core.h"

#include <stdlib.h>
#include <string.h>

static size_t slot_of(uint64_t ino, int64_t type, size_t nslots) {
    uint64_t h = (ino ^ ((uint64_t)type << 56)) * 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 17) & (nslots - 1);
}

struct nsent *ent_at(struct nstab *t, size_t i) { return &t->chunks[i / CHUNK][i % CHUNK]; }

static int tab_rehash(struct nstab *t) {
    size_t nslots = t->nslots ? t->nslots * 2 : 4096;
    int32_t *slots = malloc(nslots * sizeof(int32_t));
    if (!slots) return -ENOMEM;
    memset(slots, 0xff, nslots * sizeof(int32_t));
    for (size_t i = 0; i < t->n; i++) {
        struct nsent *e = ent_at(t, i);
        size_t s = slot_of(e->r.ino, e->r.link, nslots);
        while (slots[s] >= 0) s = (s + 1) & (nslots - 1);
        slots[s] = (int32_t)i;
    }
    free(t->slots);
    t->slots = slots;
    t->nslots = nslots;
    return 0;
}

struct nsent *tab_find(struct nstab *t, uint64_t ino, int64_t type) {
    if (!t->nslots) return NULL;
    size_t s = slot_of(ino, type, t->nslots);
    while (t->slots[s] >= 0) {
        struct nsent *e = ent_at(t, (size_t)t->slots[s]);
        if (e->r.ino == ino && e->r.link == type) return e;
        s = (s + 1) & (t->nslots - 1);
    }
    return NULL;
}

struct nsent *tab_claim(struct nstab *t, uint64_t ino, int64_t type, int64_t origin,
                               int *isnew) {
    pthread_mutex_lock(&t->mu);
    struct nsent *e = tab_find(t, ino, type);
    *isnew = 0;
    if (!e) {
        if ((t->n + 1) * 2 > t->nslots && tab_rehash(t)) goto out;
        if (t->n / CHUNK >= t->nchunks) {
            struct nsent **c = realloc(t->chunks, (t->nchunks + 1) * sizeof(*c));
            if (!c) goto out;
            t->chunks = c;
            c[t->nchunks] = calloc(CHUNK, sizeof(struct nsent));
            if (!c[t->nchunks]) goto out;
            t->nchunks++;
        }
        e = ent_at(t, t->n);
        memset(e, 0, sizeof(*e));
        e->r.ino = ino;
        e->r.link = type;
        e->r.origin = origin;
        e->r.owner_uid = -1;
        e->held_fd = -1;
        size_t s = slot_of(ino, type, t->nslots);
        while (t->slots[s] >= 0) s = (s + 1) & (t->nslots - 1);
        t->slots[s] = (int32_t)t->n;
        t->n++;
        *isnew = 1;
    }
out:
    pthread_mutex_unlock(&t->mu);
    return e;
}

void tab_free(struct nstab *t) {
    for (size_t i = 0; i < t->nchunks; i++) free(t->chunks[i]);
    free(t->chunks);
    free(t->slots);
    t->chunks = NULL;
    t->slots = NULL;
    t->n = t->nchunks = t->nslots = 0;
}
