"""Every example script runs and prints what it promises, with real namespaces around."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import nsbuild

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run(name: str) -> str:
    out = subprocess.run([sys.executable, str(EXAMPLES / name)], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_every_example_is_tested() -> None:
    tested = {"user_tree.py", "hiding_places.py", "pid_translate.py"}
    assert {p.name for p in EXAMPLES.glob("*.py")} == tested


def test_user_tree_shows_our_user_namespace() -> None:
    assert os.readlink("/proc/self/ns/user") in run("user_tree.py")


@pytest.mark.privileged
def test_user_tree_shows_nested_hidden_user_namespaces() -> None:
    with nsbuild.run(nsbuild.USERNS_CHAIN.replace("DEPTH", "2")) as sc:
        out = run("user_tree.py")
    for ino in sc["chain"]:
        assert f"user:[{ino}]" in out
    assert f"owns net:[{sc['net']}]" in out


@pytest.mark.privileged
def test_hiding_places_lists_a_socket_only_namespace() -> None:
    with nsbuild.run(nsbuild.SOCKET_NETNS) as sc:
        out = run("hiding_places.py")
    line = next(line for line in out.splitlines() if f"net:[{sc['net']}]" in line)
    assert "socket" in line and "(no path opens it)" in line


@pytest.mark.privileged
def test_pid_translate_shows_nested_pids() -> None:
    with nsbuild.run(nsbuild.PIDNS_CHAIN) as sc:
        out = run("pid_translate.py")
    assert f"{sc['grandchild']}/{sc['grandchild_in_ns1']}/1" in out
    assert f"{sc['child']}/1 " in out
