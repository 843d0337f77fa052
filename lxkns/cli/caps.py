"""Capabilities: their names, and what a process may do in a namespace (user_namespaces(7)).

A process has its effective capabilities in its own user namespace. In a
descendant user namespace it has all capabilities if its effective UID
created the child of its own user namespace on the way down to it
(the "owner" rule), else its effective capabilities; in any other user
namespace (an ancestor, or unrelated) it has none. A namespace of another
type counts as its owning user namespace.
"""

from __future__ import annotations

import enum

from ..model import Namespace, NamespaceType, Process, UserNamespace

# bit number -> name, from linux/capability.h (CAP_LAST_CAP is 40 since Linux 5.9)
NAMES = (
    "cap_chown", "cap_dac_override", "cap_dac_read_search", "cap_fowner", "cap_fsetid", "cap_kill",
    "cap_setgid", "cap_setuid", "cap_setpcap", "cap_linux_immutable", "cap_net_bind_service",
    "cap_net_broadcast", "cap_net_admin", "cap_net_raw", "cap_ipc_lock", "cap_ipc_owner",
    "cap_sys_module", "cap_sys_rawio", "cap_sys_chroot", "cap_sys_ptrace", "cap_sys_pacct",
    "cap_sys_admin", "cap_sys_boot", "cap_sys_nice", "cap_sys_resource", "cap_sys_time",
    "cap_sys_tty_config", "cap_mknod", "cap_lease", "cap_audit_write", "cap_audit_control",
    "cap_setfcap", "cap_mac_override", "cap_mac_admin", "cap_syslog", "cap_wake_alarm",
    "cap_block_suspend", "cap_audit_read", "cap_perfmon", "cap_bpf", "cap_checkpoint_restore",
)


def names(mask: int) -> list[str]:
    """The names of the capabilities in a mask, sorted; unknown bits as ``cap_N``."""
    found = [NAMES[bit] if bit < len(NAMES) else f"cap_{bit}" for bit in range(mask.bit_length())
             if mask >> bit & 1]
    return sorted(found)


class Power(enum.Enum):
    """What a process has in a user namespace."""

    NONE = "none"
    EFFECTIVE = "effective"
    ALL = "all"


def user_namespace_of(ns: Namespace) -> UserNamespace | None:
    """A user namespace itself, else its owner (None if not known)."""
    return ns if isinstance(ns, UserNamespace) else ns.owner


def power(proc_user: UserNamespace, euid: int, target: UserNamespace) -> Power:
    """What a process in ``proc_user`` with effective UID ``euid`` has in ``target``."""
    if target is proc_user:
        return Power.EFFECTIVE
    below = None  # the child of proc_user on the way down to target
    user: UserNamespace | None = target
    while user is not None and user is not proc_user:
        below, user = user, user.parent
    if user is None or below is None:
        return Power.NONE  # target is not below proc_user
    return Power.ALL if below.owner_uid == euid else Power.EFFECTIVE


def process_user(p: Process) -> UserNamespace | None:
    """The user namespace of ``p``, if it is known."""
    ns = p.namespaces.get(NamespaceType.USER)
    return ns if isinstance(ns, UserNamespace) else None
