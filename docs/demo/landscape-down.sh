#!/bin/bash
# Undo landscape-up.sh: thaw, kill what it started, unmount, remove.
D=/run/lxkns-demo
F=/sys/fs/cgroup/freezer/lxkns-demo
[ -e $F/freezer.state ] && echo THAWED > $F/freezer.state
for p in $(cat $D/pids 2>/dev/null); do
    kill -KILL $(cat /proc/$p/task/*/children 2>/dev/null) $p 2>/dev/null
done
ip netns delete lxkns-demo 2>/dev/null
umount -l $D 2>/dev/null && rmdir $D
for _ in 1 2 3 4 5 6 7 8 9 10; do
    [ -d $F ] || break
    rmdir $F 2>/dev/null || sleep 0.1
done
true
