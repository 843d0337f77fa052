/*
 * nsmeta.c -- what the nsfs ioctls say about a namespace, asked once, right
 * when the namespace is first seen: its device, its stable 64-bit ID
 * (NS_GET_ID), its owning user namespace, its parent and its creator's UID.
 * Owners and parents not seen before are followed and asked in turn.
 */
#include "core.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

uint64_t ns_follow(struct lxkns_scan *s, int nfd, int64_t type, int64_t origin) {
    struct stat st;
    uint64_t ino = 0;
    if (fstat(nfd, &st) == 0) {
        ino = (uint64_t)st.st_ino;
        int isnew;
        struct nsent *o = tab_claim(&s->tab, ino, type, origin, &isnew);
        if (o && isnew) ns_meta(s, o, nfd);
    }
    close(nfd);
    return ino;
}

void ns_meta(struct lxkns_scan *s, struct nsent *e, int fd) {
    struct stat st;
    int64_t type = e->r.link;
    uint64_t dev = 0, owner = 0, parent = 0, nsid = 0;
    int64_t uid = -1, owner_err = 0, parent_err = 0, uid_err = 0, open_err = 0, id_err = 0;
    if (fstat(fd, &st) != 0) {
        open_err = errno;
        goto store;
    }
    dev = (uint64_t)st.st_dev;
    if ((uint64_t)st.st_ino != e->r.ino) {
        open_err = ESTALE; /* the path now leads to another namespace */
        goto store;
    }
    if (s->features & LXKNS_NO_NS_ID) {
        id_err = ENOTTY;
    } else if (ioctl(fd, NS_GET_ID, &nsid) != 0) {
        id_err = errno;
        nsid = 0;
        if (errno == ENOTTY || errno == EINVAL) feature_missing(s, LXKNS_NO_NS_ID);
    }
    if (!(s->flags & LXKNS_SCAN_META)) goto store;
    /* features found (or assumed) missing are not asked for again */
    uint64_t missing = __atomic_load_n(&s->features, __ATOMIC_RELAXED);
    if (type == LXKNS_LINK_USER && (missing & LXKNS_NO_OWNER_UID)) {
        uid_err = ENOTTY;
    } else if (type != LXKNS_LINK_USER && (missing & LXKNS_NO_NS_IOCTLS)) {
        owner_err = ENOTTY;
    } else if (type == LXKNS_LINK_USER) {
        uid_t u;
        if (ioctl(fd, NS_GET_OWNER_UID, &u) == 0) {
            uid = u;
        } else {
            uid_err = errno;
            if (errno == ENOTTY || errno == EINVAL) feature_missing(s, LXKNS_NO_OWNER_UID);
        }
    } else {
        int ufd = ioctl(fd, NS_GET_USERNS);
        if (ufd >= 0) {
            owner = ns_follow(s, ufd, LXKNS_LINK_USER, LXKNS_ORIGIN_OWNER);
        } else {
            owner_err = errno;
            if (errno == ENOTTY) feature_missing(s, LXKNS_NO_NS_IOCTLS);
        }
    }
    if ((type == LXKNS_LINK_USER || type == LXKNS_LINK_PID) && (missing & LXKNS_NO_NS_IOCTLS)) {
        parent_err = ENOTTY;
    } else if (type == LXKNS_LINK_USER || type == LXKNS_LINK_PID) {
        int pfd = ioctl(fd, NS_GET_PARENT);
        if (pfd >= 0) {
            parent = ns_follow(s, pfd, type, LXKNS_ORIGIN_PARENT);
        } else {
            parent_err = errno;
            if (errno == ENOTTY) feature_missing(s, LXKNS_NO_NS_IOCTLS);
        }
    }
store:
    pthread_mutex_lock(&s->tab.mu);
    e->r.dev = dev;
    e->r.nsid = nsid;
    e->r.id_err = id_err;
    e->r.owner = owner;
    e->r.parent = parent;
    e->r.owner_uid = uid;
    e->r.open_err = open_err;
    e->r.owner_err = owner_err;
    e->r.parent_err = parent_err;
    e->r.uid_err = uid_err;
    pthread_mutex_unlock(&s->tab.mu);
}

struct nsent *ns_seen(struct worker *w, uint64_t ino, int64_t type, int64_t origin, int dirfd,
                      const char *name, int64_t pid, int64_t tid) {
    struct lxkns_scan *s = w->s;
    int isnew;
    struct nsent *e = tab_claim(&s->tab, ino, type, origin, &isnew);
    if (!e || !isnew) return e;
    lxkns_passing_begin(); /* the namespace's fd and those its ioctls give are gone at the end */
    int fd = open_nsfs_at(s, dirfd, name); /* nothing else is ever opened for reading */
    if (fd < 0) {
        int err = errno;
        lxkns_passing_end();
        pthread_mutex_lock(&s->tab.mu);
        e->r.open_err = err;
        pthread_mutex_unlock(&s->tab.mu);
        fail_to(&w->fails, LXKNS_FAIL_NSOPEN, pid, tid, (int64_t)ino, err);
        return e;
    }
    ns_meta(s, e, fd);
    close(fd);
    lxkns_passing_end();
    return e;
}
