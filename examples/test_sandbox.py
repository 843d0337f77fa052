"""An infrastructure test with the lxkns pytest plugin: does our sandbox isolate, and does
it clean up after itself?

The code under test is ``start_sandbox``, which runs a command in network, mount
and PID namespaces of its own (with util-linux ``unshare``). The tests check,
with a discovery, where the sandboxed process really is, and the leak guard
fails any test that leaves a namespace, process, fd or mount behind. Run as root::

    pytest examples/test_sandbox.py
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Iterator

import pytest

import lxkns
from lxkns.testing import same_namespace

pytestmark = [pytest.mark.lxkns_needs_root, pytest.mark.lxkns_no_leaks]


def start_sandbox(*command: str) -> subprocess.Popen[bytes]:
    """The code under test: ``command`` in fresh network, mount and PID namespaces."""
    return subprocess.Popen(["unshare", "--net", "--mount", "--pid", "--fork", "--kill-child", *command])


def stop_sandbox(sandbox: subprocess.Popen[bytes]) -> None:
    """Also code under test. (unshare ignores SIGTERM while it waits for its child: a first
    version that sent SIGTERM hung here; SIGKILL takes the child along, by --kill-child.)"""
    sandbox.kill()
    sandbox.wait(timeout=10)


@pytest.fixture
def sandbox() -> Iterator[subprocess.Popen[bytes]]:
    box = start_sandbox("sleep", "1000")
    yield box
    stop_sandbox(box)


def sandboxed(discover: Callable[..., lxkns.Discovery], box: subprocess.Popen[bytes]) -> lxkns.Process:
    """The process the sandbox runs its command as, once it is there."""
    for _ in range(200):
        d = discover()
        unshare = d.processes.get(box.pid)
        if unshare is not None and unshare.children and unshare.children[0].name == "sleep":
            return unshare.children[0]
        time.sleep(0.02)
    raise AssertionError(f"the sandbox {box.pid} never started its command")


def test_the_sandbox_has_namespaces_of_its_own(sandbox: subprocess.Popen[bytes],
                                               lxkns_discover: Callable[..., lxkns.Discovery]) -> None:
    inner = sandboxed(lxkns_discover, sandbox)
    me = inner.ancestors().__next__().parent  # unshare's parent: this test process
    assert me is not None and me.pid == os.getpid()
    for t in (lxkns.NET, lxkns.MNT, lxkns.PID):
        assert inner.namespaces[t] != me.namespaces[t], t
    pidns = inner.namespaces[lxkns.PID]
    assert isinstance(pidns, lxkns.HierarchicalNamespace)
    assert pidns.parent == me.namespaces[lxkns.PID]  # nested below ours
    assert pidns.ealdorman is inner  # the command is PID 1 in there
    assert inner.namespaces[lxkns.USER] == me.namespaces[lxkns.USER]  # not a rootless sandbox
    assert inner.namespaces[lxkns.UTS] == me.namespaces[lxkns.UTS]


def test_two_sandboxes_share_nothing(lxkns_discover: Callable[..., lxkns.Discovery]) -> None:
    first, second = start_sandbox("sleep", "1000"), start_sandbox("sleep", "1001")
    try:
        a, b = sandboxed(lxkns_discover, first), sandboxed(lxkns_discover, second)
        d = lxkns_discover()
        for t in (lxkns.NET, lxkns.MNT, lxkns.PID):
            assert d.process(a.pid).namespaces[t] != d.process(b.pid).namespaces[t]
        # the same namespace in two discoveries: ID, ref, leaders, owner and hierarchy alike
        assert d.process(a.pid).namespaces[lxkns.NET] == same_namespace(a.namespaces[lxkns.NET])
    finally:
        stop_sandbox(first)
        stop_sandbox(second)


def test_a_named_network_namespace_for_the_sandbox(lxkns_netns: Callable[..., lxkns.Namespace]) -> None:
    """A named, bind-mounted network namespace, as CNI plugins get them, gone after the test."""
    netns = lxkns_netns("lxkns-example")
    out = subprocess.run(["ip", "netns", "exec", "lxkns-example", "readlink", "/proc/self/ns/net"],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == netns.type_id
    assert netns.processes == ()  # only the bind mount keeps it
