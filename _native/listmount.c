/*
 * listmount.c -- mount tables read with listmount() and statmount() (kernel
 * 6.8+; used where statmount() says it gives everything, 6.15+), from inside
 * the mount namespace, as mount records instead of mountinfo text.
 */
#include "core.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * listmount()/statmount() (kernel 6.8+). Older kernel headers (Debian 12 ships
 * 6.1) lack them, so the UAPI values are spelled out here. The structs get names
 * of our own: their layout is the kernel's, fixed by its ABI.
 */
#ifndef SYS_statmount
#define SYS_statmount 457 /* the same in the generic table and on x86-64 */
#endif
#ifndef SYS_listmount
#define SYS_listmount 458
#endif
#define LXKNS_STATMOUNT_SB_BASIC 0x00000001U
#define LXKNS_STATMOUNT_MNT_BASIC 0x00000002U
#define LXKNS_STATMOUNT_PROPAGATE_FROM 0x00000004U
#define LXKNS_STATMOUNT_MNT_ROOT 0x00000008U
#define LXKNS_STATMOUNT_MNT_POINT 0x00000010U
#define LXKNS_STATMOUNT_FS_TYPE 0x00000020U
#define LXKNS_STATMOUNT_MNT_OPTS 0x00000080U
#define LXKNS_STATMOUNT_FS_SUBTYPE 0x00000100U
#define LXKNS_STATMOUNT_SB_SOURCE 0x00000200U
#define LXKNS_STATMOUNT_SUPPORTED_MASK 0x00001000U
#define LXKNS_LSMT_ROOT 0xffffffffffffffffULL
#define LXKNS_MNT_ID_REQ_SIZE_VER0 24

/* what a mount record needs; MNT_OPTS, FS_SUBTYPE and SB_SOURCE are only set when not empty */
#define LXKNS_STATMOUNT_WANT                                                                     \
    (LXKNS_STATMOUNT_SB_BASIC | LXKNS_STATMOUNT_MNT_BASIC | LXKNS_STATMOUNT_PROPAGATE_FROM |     \
     LXKNS_STATMOUNT_MNT_ROOT | LXKNS_STATMOUNT_MNT_POINT | LXKNS_STATMOUNT_FS_TYPE |            \
     LXKNS_STATMOUNT_MNT_OPTS | LXKNS_STATMOUNT_FS_SUBTYPE | LXKNS_STATMOUNT_SB_SOURCE)

struct lxkns_mnt_id_req {
    uint32_t size;
    uint32_t mnt_ns_fd; /* "spare" before 6.18; 0 = not used */
    uint64_t mnt_id;
    uint64_t param;
};

struct lxkns_statmount_buf {
    uint32_t size, mnt_opts;
    uint64_t mask;
    uint32_t sb_dev_major, sb_dev_minor;
    uint64_t sb_magic;
    uint32_t sb_flags, fs_type;
    uint64_t mnt_id, mnt_parent_id;
    uint32_t mnt_id_old, mnt_parent_id_old;
    uint64_t mnt_attr, mnt_propagation, mnt_peer_group, mnt_master, propagate_from;
    uint32_t mnt_root, mnt_point;
    uint64_t mnt_ns_id;
    uint32_t fs_subtype, sb_source, opt_num, opt_array, opt_sec_num, opt_sec_array;
    uint64_t supported_mask;
    uint32_t mnt_uidmap_num, mnt_uidmap, mnt_gidmap_num, mnt_gidmap;
    uint64_t spare2[43];
    char str[]; /* the strings, at offset 512 in every kernel version so far */
};
_Static_assert(sizeof(struct lxkns_statmount_buf) == 512, "struct statmount is 512 bytes");

/* statmount() one mount into m->sm, growing the buffer as needed; 0 or -errno. */
static int stat_mount(struct mountctx *m, uint64_t id, uint64_t mask) {
    for (;;) {
        if (!m->sm) {
            m->smcap = 8192;
            m->sm = malloc(m->smcap);
            if (!m->sm) return -ENOMEM;
        }
        struct lxkns_mnt_id_req req = {.size = LXKNS_MNT_ID_REQ_SIZE_VER0, .mnt_id = id, .param = mask};
        if (syscall(SYS_statmount, &req, m->sm, m->smcap, 0) == 0) return 0;
        if (errno != EOVERFLOW || m->smcap >= (1u << 24)) return -errno;
        free(m->sm);
        m->sm = NULL;
        m->smcap *= 2;
        void *p = malloc(m->smcap);
        if (!p) return -ENOMEM;
        m->sm = p;
    }
}

int listmount_usable(struct mountctx *m) {
    struct lxkns_scan *s = m->s;
    if (s->features & LXKNS_NO_LISTMOUNT) return 0;
    struct lxkns_mnt_id_req req = {.size = LXKNS_MNT_ID_REQ_SIZE_VER0, .mnt_id = LXKNS_LSMT_ROOT};
    uint64_t id;
    if (syscall(SYS_listmount, &req, &id, 1, 0) == 1) {
        int r = stat_mount(m, id, LXKNS_STATMOUNT_SUPPORTED_MASK);
        if (r == -ENOMEM) return r;
        /* kernels before 6.15 do not say what they support: the mountinfo path serves */
        if (!r && (m->sm->mask & LXKNS_STATMOUNT_SUPPORTED_MASK) &&
            (m->sm->supported_mask & LXKNS_STATMOUNT_WANT) == LXKNS_STATMOUNT_WANT)
            return 1;
    }
    feature_missing(s, LXKNS_NO_LISTMOUNT);
    return 0;
}

static int add_sm_string(struct lxkns_scan *s, struct lxkns_statmount_buf *sm, uint32_t off,
                         uint64_t *o, uint64_t *l) {
    const char *str = sm->str + off;
    size_t len = strnlen(str, sm->size > sizeof *sm + off ? sm->size - sizeof *sm - off : 0);
    *l = len;
    return arena_add(&s->str, str, len, o);
}

/*
 * The mount table of the mount namespace this thread is in, with listmount() and
 * statmount(), as mount records; nsfs mounts go to bind_seen(). Returns 0, or
 * -errno with nothing recorded (the caller falls back to mountinfo).
 */
int list_mounts(struct mountctx *m, uint64_t mntns) {
    struct lxkns_scan *s = m->s;
    size_t first = s->mounts.n, first_str = s->str.n;
    uint64_t last = 0;
    if (!m->ids) {
        m->nids = 1024;
        m->ids = malloc(m->nids * sizeof *m->ids);
        if (!m->ids) return -ENOMEM;
    }
    for (;;) {
        struct lxkns_mnt_id_req req = {.size = LXKNS_MNT_ID_REQ_SIZE_VER0, .mnt_id = LXKNS_LSMT_ROOT,
                                       .param = last};
        long n = syscall(SYS_listmount, &req, m->ids, m->nids, 0);
        if (n < 0) {
            int err = errno;
            s->mounts.n = first;
            s->str.n = first_str;
            return -err;
        }
        for (long i = 0; i < n; i++) {
            int r = stat_mount(m, m->ids[i], LXKNS_STATMOUNT_WANT);
            if (r == -ENOENT) continue; /* unmounted meanwhile */
            if (r) {
                s->mounts.n = first;
                s->str.n = first_str;
                return r;
            }
            struct lxkns_statmount_buf *sm = m->sm;
            if (!(sm->mask & LXKNS_STATMOUNT_MNT_POINT)) continue; /* not below our root */
            struct lxkns_mount *rec = vec_push(&s->mounts);
            if (!rec) return -ENOMEM;
            rec->mntns = mntns;
            rec->mount_id = sm->mnt_id_old;
            rec->parent_id = sm->mnt_parent_id_old;
            rec->major = sm->sb_dev_major;
            rec->minor = sm->sb_dev_minor;
            rec->attr = sm->mnt_attr;
            rec->propagation = sm->mnt_propagation;
            rec->peer_group = sm->mnt_peer_group;
            rec->master = sm->mnt_master;
            rec->propagate_from = sm->propagate_from;
            rec->sb_flags = sm->sb_flags;
            rec->unique_id = sm->mnt_id;
            int bad = add_sm_string(s, sm, sm->mnt_root, &rec->root_off, &rec->root_len) ||
                      add_sm_string(s, sm, sm->mnt_point, &rec->point_off, &rec->point_len) ||
                      add_sm_string(s, sm, sm->fs_type, &rec->fstype_off, &rec->fstype_len);
            if (!bad && (sm->mask & LXKNS_STATMOUNT_FS_SUBTYPE)) {
                rec->has |= LXKNS_HAS_SUBTYPE;
                bad = add_sm_string(s, sm, sm->fs_subtype, &rec->subtype_off, &rec->subtype_len);
            }
            if (!bad && (sm->mask & LXKNS_STATMOUNT_SB_SOURCE)) {
                rec->has |= LXKNS_HAS_SOURCE;
                bad = add_sm_string(s, sm, sm->sb_source, &rec->source_off, &rec->source_len);
            }
            if (!bad && (sm->mask & LXKNS_STATMOUNT_MNT_OPTS)) {
                rec->has |= LXKNS_HAS_OPTS;
                bad = add_sm_string(s, sm, sm->mnt_opts, &rec->opts_off, &rec->opts_len);
            }
            if (bad) return -ENOMEM;
        }
        if ((size_t)n < m->nids) break;
        last = m->ids[n - 1];
    }
    /* nsfs mounts: bind-mounted namespaces (we are inside: open the paths directly) */
    int rootfd = -2;
    for (size_t i = first; i < s->mounts.n && !m->rc; i++) {
        struct lxkns_mount *rec = (struct lxkns_mount *)s->mounts.p + i;
        const char *fstype = s->str.p + rec->fstype_off;
        int64_t t;
        uint64_t ino;
        if (rec->fstype_len == 4 && !memcmp(fstype, "nsfs", 4) &&
            !lxkns_parse_nslink(s->str.p + rec->root_off, rec->root_len, &t, &ino)) {
            /* bind_seen adds to the string arena: copy the path out first */
            char path[PATH_MAX];
            size_t plen = rec->point_len < sizeof path ? rec->point_len : sizeof path - 1;
            memcpy(path, s->str.p + rec->point_off, plen);
            bind_seen(m, mntns, t, ino, path, plen, &rootfd, 0, 0);
        }
    }
    return 0;
}
