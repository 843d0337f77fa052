"""What this host and this process can do: the questions behind the plugin's skip markers.

Each answer is (yes or no, and a reason that says what is missing), asked
once per process and remembered.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys

CAP_SYS_ADMIN = 21

#: engine names the ``lxkns_needs_engine`` marker takes, and the engine types they stand for
ENGINE_TYPES = {"docker": "docker.com", "containerd": "containerd.io", "cri": "k8s.io/cri-api",
                "podman": "podman.io"}

_UNSHARE_USER = (
    "import ctypes, os, sys\n"
    "libc = ctypes.CDLL(None, use_errno=True)\n"
    "sys.exit(0 if libc.unshare(0x10000000) == 0 else ctypes.get_errno())\n")


def effective_caps() -> int:
    """This process' effective capability set, as a bit mask."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("CapEff:"):
                return int(line.split()[1], 16)
    return 0


def privileged() -> bool:
    """True if this process has CAP_SYS_ADMIN (what making namespaces and mounts needs)."""
    return bool(effective_caps() >> CAP_SYS_ADMIN & 1)


def root() -> tuple[bool, str]:
    """(True, "") with CAP_SYS_ADMIN, else (False, why): a skip marker's answer."""
    if privileged():
        return True, ""
    return False, f"needs root with CAP_SYS_ADMIN (running as UID {os.geteuid()} without it)"


@functools.lru_cache(maxsize=1)
def user_namespaces() -> tuple[bool, str]:
    """Whether this process may create user namespaces (tried in a child process)."""
    try:
        out = subprocess.run([sys.executable, "-c", _UNSHARE_USER], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        return False, f"needs user namespaces, and the probe for them failed: {e}"
    if out.returncode == 0:
        return True, ""
    why = os.strerror(out.returncode) if 0 < out.returncode < 256 else f"exit {out.returncode}"
    hint = ""
    try:
        with open("/proc/sys/user/max_user_namespaces", encoding="ascii") as f:
            if f.read().strip() == "0":
                hint = " (user.max_user_namespaces is 0)"
    except OSError:
        pass
    return False, f"needs user namespaces: unshare(CLONE_NEWUSER) fails: {why}{hint}"


@functools.cache
def engine(kind: str) -> tuple[bool, str]:
    """Whether a container engine of ``kind`` (docker, containerd, cri, podman, or an engine
    type such as ``docker.com``) is found on this host, the way discovery finds engines."""
    from .._discovery import discover
    from ..model import STANDARD

    wanted = ENGINE_TYPES.get(kind, kind)
    if wanted not in ENGINE_TYPES.values():
        raise ValueError(f"unknown container engine {kind!r}: one of {', '.join(ENGINE_TYPES)}")
    d = discover(STANDARD, types=0, with_containers=True, with_cgroups=False, with_freezer=False,
                 with_ownership=False)
    found = sorted({e.type for e in d.container_engines})
    if wanted in found:
        return True, ""
    return False, f"needs a {wanted} container engine; found {', '.join(found) or 'none'}"
