#!/usr/bin/env bash
# Real container engines for lxkns' container tests: Docker, containerd (with its CRI
# plugin, which speaks the API CRI-O speaks) and podman, from Debian's packages, started
# by hand (no systemd), offline, with images written locally (make_image.py).
#
#   engines.sh install       apt-get the engines (idempotent; no service is started)
#   engines.sh start [DIR]   start all three under DIR (default: a fresh /tmp/lxkns-engines.*),
#                            load the images, write DIR/engines.env; prints DIR
#   engines.sh stop DIR      remove every container, stop the daemons, unmount, clean the host
#   engines.sh status DIR    exit 0 if all three engines under DIR answer
#
# Everything an engine keeps lives under DIR: data roots, state, sockets, pid files, logs.
# Other users of this machine may run their own engines at the same time, so nothing here
# uses a default path or a shared name: sockets, the CNI bridge, the cgroup parents and the
# subnet are all derived from DIR, and `stop` ends only processes named in DIR's pid files.
#
# Host changes, all undone by `stop`:
#   dockerd: no bridge, no iptables, no ip_forward; its containers get a loopback-only netns.
#   podman: netns "none" (each container still has its own loopback-only netns).
#   CRI pods: the CNI bridge plugin on our own bridge, no gateway, no masquerading, no
#     iptables; one veth per pod. Pod netns bind mounts stay under DIR.
#   cgroup directories of our containers in every v1 hierarchy.
#   A few paths the engines create whatever their flags say (/etc/docker/key.json,
#   /var/lib/containers/cache, /var/lib/cni, /run/docker/plugins, /run/runc,
#   /run/containerd/{runc,s,fifo}): removed when they did not exist before and are empty or
#   no other engine is running.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUSYBOX_REF=localtest/busybox:latest   # docker; containerd: docker.io/...; podman: localhost/...
PAUSE_REF=localtest/pause:latest       # the CRI sandbox image (catatonit)
HOSTBIN_REF=localtest/hostbin:latest   # empty merged-/usr root: run with -v /usr:/usr:ro
PACKAGES="docker.io containerd runc podman catatonit busybox-static containernetworking-plugins iptables"

log() { printf '[engines %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "error: $*"; exit 1; }

# wait_for SECONDS CMD...: poll CMD until it succeeds
wait_for() {
    local deadline=$((SECONDS + $1)); shift
    until "$@" >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.05
    done
}

# names derived from DIR, so that two runs on one machine never share one
derive() {
    D=$1
    TAG=$(printf '%s' "$D" | md5sum | cut -c1-8)
    CTRD_SOCK=$D/containerd/containerd.sock
    DOCKER_SOCK=$D/docker.sock
    PODMAN_SOCK=$D/podman.sock
    CNI_BRIDGE=lxk$TAG                      # 11 characters (IFNAMSIZ allows 15)
    CNI_SUBNET=10.252.$((16#${TAG:0:2})).0/24  # on the bridge only; nothing routes to it
    CGROUP_PARENT=lxkns-$TAG                # /lxkns-TAG/{docker,ctr,cri}
    export CONTAINERS_CONF=$D/podman/containers.conf
    export CONTAINERS_STORAGE_CONF=$D/podman/storage.conf
}

cmd_install() {
    local missing=""
    for bin in dockerd containerd ctr runc podman catatonit busybox /usr/lib/cni/bridge; do
        command -v "$bin" >/dev/null 2>&1 || [ -x "$bin" ] || missing="$missing $bin"
    done
    if [ -z "$missing" ]; then log "engines already installed"; return 0; fi
    log "installing (missing:$missing)"
    # other users may be running apt: wait for the lock instead of failing
    apt-get -o DPkg::Lock::Timeout=300 update -qq
    # --no-install-recommends keeps out apparmor, buildah, slirp4netns, ...; policy-rc.d on
    # these machines keeps apt from starting any service
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
        --no-install-recommends $PACKAGES >/dev/null
}

write_images() {
    local img=$D/images
    mkdir -p "$img"
    python3 "$HERE/make_image.py" "$img/busybox.tar" "$BUSYBOX_REF" '["/bin/busybox"]' \
        /bin/busybox=/bin/busybox
    python3 "$HERE/make_image.py" "$img/pause.tar" "$PAUSE_REF" '["/catatonit","-P"]' \
        /usr/bin/catatonit=/catatonit
    # for an engine inside a container: the host's /usr bind-mounted read-only over usr/
    python3 "$HERE/make_image.py" "$img/hostbin.tar" "$HOSTBIN_REF" '["/usr/bin/sleep","infinity"]' \
        usr/ 'bin->usr/bin' 'sbin->usr/sbin' 'lib->usr/lib' 'lib64->usr/lib64' var/lib/ run/
}

start_containerd() {
    mkdir -p "$D/containerd/cni" "$D/containerd/cni-ipam"
    cat > "$D/containerd/config.toml" <<EOF
version = 2
root = "$D/containerd/root"
state = "$D/containerd/state"
[grpc]
  address = "$CTRD_SOCK"
[ttrpc]
  address = "$CTRD_SOCK.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$D/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "docker.io/$PAUSE_REF"
  netns_mounts_under_state_dir = true
  # root here lacks CAP_SYS_RESOURCE: runc cannot give the sandbox oom_score_adj -998
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$D/containerd/cni"
EOF
    # CRI insists on a network with an address on eth0; loopback alone is refused
    cat > "$D/containerd/cni/10-lxkns.conflist" <<EOF
{ "cniVersion": "0.4.0", "name": "lxkns-$TAG",
  "plugins": [
    { "type": "bridge", "bridge": "$CNI_BRIDGE", "isGateway": false, "ipMasq": false,
      "ipam": { "type": "host-local", "dataDir": "$D/containerd/cni-ipam",
                "ranges": [[{ "subnet": "$CNI_SUBNET" }]] } },
    { "type": "loopback" } ] }
EOF
    containerd --config "$D/containerd/config.toml" --log-level warn >"$D/containerd.log" 2>&1 &
    echo $! >"$D/containerd.pid"
    wait_for 15 ctr -a "$CTRD_SOCK" version || die "containerd did not come up ($D/containerd.log)"
}

start_dockerd() {
    # --containerd: our containerd (Docker's containers show up in its "moby" namespace)
    dockerd --data-root "$D/docker/data" --exec-root "$D/docker/exec" --pidfile "$D/dockerd.pid" \
        -H "unix://$DOCKER_SOCK" --containerd "$CTRD_SOCK" --cgroup-parent "/$CGROUP_PARENT/docker" \
        --bridge=none --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false \
        --log-level warn >"$D/dockerd.log" 2>&1 &
    echo $! >"$D/dockerd.launch.pid"
    wait_for 15 docker -H "unix://$DOCKER_SOCK" version || die "dockerd did not come up ($D/dockerd.log)"
}

start_podman() {
    mkdir -p "$D/podman/tmp" "$D/podman/cni"
    # podman asks runc for nofile/nproc 1048576, which needs CAP_SYS_RESOURCE; pin them to
    # what we have (podman itself runs with nproc 32768, the ceiling for nproc)
    local nofile nproc
    nofile=$(ulimit -Hn); nproc=$(ulimit -Hu)
    if [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ]; then nproc=32768; fi
    cat > "$CONTAINERS_CONF" <<EOF
[containers]
netns = "none"
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$D/podman/events.log"
tmp_dir = "$D/podman/tmp"
[network]
network_config_dir = "$D/podman/cni"
EOF
    cat > "$CONTAINERS_STORAGE_CONF" <<EOF
[storage]
driver = "overlay"
graphroot = "$D/podman/root"
runroot = "$D/podman/runroot"
EOF
    podman system service --time=0 "unix://$PODMAN_SOCK" >"$D/podman-service.log" 2>&1 &
    echo $! >"$D/podman-service.pid"
    wait_for 15 curl -sf --unix-socket "$PODMAN_SOCK" http://d/_ping || die "podman did not come up"
}

load_images() {
    docker -H "unix://$DOCKER_SOCK" load -q -i "$D/images/busybox.tar" >/dev/null
    docker -H "unix://$DOCKER_SOCK" load -q -i "$D/images/hostbin.tar" >/dev/null
    local ns
    for ns in default k8s.io; do  # containerd keeps images per namespace
        ctr -a "$CTRD_SOCK" -n "$ns" images import "$D/images/busybox.tar" >/dev/null
    done
    ctr -a "$CTRD_SOCK" -n k8s.io images import "$D/images/pause.tar" >/dev/null
    podman load -q -i "$D/images/busybox.tar" >/dev/null
}

write_env() {
    cat > "$D/engines.env" <<EOF
ENGINES_DIR=$D
DOCKER_SOCK=$DOCKER_SOCK
CONTAINERD_SOCK=$CTRD_SOCK
PODMAN_SOCK=$PODMAN_SOCK
CONTAINERS_CONF=$CONTAINERS_CONF
CONTAINERS_STORAGE_CONF=$CONTAINERS_STORAGE_CONF
CGROUP_PARENT=$CGROUP_PARENT
BUSYBOX_REF=$BUSYBOX_REF
PAUSE_REF=$PAUSE_REF
HOSTBIN_REF=$HOSTBIN_REF
EOF
}

# host paths the engines create outside DIR whatever their flags say
HOST_PATHS="/etc/docker/key.json /var/lib/containers /var/lib/cni /run/docker /run/runc /run/containerd"

cmd_start() {
    local dir=${1:-}
    if [ -z "$dir" ]; then dir=$(mktemp -d /tmp/lxkns-engines.XXXXXX); fi
    mkdir -p "$dir"
    derive "$(cd "$dir" && pwd)"
    [ ! -s "$D/containerd.pid" ] || die "engines already started under $D (engines.sh stop $D)"
    # a start that fails half-way leaves nothing running
    trap 'log "start failed; cleaning up"; cmd_stop "$D" || true' ERR
    local h t0=$SECONDS
    for h in $HOST_PATHS; do [ -e "$h" ] || echo "$h" >>"$D/host-created"; done
    write_images
    start_containerd
    start_dockerd
    start_podman
    load_images
    write_env
    trap - ERR
    log "docker, containerd (+CRI) and podman are up under $D ($((SECONDS - t0)) s)"
    echo "$D"
}

cmd_status() {
    derive "$1"
    docker -H "unix://$DOCKER_SOCK" version >/dev/null 2>&1 &&
        ctr -a "$CTRD_SOCK" version >/dev/null 2>&1 &&
        curl -sf --unix-socket "$PODMAN_SOCK" http://d/_ping >/dev/null 2>&1
}

# stop_pidfile FILE: SIGTERM, up to 15 s, then SIGKILL; only the PID in FILE
stop_pidfile() {
    local f=$1 pid i
    [ -s "$f" ] || return 0
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        for i in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$pid" 2>/dev/null; then log "$f: $pid ignored SIGTERM"; kill -9 "$pid" 2>/dev/null || true; fi
    fi
    rm -f "$f"
}

other_engines_running() {
    local p comm
    for p in /proc/[0-9]*; do
        comm=$(cat "$p/comm" 2>/dev/null) || continue
        case $comm in dockerd|containerd|podman|conmon|containerd-shim*) return 0 ;; esac
    done
    return 1
}

cmd_stop() {
    derive "$1"
    [ -d "$D" ] || { log "nothing under $D"; return 0; }
    local ids id ns m c
    # 1. containers (sleep as PID 1 ignores SIGTERM, so no graceful stops)
    if [ -S "$PODMAN_SOCK" ] && [ -f "$CONTAINERS_STORAGE_CONF" ]; then
        podman pod rm -af -t 0 >/dev/null 2>&1 || true
        podman rm -af -t 0 >/dev/null 2>&1 || true
    fi
    if [ -S "$DOCKER_SOCK" ]; then
        ids=$(docker -H "unix://$DOCKER_SOCK" ps -aq 2>/dev/null || true)
        [ -z "$ids" ] || docker -H "unix://$DOCKER_SOCK" rm -f $ids >/dev/null 2>&1 || true
    fi
    # 2. daemons by their pid files; dockerd before the containerd it uses
    stop_pidfile "$D/podman-service.pid"
    stop_pidfile "$D/dockerd.pid"
    stop_pidfile "$D/dockerd.launch.pid"
    # containerd's tasks outlive it (their shims are re-parented), so kill them first
    if [ -S "$CTRD_SOCK" ]; then
        for id in $(ls "$D/containerd/state/io.containerd.grpc.v1.cri/sandboxes" 2>/dev/null); do
            rm -f /var/lib/cni/results/*-"$id"-*  # libcni's cache of pods killed, not torn down
        done
        for ns in $(ctr -a "$CTRD_SOCK" namespaces ls -q 2>/dev/null); do
            for id in $(ctr -a "$CTRD_SOCK" -n "$ns" task ls -q 2>/dev/null); do
                ctr -a "$CTRD_SOCK" -n "$ns" task kill -s SIGKILL "$id" >/dev/null 2>&1 || true
            done
            for id in $(ctr -a "$CTRD_SOCK" -n "$ns" task ls -q 2>/dev/null); do
                ctr -a "$CTRD_SOCK" -n "$ns" task rm -f "$id" >/dev/null 2>&1 || true
            done
            for id in $(ctr -a "$CTRD_SOCK" -n "$ns" containers ls -q 2>/dev/null); do
                ctr -a "$CTRD_SOCK" -n "$ns" containers rm "$id" >/dev/null 2>&1 || true
            done
        done
    fi
    stop_pidfile "$D/containerd.pid"
    # 3. mounts under DIR (overlay roots, shm, pod netns), deepest first
    for m in $(findmnt -rn -o TARGET | grep "^$D/" | sort -r); do
        umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    done
    # 4. host objects: our bridge, our cgroup parents, then the engines' default parents
    #    and scratch directories where they are empty (rmdir never removes anything in use)
    if ip link show "$CNI_BRIDGE" >/dev/null 2>&1; then ip link del "$CNI_BRIDGE" || true; fi
    for c in /sys/fs/cgroup/*/"$CGROUP_PARENT" /sys/fs/cgroup/*/libpod_parent /sys/fs/cgroup/*/default \
             /sys/fs/cgroup/*/k8s.io /sys/fs/cgroup/*/docker; do
        [ -d "$c" ] && find "$c" -depth -type d -exec rmdir {} \; 2>/dev/null || true
    done
    rmdir /run/containerd/runc/* /run/containerd/runc /run/containerd/s /run/containerd/fifo \
        /run/containerd /run/runc /run/docker/plugins /run/docker 2>/dev/null || true
    if [ -f "$D/host-created" ]; then
        if other_engines_running; then
            log "other engines are running: leaving $(tr '\n' ' ' <"$D/host-created")"
        else
            while read -r h; do rm -rf "$h"; done <"$D/host-created"
            rm -f /etc/cni/net.d/cni.lock
        fi
    fi
    rm -rf "$D"
    log "stopped; $D removed"
}

case ${1:-} in
    install) cmd_install ;;
    start) cmd_start "${2:-}" ;;
    stop) [ -n "${2:-}" ] || die "usage: $0 stop DIR"; cmd_stop "$2" ;;
    status) [ -n "${2:-}" ] || die "usage: $0 status DIR"; cmd_status "$2" ;;
    *) sed -n '2,13p' "$0" >&2; exit 2 ;;
esac
