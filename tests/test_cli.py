"""``python -m lxkns``: the table, the JSON dump, and clear errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import nsbuild


def lxkns_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lxkns", *args], capture_output=True, text=True,
                          timeout=120)


def test_table_lists_our_namespaces() -> None:
    out = lxkns_cli("-q")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].split() == ["NAMESPACE", "TYPE", "FOUND", "PID", "PROCESS", "OWNER", "PARENT",
                                "REFERENCE"]
    rows = {(cols[1], cols[0]) for cols in (line.split() for line in lines[1:])}
    for name in ("cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"):
        ino = os.readlink(f"/proc/self/ns/{name}").split("[")[1][:-1]
        assert (name, ino) in rows


def test_json_dump_is_faithful() -> None:
    out = lxkns_cli("--json", "-q", "--full")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    net = os.readlink("/proc/self/ns/net").split("[")[1][:-1]
    assert data["namespaces"][net]["type"] == "net"
    me = data["processes"][str(os.getpid())]  # the test process, parent of the CLI run
    assert me["pid"] == os.getpid() and me["namespaces"]["net"] == int(net)
    assert data["lxkns-schema"] == 1 and "diagnostics" in data
    assert data["discovery-options"]["with-pid-map"] is True


@pytest.mark.privileged
def test_table_shows_where_hidden_namespaces_are_found() -> None:
    with nsbuild.run(nsbuild.USERNS_CHAIN.replace("DEPTH", "2")) as sc:
        out = lxkns_cli("-q", "--types", "user,net")
    rows = {cols[0]: cols for cols in (line.split() for line in out.stdout.splitlines()[1:])}
    hidden = rows[str(sc["chain"][0])]
    assert hidden[1:5] == ["user", "parent", "-", "-"]
    assert rows[str(sc["net"])][5] == f"user:[{sc['chain'][1]}]"
    assert {cols[1] for cols in rows.values()} == {"user", "net"}


def test_bad_arguments_and_errors_exit_non_zero(tmp_path: object) -> None:
    out = lxkns_cli("--types", "netz")
    assert out.returncode == 2 and "unknown namespace type" in out.stderr
    out = lxkns_cli("--procfs", "/nonexistent-procfs")
    assert out.returncode == 2 and "procfs root" in out.stderr


def test_python_scanner_flag() -> None:
    out = lxkns_cli("--python", "--json", "-q")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["namespaces"]
