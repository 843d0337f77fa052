/*
 * texts.c -- interned strings: every distinct text a walk reads (comm names,
 * command lines, cgroup files, NSpid lists, CPU lists) is kept once, and
 * records name texts by index. Most processes share theirs with many others,
 * so Python decodes each distinct text once instead of once per record.
 */
#include "core.h"

#include <stdlib.h>
#include <string.h>

static uint64_t hash_of(const char *p, size_t len) {
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static int texts_rehash(struct texts *t) {
    size_t nslots = t->nslots ? t->nslots * 2 : 1024;
    uint32_t *slots = calloc(nslots, sizeof *slots);
    if (!slots) return -ENOMEM;
    const struct lxkns_text *spans = t->spans.p;
    for (size_t i = 0; i < t->spans.n; i++) {
        size_t s = (size_t)hash_of(t->str->p + spans[i].off, spans[i].len) & (nslots - 1);
        while (slots[s]) s = (s + 1) & (nslots - 1);
        slots[s] = (uint32_t)i + 1;
    }
    free(t->slots);
    t->slots = slots;
    t->nslots = nslots;
    return 0;
}

int texts_init(struct texts *t, struct arena *str) {
    memset(t, 0, sizeof *t);
    t->str = str;
    t->spans.elsz = sizeof(struct lxkns_text);
    struct lxkns_text *empty = vec_push(&t->spans); /* text 0 is "" */
    if (!empty) return -ENOMEM;
    return texts_rehash(t);
}

int64_t texts_intern(struct texts *t, const char *p, size_t len) {
    if (!len) return 0;
    if ((t->spans.n + 1) * 2 > t->nslots && texts_rehash(t)) return -ENOMEM;
    size_t s = (size_t)hash_of(p, len) & (t->nslots - 1);
    const struct lxkns_text *spans = t->spans.p;
    while (t->slots[s]) {
        const struct lxkns_text *e = &spans[t->slots[s] - 1];
        if (e->len == len && !memcmp(t->str->p + e->off, p, len)) return (int64_t)t->slots[s] - 1;
        s = (s + 1) & (t->nslots - 1);
    }
    uint64_t off;
    /* p may point into t->str itself: copy through a reserve that cannot move it */
    size_t at = p >= t->str->p && p < t->str->p + t->str->n ? (size_t)(p - t->str->p) : (size_t)-1;
    if (arena_reserve(t->str, len + 1)) return -ENOMEM;
    if (at != (size_t)-1) p = t->str->p + at;
    if (arena_add(t->str, p, len, &off)) return -ENOMEM;
    struct lxkns_text *e = vec_push(&t->spans);
    if (!e) return -ENOMEM;
    e->off = off;
    e->len = len;
    t->slots[s] = (uint32_t)t->spans.n;
    return (int64_t)t->spans.n - 1;
}

void texts_free(struct texts *t) {
    free(t->spans.p);
    free(t->slots);
    t->spans.p = NULL;
    t->slots = NULL;
    t->spans.n = t->nslots = 0;
}
