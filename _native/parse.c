/*
 * parse.c -- the parsers of what /proc says: numbers, stat lines, namespace
 * link texts and mountinfo escapes. Pure functions, shared by the walk and
 * exposed (lxkns_parse_*) so that tests compare them with the Python ones.
 */
#include "core.h"

#include <limits.h>
#include <string.h>

const char *const lx_type_names[NTYPES] = {"cgroup", "ipc", "mnt", "net",
                                           "pid",    "time", "user", "uts"};

int parse_i64(const char *s, size_t len, int64_t *out) {
    size_t i = 0;
    int neg = 0;
    uint64_t v = 0;
    if (len && s[0] == '-') {
        neg = 1;
        i = 1;
    }
    if (i == len) return -1;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10) return -1;
        v = v * 10 + d;
    }
    if (neg) {
        if (v > (uint64_t)INT64_MAX + 1) return -1;
        *out = (int64_t)(0 - v);
    } else {
        if (v > (uint64_t)INT64_MAX) return -1;
        *out = (int64_t)v;
    }
    return 0;
}

int parse_u64(const char *s, size_t len, uint64_t *out) {
    uint64_t v = 0;
    if (!len) return -1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10) return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

/*
 * /proc/PID/stat: "PID (COMM) S PPID ...". COMM runs from the first '(' to
 * the last ')' (it may hold spaces and parens); the fields after it are
 * separated by single spaces; one trailing newline is allowed.
 */
int lxkns_parse_stat(const char *buf, size_t len, struct lxkns_stat *out) {
    size_t i = 0;
    while (i < len && buf[i] >= '0' && buf[i] <= '9') i++;
    if (i == 0 || i + 2 > len || buf[i] != ' ' || buf[i + 1] != '(') return -1;
    if (parse_i64(buf, i, &out->pid) || out->pid <= 0 || out->pid > INT32_MAX) return -1;
    size_t copen = i + 1, cclose = len;
    while (cclose > copen + 1 && buf[cclose - 1] != ')') cclose--;
    cclose--; /* index of the last ')' */
    if (cclose <= copen || buf[cclose] != ')') return -1;
    out->comm_off = copen + 1;
    out->comm_len = cclose - copen - 1;
    size_t end = len;
    if (end > cclose + 1 && buf[end - 1] == '\n') end--;
    if (cclose + 1 >= end || buf[cclose + 1] != ' ') return -1;
    /* tokens after ") ": field 3 is token 0 */
    const char *tok[39];
    size_t tlen[39];
    size_t ntok = 0, p = cclose + 2;
    for (;;) {
        size_t q = p;
        while (q < end && buf[q] != ' ') q++;
        if (q == p) return -1; /* empty token */
        if (ntok < 39) {
            tok[ntok] = buf + p;
            tlen[ntok] = q - p;
        }
        ntok++;
        if (q == end) break;
        p = q + 1;
    }
    if (ntok < 39) return -1;
    if (tlen[0] != 1) return -1;
    out->state = (unsigned char)tok[0][0];
    if (parse_i64(tok[1], tlen[1], &out->ppid) || out->ppid < 0 || out->ppid > INT32_MAX) return -1;
    if (parse_i64(tok[16], tlen[16], &out->nice) || out->nice < -20 || out->nice > 19) return -1;
    if (parse_i64(tok[17], tlen[17], &out->nthreads) || out->nthreads < 0) return -1;
    if (parse_i64(tok[19], tlen[19], &out->starttime) || out->starttime < 0) return -1;
    if (parse_i64(tok[37], tlen[37], &out->priority) || out->priority < 0 || out->priority > 99)
        return -1;
    if (parse_i64(tok[38], tlen[38], &out->policy) || out->policy < 0 || out->policy > 7) return -1;
    return 0;
}

/* "net:[4026531840]" -> link index of the type and the inode; exact form only */
int lxkns_parse_nslink(const char *buf, size_t len, int64_t *link, uint64_t *ino) {
    const char *colon = memchr(buf, ':', len);
    if (!colon) return -1;
    size_t tl = (size_t)(colon - buf);
    int t;
    for (t = 0; t < NTYPES; t++)
        if (strlen(lx_type_names[t]) == tl && !memcmp(buf, lx_type_names[t], tl)) break;
    if (t == NTYPES) return -1;
    size_t rest = len - tl - 1;
    if (rest < 3 || colon[1] != '[' || buf[len - 1] != ']') return -1;
    uint64_t v;
    if (parse_u64(colon + 2, rest - 2, &v) || v == 0) return -1;
    *link = t;
    *ino = v;
    return 0;
}

/* Decode the \ooo escapes of mountinfo in place; returns the new length. */
size_t lxkns_unescape_octal(char *buf, size_t len) {
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (buf[i] == '\\' && i + 3 < len && buf[i + 1] >= '0' && buf[i + 1] <= '3' &&
            buf[i + 2] >= '0' && buf[i + 2] <= '7' && buf[i + 3] >= '0' && buf[i + 3] <= '7') {
            buf[o++] = (char)((buf[i + 1] - '0') * 64 + (buf[i + 2] - '0') * 8 + (buf[i + 3] - '0'));
            i += 3;
        } else {
            buf[o++] = buf[i];
        }
    }
    return o;
}
