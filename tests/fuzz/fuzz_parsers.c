/*
 * libFuzzer targets for the C parsers of the native scanner (nox -s fuzz).
 *
 * Built once per target with -DLXKNS_FUZZ_<TARGET> against _native/parse.c, under
 * AddressSanitizer and UndefinedBehaviorSanitizer. Besides not crashing, each parser must
 * keep its promises: offsets inside the input, values in range, an exact round trip
 * where the format has one. A broken promise aborts, which libFuzzer reports as a crash
 * and keeps as a reproducer (tests/fuzz/regressions/ keeps those for the test suite).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lxkns_native.h" /* the real header: the same records the scanner uses */

#define PROMISE(cond)                                                                  \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "broken promise: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
            abort();                                                                   \
        }                                                                              \
    } while (0)

static const char *const types[] = {"cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* a copy of exactly `size` bytes: reading one past the end is then an ASan error */
    char *buf = malloc(size ? size : 1);
    if (!buf) return 0;
    memcpy(buf, data, size);
#if defined(LXKNS_FUZZ_STAT)
    struct lxkns_stat st;
    if (lxkns_parse_stat(buf, size, &st) == 0) {
        PROMISE(st.pid > 0 && st.pid <= INT32_MAX && st.ppid >= 0);
        PROMISE(st.comm_off + st.comm_len <= size && st.comm_off >= 2);
        PROMISE(buf[st.comm_off - 1] == '(' && buf[st.comm_off + st.comm_len] == ')');
        PROMISE(st.nice >= -20 && st.nice <= 19 && st.policy >= 0 && st.policy <= 7);
        PROMISE(st.priority >= 0 && st.priority <= 99 && st.starttime >= 0 && st.nthreads >= 0);
    }
#elif defined(LXKNS_FUZZ_NSLINK)
    int64_t link;
    uint64_t ino;
    if (lxkns_parse_nslink(buf, size, &link, &ino) == 0) {
        PROMISE(link >= 0 && link < 8 && ino > 0);
        char again[64];
        int n = snprintf(again, sizeof again, "%s:[%llu]", types[link], (unsigned long long)ino);
        PROMISE(n > 0 && (size_t)n == size && !memcmp(again, buf, size)); /* the exact form only */
    }
#elif defined(LXKNS_FUZZ_UNESCAPE)
    size_t n = lxkns_unescape_octal(buf, size);
    PROMISE(n <= size);
    PROMISE(size < 4 || memchr(data, '\\', size) || (n == size && !memcmp(buf, data, size)));
#elif defined(LXKNS_FUZZ_MOUNTINFO)
    struct lxkns_mountinfo_line f;
    if (lxkns_parse_mountinfo_line(buf, size, &f) == 0) {
        PROMISE(f.mount_id >= 0);
        PROMISE(f.root_off + f.root_len <= size && f.point_off + f.point_len <= size);
        PROMISE(f.fstype_off + f.fstype_len <= size && f.fstype_len > 0);
        PROMISE(!memchr(buf + f.fstype_off, ' ', f.fstype_len));
        PROMISE(!memchr(buf + f.root_off, ' ', f.root_len) && !memchr(buf + f.point_off, ' ', f.point_len));
        PROMISE(f.point_off + f.point_len <= f.fstype_off);
        char *point = buf + f.point_off; /* what the scanner does with a mount point next */
        PROMISE(lxkns_unescape_octal(point, f.point_len) <= f.point_len);
    }
#else
#error "define one LXKNS_FUZZ_* target"
#endif
    free(buf);
    return 0;
}
