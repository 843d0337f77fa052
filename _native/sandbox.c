/*
 * sandbox.c -- a forked, single-threaded child parked inside a user and a
 * mount namespace, whose root it hands back as an fd (setns() into a user
 * namespace needs a single-threaded process). What is inside those namespaces
 * must not reach us through it: it is non-dumpable and keeps no fd of ours.
 */
#include "core.h"

#include <fcntl.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_close_range
#define SYS_close_range 436
#endif

/*
 * Fork a child that enters user namespace `userns_fd` (if >= 0) and then mount
 * namespace `mntns_fd`, and stays there until the pipe *hold_fd closes (the caller
 * closes it, or ends). Its /proc/PID/root then shows that mount namespace. A
 * single-threaded child is what setns() into a user namespace requires.
 *
 * A root inside those namespaces must not reach our process through the child: it
 * is made non-dumpable before the first setns() (no ptrace, no /proc/PID/fd, no
 * pidfd_getfd() for anyone without CAP_SYS_PTRACE where it started), and it keeps no
 * fd of ours but the ones it needs: /dev/null on 0-2 (opened before it moves), its
 * status socket and the two namespaces until it has entered them, then only its end of
 * the hold pipe (on fd 3). It hands its new root back as an fd (*root_fd): a
 * non-dumpable process' /proc/PID/root is closed to callers without CAP_SYS_PTRACE.
 *
 * Between fork and _exit the child makes async-signal-safe calls only: it may be
 * forked from any thread of a multi-threaded process.
 * Returns 0 with *pid, *hold_fd and *root_fd set, or -errno; *step says what failed
 * (1 entering the user namespace, 2 the mount namespace, 3 opening its root; 0 none).
 */

/* In the child: move fds to 3, 4, ... (in order) and close every other fd above 2. */
static int sandbox_keep_only(int *fds, int n, long maxfd) {
    for (int i = 0; i < n; i++) { /* first out of the way of 3.., then down to them */
        if (fds[i] < 0) continue;
        int high = fcntl(fds[i], F_DUPFD, 64);
        if (high < 0) return -1;
        fds[i] = high;
    }
    for (int i = 0; i < n; i++) {
        if (fds[i] < 0) {
            close(3 + i); /* whatever was there */
            continue;
        }
        if (dup2(fds[i], 3 + i) < 0) return -1;
        fds[i] = 3 + i;
    }
    if (syscall(SYS_close_range, 3 + n, ~0U, 0) != 0)
        for (long fd = 3 + n; fd < maxfd; fd++) close((int)fd);
    return 0;
}

/* In the child: the outcome (res) and, on success, its new root as an fd (SCM_RIGHTS). */
static void sandbox_report(int sock, const int res[2], int rootfd) {
    struct iovec iov = {.iov_base = (void *)res, .iov_len = 2 * sizeof(int)};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } ctl;
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    if (rootfd >= 0) {
        memset(&ctl, 0, sizeof ctl);
        msg.msg_control = ctl.buf;
        msg.msg_controllen = sizeof ctl.buf;
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &rootfd, sizeof(int));
    }
    ssize_t w;
    do w = sendmsg(sock, &msg, MSG_NOSIGNAL);
    while (w < 0 && errno == EINTR);
}

static void sandbox_child(int userns_fd, int mntns_fd, int status_w, int hold_r, long maxfd) {
    int res[2] = {0, 0};
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
    }
    int keep[4] = {status_w, hold_r, userns_fd, mntns_fd};
    if (sandbox_keep_only(keep, 4, maxfd) != 0) _exit(68);
    if (keep[2] >= 0 && setns(keep[2], CLONE_NEWUSER)) {
        res[0] = errno;
        res[1] = 1;
    } else if (setns(keep[3], CLONE_NEWNS)) {
        res[0] = errno;
        res[1] = 2;
    }
    /* a change of credentials may reset it to the system's suid_dumpable: set it again */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    if (keep[2] >= 0) close(keep[2]);
    close(keep[3]);
    /* the root goes to the caller as an fd: a non-dumpable child's /proc/PID/root is
     * closed to callers without CAP_SYS_PTRACE */
    int rootfd = res[0] ? -1 : open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (!res[0] && rootfd < 0) {
        res[0] = errno;
        res[1] = 3;
    }
    sandbox_report(keep[0], res, rootfd);
    close(keep[0]);
    if (res[0]) _exit(66);
    close(rootfd);
    if (dup2(keep[1], 3) < 0) _exit(67); /* it was on 4: down to 3, the rest closed */
    close(4);
    char c;
    ssize_t r;
    do r = read(3, &c, 1);
    while (r < 0 && errno == EINTR);
    _exit(0);
}

/* In the parent: the child's outcome, and its root fd (-1 if none came). */
static ssize_t sandbox_outcome(int sock, int res[2], int *rootfd) {
    struct iovec iov = {.iov_base = res, .iov_len = 2 * sizeof(int)};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } ctl;
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
                         .msg_controllen = sizeof ctl.buf};
    ssize_t r;
    do r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    while (r < 0 && errno == EINTR);
    *rootfd = -1;
    if (r < 0) return r;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
            c->cmsg_len == CMSG_LEN(sizeof(int)))
            memcpy(rootfd, CMSG_DATA(c), sizeof(int));
    return r;
}

int lxkns_sandbox_start(int userns_fd, int mntns_fd, int64_t *pid, int *hold_fd, int *root_fd,
                        int *step) {
    int status[2], hold[2];
    *step = 0;
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, status)) return -errno;
    if (pipe2(hold, O_CLOEXEC)) {
        int err = errno;
        close(status[0]);
        close(status[1]);
        return -err;
    }
    long maxfd = sysconf(_SC_OPEN_MAX);
    if (maxfd < 0 || maxfd > 65536) maxfd = 65536;
    pid_t child = fork();
    if (child == 0) sandbox_child(userns_fd, mntns_fd, status[1], hold[0], maxfd);
    int err = child < 0 ? errno : 0;
    close(status[1]);
    close(hold[0]);
    if (err) {
        close(status[0]);
        close(hold[1]);
        return -err;
    }
    int res[2] = {0, 0}, rootfd = -1;
    ssize_t r = sandbox_outcome(status[0], res, &rootfd);
    close(status[0]);
    if (r != (ssize_t)(2 * sizeof(int)) || res[0] || rootfd < 0) {
        if (rootfd >= 0) close(rootfd);
        close(hold[1]);
        while (waitpid(child, NULL, 0) < 0 && errno == EINTR) {
        }
        *step = res[1];
        return -(res[0] ? res[0] : ECHILD);
    }
    *pid = child;
    *hold_fd = hold[1];
    *root_fd = rootfd;
    return 0;
}
