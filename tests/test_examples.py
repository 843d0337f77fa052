"""Every example script runs and prints what it promises, with real namespaces around."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import lxkns

from conftest import enginectl, nsbuild

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run(name: str) -> str:
    out = subprocess.run([sys.executable, str(EXAMPLES / name)], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_every_example_is_tested() -> None:
    tested = {"user_tree.py", "hiding_places.py", "pid_translate.py", "containers.py", "overmounts.py",
              "fleet_compare.py", "explore_host.ipynb", "test_sandbox.py"}  # (the notebook: test_notebook.py)
    assert {p.name for p in EXAMPLES.iterdir() if p.suffix in (".py", ".ipynb")} == tested


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


@pytest.mark.privileged
def test_containers_lists_them_and_finds_the_container_of_an_exec_process(
        engines: enginectl.Engines) -> None:
    with engines.docker_container(engines.busybox, "sleep", "1000") as (name, pid):
        engines.docker("exec", "-d", name, "/bin/busybox", "sleep", "2345")
        execd = _wait_for_cmdline(b"2345")
        out = run_args("containers.py", str(execd))
    line = next(line for line in out.splitlines() if f" {name} " in line)
    assert line.startswith("docker.com") and f"pid {pid} " in line and "own: ipc mnt net pid uts" in line
    assert out.splitlines()[-1] == f"PID {execd} runs in container {name!r} (docker.com)"


def run_args(name: str, *args: str) -> str:
    out = subprocess.run([sys.executable, str(EXAMPLES / name), *args], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


def _wait_for_cmdline(last_arg: bytes) -> int:
    for _ in range(200):
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/cmdline", "rb") as f:
                        if f.read().split(b"\0")[-2:-1] == [last_arg]:
                            return int(entry)
                except OSError:
                    continue
        time.sleep(0.05)
    raise AssertionError(f"no process with last argument {last_arg!r}")


def test_overmounts_shows_what_covers_hidden_mounts(tmp_base: str) -> None:
    with nsbuild.run(nsbuild.MOUNTS.replace("BASE", repr(tmp_base))) as sc:
        out = run("overmounts.py")
    base, ids = sc["base"], sc["ids"]
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"mnt:[{sc['mnt']}] "))
    section = lines[start + 1 :]
    section = section[: next((i for i, line in enumerate(section) if not line.startswith(" ")),
                             len(section))]
    by_id = {int(line.split()[0]): line for line in section if base in line}
    assert set(by_id) == {ids["lower"], ids["deep"]}  # (the host's hidden mounts have copies too)
    assert f"under tmpfs 'lxkns-upper' (mount {ids['upper']})" in by_id[ids["lower"]]
    assert f"below '{base}/b'" in by_id[ids["deep"]]


@pytest.mark.privileged
def test_the_sandbox_tests_pass_under_the_leak_guard() -> None:
    """The pytest example, in a mount namespace of its own (mounts elsewhere on the host do not count)."""
    out = subprocess.run(["unshare", "--mount", "--propagation", "private", sys.executable, "-m", "pytest",
                          "-p", "no:cacheprovider", "-q", str(EXAMPLES / "test_sandbox.py")],
                         capture_output=True, text=True, timeout=300, cwd=EXAMPLES)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "3 passed" in out.stdout


def test_fleet_compare_reads_a_live_service_and_a_dump(tmp_path: Path) -> None:
    import json

    from servicectl import Server

    import landscape

    dump = tmp_path / "other-host.json"
    dump.write_text(json.dumps(landscape.landscape()))
    web = tmp_path / "web"
    web.mkdir()
    with Server(["--no-containers"], web_root=str(web)) as s:
        out = subprocess.run([sys.executable, str(EXAMPLES / "fleet_compare.py"), s.url, str(dump)],
                             capture_output=True, text=True, timeout=120)
        live = lxkns.Discovery.from_json(s.client.get("/api/namespaces").content)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].split()[:3] == ["host", "mnt", "cgroup"]
    mine = next(line for line in lines if line.startswith(s.url))
    other = next(line for line in lines if line.startswith(str(dump)[:40]))
    assert mine.split()[1] == str(len(live.namespaces[lxkns.MNT]))
    there = lxkns.Discovery.from_json(dump.read_text())
    assert other.split()[1:9] == [str(len(there.namespaces.get(t, {}))) for t in lxkns.NamespaceType]
    assert other.split()[9] == str(len(there.processes))


#: the examples that are commands (test_*.py are tests: pytest runs them, with its own arguments)
COMMANDS = sorted(p.name for p in EXAMPLES.glob("*.py") if not p.name.startswith("test_"))
BAD_ARGUMENTS = [(name, ["--bogus"], 2, "usage:") for name in COMMANDS] + [
    (name, ["1", "2"], 2, "unrecognized arguments: ") for name in
    ("hiding_places.py", "overmounts.py", "pid_translate.py", "user_tree.py", "containers.py")] + [
    ("fleet_compare.py", [], 2, "the following arguments are required: URL|DUMP"),
    ("fleet_compare.py", ["/nonexistent/dump.json"], 1, "cannot read /nonexistent/dump.json: "),
    ("containers.py", ["abc"], 2, "invalid int value: 'abc'"),
    ("containers.py", ["99999999"], 1, "no process with PID 99999999"),
]


@pytest.mark.parametrize(("name", "argv", "code", "message"), BAD_ARGUMENTS)
def test_examples_answer_bad_arguments_with_a_message(name: str, argv: list[str], code: int,
                                                     message: str) -> None:
    out = subprocess.run([sys.executable, str(EXAMPLES / name), *argv], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == code and message in out.stderr and "Traceback" not in out.stderr
