"""A fresh clone of this project's checkout, as a new user would make it, and the README's
shell commands.

The clone is ``git clone`` of the checkout the tests run from, with the working tree's
changes applied on top (tracked changes and untracked, not ignored files), so that it shows
what the developer sees -- and nothing built: no compiled module, no venv, no .nox.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
#: Debian's own interpreter and its directory, first on PATH as on a stock Debian 12
DEBIAN_PYTHON = Path("/usr/bin/python3")


def _git(*args: str, cwd: Path = ROOT, data: bytes | None = None) -> bytes:
    return subprocess.run(["git", *args], cwd=cwd, input=data, capture_output=True, check=True,
                          timeout=120).stdout


def fresh_clone(dest: Path) -> Path:
    """A clone of the checkout in ``dest``/lxkns; skips where the tests run from no git checkout."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("the tests do not run from a git checkout")
    clone = dest / "lxkns"
    _git("clone", "-q", "--no-hardlinks", str(ROOT), str(clone))
    patch = _git("diff", "HEAD", "--binary")
    if patch:
        _git("apply", "--whitespace=nowarn", cwd=clone, data=patch)
    for name in _git("ls-files", "--others", "--exclude-standard", "-z").decode().split("\0"):
        if name:
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, clone / name)
    return clone


def readme_blocks(section: str = "Two commands") -> list[str]:
    """The ``sh`` code blocks of one section of the README, in order."""
    text = README.read_text(encoding="utf-8")
    body = text.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    return [part.split("```", 1)[0].strip() for part in body.split("```sh\n")[1:]]


def readme_commands() -> tuple[str, str]:
    """(install and discover, run the test suite): the two commands, without the apt line."""
    commands = [b for b in readme_blocks() if not b.startswith("apt-get ")]
    assert len(commands) == 2, commands
    return commands[0], commands[1]


def debian_env(**extra: str) -> dict[str, str]:
    """The environment with Debian's /usr/bin first on PATH; skips where that is no
    Debian python3 with venv (the README's prerequisites)."""
    if not DEBIAN_PYTHON.exists() or not Path("/etc/debian_version").exists():
        pytest.skip("no Debian /usr/bin/python3 here")
    probe = subprocess.run([str(DEBIAN_PYTHON), "-c", "import ensurepip"], capture_output=True, timeout=60)
    if probe.returncode != 0:
        pytest.skip("Debian's python3-venv is not installed (the README says to install it)")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "VIRTUAL_ENV", "NOX_"))}
    env["PATH"] = "/usr/bin" + os.pathsep + env.get("PATH", "")
    env.update(extra)
    return env


def sh(command: str, cwd: Path, env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
    """One README command, as a user pastes it into sh."""
    return subprocess.run(["sh", "-c", command], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)
