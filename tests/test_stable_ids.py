"""Stable namespace IDs (NS_GET_ID): every namespace carries the kernel's 64-bit ID, the wire
format keeps it, and comparing discoveries by it tells a reused inode from the same namespace."""

from __future__ import annotations

import errno
import fcntl
import os

import pytest

import lxkns
from lxkns import DiagnosticKind
from lxkns._lowlevel import syscalls

from conftest import discover, nsbuild, privileged

TYPES = lxkns.NamespaceType.all().members()


def _kernel_id(path: str) -> int | None:
    """NS_GET_ID of a namespace file, straight from the kernel; None where it has no such ioctl."""
    fd = os.open(path, os.O_RDONLY)
    try:
        return syscalls.ns_id(fd)
    except OSError as exc:
        if exc.errno in (errno.ENOTTY, errno.EINVAL):
            return None
        raise
    finally:
        os.close(fd)


HAS_NS_ID = _kernel_id("/proc/self/ns/net") is not None
needs_ns_id = pytest.mark.skipif(not HAS_NS_ID, reason="this kernel has no NS_GET_ID (Linux < 6.18)")


@needs_ns_id
def test_own_namespaces_carry_the_kernels_ids(scanner: str) -> None:
    d = discover(scanner, lxkns.STANDARD)
    me = d.process(os.getpid())
    for t in TYPES:
        ns = me.namespaces[t]
        assert ns.stable_id == _kernel_id(f"/proc/self/ns/{t.type_name}")
        assert ns.stable_key == (int(t), ns.stable_id)
    assert not [x for x in d.diagnostics if "NS_GET_ID" in x.message]


@needs_ns_id
@privileged
def test_every_namespace_of_a_scenario_has_its_id_also_hidden_and_fd_held_ones(scanner: str) -> None:
    with nsbuild.run(nsbuild.USERNS_CHAIN.replace("DEPTH", "2")) as users, \
         nsbuild.run(nsbuild.FD_HELD_NETNS) as held:
        d = discover(scanner, lxkns.STANDARD)
        net = d.namespace(held["net"], lxkns.NET)
        assert net.stable_id == _kernel_id(f"/proc/{held['pid']}/fd/{held['fd']}")
        leaf = d.process(users["pid"]).namespaces[lxkns.USER]
        assert leaf.stable_id == _kernel_id(f"/proc/{users['pid']}/ns/user")
        for ns in leaf.ancestors():  # parents, found through NS_GET_PARENT only or not
            assert ns.stable_id is not None
        ids = [ns.stable_key for ns in d.all_namespaces() if ns.stable_id is not None]
        assert len(ids) == len(set(ids))


@needs_ns_id
@privileged
def test_a_reused_inode_is_told_apart_by_the_stable_key(scanner: str) -> None:
    """Two discoveries a while apart: a namespace that died and a new one with the same inode
    compare equal by ID (device, inode), but not by stable key."""
    seen: dict[int, lxkns.Namespace] = {}
    for _ in range(30):
        with nsbuild.run(nsbuild.FD_HELD_NETNS) as held:
            d = discover(scanner, lxkns.STANDARD.replace(types=lxkns.NET))
            ns = d.namespace(held["net"], lxkns.NET)
            if ns.id.ino in seen:
                before = seen[ns.id.ino]
                assert before.id == ns.id  # the inode came back ...
                assert before.stable_key != ns.stable_key  # ... for another namespace
                assert before.stable_id is not None and ns.stable_id is not None
                return
            seen[ns.id.ino] = ns
    pytest.skip("the kernel gave no inode twice in 30 namespaces")


def test_the_wire_format_keeps_stable_ids_and_reads_dumps_without_them() -> None:
    d = lxkns.discover(lxkns.STANDARD.replace(types=lxkns.UTS | lxkns.NET))
    back = lxkns.Discovery.from_json(d.to_json())
    for ns in d.all_namespaces():
        again = back.namespace(ns.id, ns.type)
        assert again.stable_id == ns.stable_id and again.stable_key == ns.stable_key
    data = d.to_dict()
    for rec in data["namespaces"].values():
        rec.pop("stable-id", None)
    old = lxkns.Discovery.from_dict(data)  # a dump of the Go lxkns, or of an older kernel
    assert all(ns.stable_id is None for ns in old.all_namespaces())
    assert all(ns.stable_key == (int(ns.type), ns.id.dev, ns.id.ino) for ns in old.all_namespaces())
    bad = d.to_dict()
    next(iter(bad["namespaces"].values()))["stable-id"] = -1
    with pytest.raises(lxkns.WireFormatError, match="stable-id"):
        lxkns.Discovery.from_dict(bad)


def test_a_kernel_without_ns_get_id_is_said_so(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pure scanner on a (simulated) kernel before 6.18: no IDs, one diagnostic."""
    real = fcntl.ioctl

    def ioctl(fd: int, request: int, *args: object) -> object:
        if request == syscalls.NS_GET_ID:
            raise OSError(errno.ENOTTY, os.strerror(errno.ENOTTY))
        return real(fd, request, *args)  # type: ignore[call-overload]

    monkeypatch.setattr(fcntl, "ioctl", ioctl)
    d = lxkns.discover(lxkns.STANDARD.replace(types=lxkns.UTS), native=False)
    assert all(ns.stable_id is None for ns in d.all_namespaces())
    found = [x for x in d.diagnostics if "NS_GET_ID" in x.message]
    assert len(found) == 1 and found[0].kind is DiagnosticKind.UNSUPPORTED and found[0].stage == "namespaces"
