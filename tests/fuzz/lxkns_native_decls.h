/*
 * The declarations the fuzz targets need from _native/lxkns_native.c, as plain C (the
 * cffi header lxkns_native.h leaves constants to the compiler with "...", which no C
 * compiler reads). The structs have the fields of lxkns_native.c; a drift shows as a
 * broken promise at once.
 */
#include <stddef.h>
#include <stdint.h>

struct lxkns_stat {
    int64_t pid, ppid, state, starttime, nice, priority, policy, nthreads;
    uint64_t comm_off, comm_len;
};
struct lxkns_mountinfo_line {
    int64_t mount_id;
    uint64_t root_off, root_len, point_off, point_len, fstype_off, fstype_len;
};

int lxkns_parse_stat(const char *buf, size_t len, struct lxkns_stat *out);
int lxkns_parse_nslink(const char *buf, size_t len, int64_t *link, uint64_t *ino);
size_t lxkns_unescape_octal(char *buf, size_t len);
int lxkns_parse_mountinfo_line(const char *line, size_t len, struct lxkns_mountinfo_line *out);
