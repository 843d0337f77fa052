#!/bin/bash
# Build the namespaces that the examples in this manual show.
#
# Run as root on a scratch machine; undo with landscape-down.sh. Needs
# util-linux (unshare), iproute2 (ip), python3 and, for step 9, a cgroup v1
# freezer hierarchy at /sys/fs/cgroup/freezer (the step is skipped without).
set -e
D=/run/lxkns-demo
HERE=$(dirname "$(readlink -f "$0")")
mkdir -p $D
mount -t tmpfs lxkns-demo $D
mount --make-private $D
: > $D/pids

# 1. a rootless container of sorts: new user, mount, network, UTS and PID
#    namespaces, with sleep as PID 1 of the new PID namespace
unshare --user --map-root-user --mount --net --uts --pid --fork --mount-proc sleep infinity &
echo $! >> $D/pids

# 2. a user namespace two levels down; nothing runs in the one between
unshare --user --map-root-user unshare --user --map-root-user sleep infinity &
echo $! >> $D/pids

# 3. a PID namespace whose only process has ended: only the
#    pid_for_children link of its creator still shows it
python3 -c '
import ctypes, os, signal
ctypes.CDLL(None).unshare(0x20000000)  # CLONE_NEWPID
child = os.fork()
if child == 0:
    os._exit(0)
os.waitpid(child, 0)
signal.pause()' &
echo $! >> $D/pids

# 4. a network namespace bind-mounted by iproute2, no process in it
ip netns add lxkns-demo

# 5. a time namespace
unshare --time --fork sleep infinity &
echo $! >> $D/pids

# 6. a network namespace held only by an fd, one held only by a socket, and
#    a thread in a network namespace of its own (see holder.py)
python3 "$HERE/holder.py" $D/holder.ready &
echo $! >> $D/pids

# 7. a mount namespace without any process, bind-mounted on $D/mnt; only
#    inside it, a network namespace bind-mounted on $D/inner/net
touch $D/mnt
mkdir $D/inner
unshare --mount=$D/mnt --propagation private sh -c \
    "mount -t tmpfs inner $D/inner && touch $D/inner/net && unshare --net=$D/inner/net true"

# 8. bind-mounted PID and user namespaces without processes
touch $D/pid $D/user
unshare --pid=$D/pid --fork true
unshare --user sleep infinity &
U=$!
while [ "$(readlink /proc/$U/ns/user)" = "$(readlink /proc/self/ns/user)" ]; do sleep 0.05; done
mount --bind /proc/$U/ns/user $D/user
kill $U

# 9. a frozen process (cgroup v1 freezer)
if [ -d /sys/fs/cgroup/freezer ]; then
    mkdir /sys/fs/cgroup/freezer/lxkns-demo
    sleep infinity &
    echo $! >> $D/pids
    echo $! > /sys/fs/cgroup/freezer/lxkns-demo/cgroup.procs
    echo FROZEN > /sys/fs/cgroup/freezer/lxkns-demo/freezer.state
fi

while [ ! -e $D/holder.ready ]; do sleep 0.05; done
echo "landscape up; PIDs: $(tr '\n' ' ' < $D/pids)"
