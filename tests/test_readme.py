"""The README works when pasted: its first example, and its two commands on a stock
Debian 12 (Debian's python3 first on PATH), in a fresh clone. ``.ci/run`` runs exactly
the README's test command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from checkout import README, ROOT, debian_env, fresh_clone, readme_blocks, readme_commands, sh


def test_the_readme_example_runs_and_shows_our_user_namespace() -> None:
    text = README.read_text(encoding="utf-8")
    code = text.split("```python\n", 1)[1].split("```", 1)[0]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    own_net = os.readlink("/proc/self/ns/net")
    assert any(line.startswith(own_net + " ") for line in lines)
    assert "created by" in lines[-2] and lines[-1].startswith("(")


def test_the_readme_states_the_debian_packages_it_needs() -> None:
    (apt,) = [b for b in readme_blocks() if b.startswith("apt-get ")]
    assert set(apt.split()) >= {"gcc", "python3-dev", "python3-venv"}


def test_ci_runs_exactly_the_readme_test_command() -> None:
    lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    commands = [line for line in lines if line and not line.startswith("#")]
    assert readme_commands()[1] in commands


@pytest.mark.slow
def test_the_readme_install_command_in_a_fresh_clone(tmp_path: Path) -> None:
    """pip into a venv of Debian's python3, then the installed ``lxkns`` command: the
    table shows this process' namespaces, found by the native scanner where gcc is."""
    install, _ = readme_commands()
    env = debian_env()
    clone = fresh_clone(tmp_path)
    out = sh(install, clone, env, timeout=900)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    lines = out.stdout.splitlines()  # pip's output, then the table
    start = max(i for i, line in enumerate(lines) if line.split()[:2] == ["NS", "TYPE"])
    header, *rows = lines[start:]
    assert header.split() == ["NS", "TYPE", "NPROCS", "PID", "USER", "FOUND", "COMMAND"]
    found = {(cols[1], cols[0]) for cols in (row.split() for row in rows)}
    for name in ("net", "pid", "user", "mnt"):
        ino = os.readlink(f"/proc/self/ns/{name}").split("[")[1][:-1]
        assert (name, ino) in found
    version = subprocess.run([str(clone / ".venv" / "bin" / "lxkns"), "--version"], capture_output=True,
                             text=True, timeout=60, env=env, cwd=tmp_path)
    if subprocess.run(["sh", "-c", "command -v gcc"], capture_output=True).returncode == 0:
        assert "(native scanner)" in version.stdout
        assert "pure-Python scanner ran" not in out.stderr


@pytest.mark.slow
def test_the_readme_test_command_in_a_fresh_clone(tmp_path: Path) -> None:
    """The README's test command as it stands, with LXKNS_SUITE=smoke: nox runs a small,
    real part of the suite on one interpreter instead of all of it (the suite would run
    itself again), from a venv of Debian's python3."""
    if os.environ.get("LXKNS_SUITE") == "smoke":
        pytest.skip("already inside the README's test command")
    _, test = readme_commands()
    env = debian_env(LXKNS_SUITE="smoke")
    clone = fresh_clone(tmp_path)
    out = sh(test, clone, env, timeout=1800)
    tail = out.stdout[-4000:] + out.stderr[-4000:]
    assert out.returncode == 0, tail
    assert "Session tests-3." in tail and "was successful" in tail
    assert " passed" in out.stdout + out.stderr
