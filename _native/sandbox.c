/*
 * sandbox.c -- a forked, single-threaded child parked inside a user and a
 * mount namespace, whose /proc/PID/root then shows that mount namespace
 * (setns() into a user namespace needs a single-threaded process).
 */
#include "core.h"

#include <fcntl.h>
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
 * Between fork and _exit the child makes async-signal-safe calls only: it may be
 * forked from any thread of a multi-threaded process. It keeps no fd of ours
 * but its end of the hold pipe (on fd 3) and /dev/null on 0-2.
 * Returns 0 with *pid and *hold_fd set, or -errno; *step says which setns failed
 * (1 user, 2 mount; 0 if none did).
 */
int lxkns_sandbox_start(int userns_fd, int mntns_fd, int64_t *pid, int *hold_fd, int *step) {
    int status[2], hold[2];
    *step = 0;
    if (pipe2(status, O_CLOEXEC)) return -errno;
    if (pipe2(hold, O_CLOEXEC)) {
        int err = errno;
        close(status[0]);
        close(status[1]);
        return -err;
    }
    long maxfd = sysconf(_SC_OPEN_MAX);
    if (maxfd < 0 || maxfd > 65536) maxfd = 65536;
    pid_t child = fork();
    if (child == 0) {
        int res[2] = {0, 0};
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null >= 0) {
            dup2(null, 0);
            dup2(null, 1);
            dup2(null, 2);
        }
        if (userns_fd >= 0 && setns(userns_fd, CLONE_NEWUSER)) {
            res[0] = errno;
            res[1] = 1;
        } else if (setns(mntns_fd, CLONE_NEWNS)) {
            res[0] = errno;
            res[1] = 2;
        }
        ssize_t w;
        do w = write(status[1], res, sizeof res);
        while (w < 0 && errno == EINTR);
        if (res[0]) _exit(66);
        if (dup2(hold[0], 3) < 0) _exit(67); /* dup2 clears O_CLOEXEC on the copy */
        if (syscall(SYS_close_range, 4, ~0U, 0) != 0)
            for (long fd = 4; fd < maxfd; fd++) close((int)fd);
        char c;
        ssize_t r;
        do r = read(3, &c, 1);
        while (r < 0 && errno == EINTR);
        _exit(0);
    }
    int err = child < 0 ? errno : 0;
    close(status[1]);
    close(hold[0]);
    if (err) {
        close(status[0]);
        close(hold[1]);
        return -err;
    }
    int res[2] = {0, 0};
    ssize_t r;
    do r = read(status[0], res, sizeof res);
    while (r < 0 && errno == EINTR);
    close(status[0]);
    if (r != (ssize_t)sizeof res || res[0]) {
        close(hold[1]);
        while (waitpid(child, NULL, 0) < 0 && errno == EINTR) {
        }
        *step = res[1];
        return -(res[0] ? res[0] : ECHILD);
    }
    *pid = child;
    *hold_fd = hold[1];
    return 0;
}
