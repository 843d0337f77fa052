"""nox sessions: tests (every Python 3.10-3.13 found), lint, typecheck, docs, bench.

``nox`` alone runs tests, lint, typecheck and docs -- the whole suite, as CI
does. ``nox -s bench`` runs the benchmark (root, and ../shared/bench next to
the project, or LXKNS_BENCH_DIR pointing at a copy of it).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess

import nox

nox.options.sessions = ["tests", "lint", "typecheck", "docs"]
nox.options.reuse_existing_virtualenvs = True

VERSIONS = ("3.10", "3.11", "3.12", "3.13")


def _works(python: str) -> bool:
    try:
        return subprocess.run([python, "-c", "import venv"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _interpreters() -> list[str]:
    """The supported versions found on this machine (PATH, then pyenv installs).

    Their directories go first in PATH, so that nox finds ``python3.X`` even
    where a pyenv shim for it exists but is not activated.
    """
    found = []
    for version in VERSIONS:
        candidates = [shutil.which(f"python{version}")]
        pattern = os.path.expanduser(f"~/.pyenv/versions/{version}.*/bin/python{version}")
        candidates += sorted(glob.glob(pattern), reverse=True)
        candidates += [f"/usr/bin/python{version}", f"/usr/local/bin/python{version}"]
        for candidate in candidates:
            if candidate and os.path.exists(candidate) and _works(candidate):
                found.append(version)
                os.environ["PATH"] = os.path.dirname(candidate) + os.pathsep + os.environ["PATH"]
                break
    return found


PYTHONS = _interpreters()


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """The test suite, native and pure-Python scanners, privileged parts as root."""
    session.install("-e", ".[test]")  # the test extra brings the service extra
    session.run("pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    session.install("ruff>=0.5")
    session.run("ruff", "check", "lxkns", "_lxkns_pytestplugin.py", "tests", "examples", "noxfile.py")


@nox.session
def typecheck(session: nox.Session) -> None:
    # the service's libraries carry their types; pytest is the plugin's
    session.install("-e", ".[service]", "mypy>=1.8", "pytest>=7.4")
    session.run("mypy", "--strict", "lxkns", "_lxkns_pytestplugin.py")


@nox.session
def docs(session: nox.Session) -> None:
    session.install("-e", ".[docs,service]")
    session.run("sphinx-build", "-W", "-q", "-b", "html", "docs", "docs/_build/html")


@nox.session
def bench(session: nox.Session) -> None:
    """Discovery against the shared workload, lsns and the C yardstick (needs root).

    A regular (not editable) install: an editable one adds its import hook to every start."""
    session.install(".")
    session.run("python", "tests/benchmarks/bench_discovery.py", *session.posargs)


@nox.session(name="bench-service")
def bench_service(session: nox.Session) -> None:
    """The service under wrk: shared discoveries against one per request (needs root and wrk)."""
    session.install("-e", ".[service]")
    session.run("python", "tests/benchmarks/bench_service.py", *session.posargs)


@nox.session(name="bench-ui")
def bench_ui(session: nox.Session) -> None:
    """The web UI in headless Chromium on the 1,000- and 10,000-process workloads (needs root,
    Debian's chromium; holds the shared bench lock)."""
    session.install("-e", ".[service]", "httpx>=0.27", "playwright>=1.40")
    session.run("python", "tests/benchmarks/bench_ui.py", *session.posargs)


@nox.session(name="typecheck-js")
def typecheck_js(session: nox.Session) -> None:
    """The web UI's JSDoc types checked by TypeScript (dev only: npm fetches tsc into the
    session's own directory; nothing at install or run time needs npm)."""
    if shutil.which("npm") is None:
        session.skip("npm is not installed")
    prefix = os.path.join(session.create_tmp(), "tsc")
    session.run("npm", "install", "--no-audit", "--no-fund", "--prefix", prefix, "typescript@5",
                external=True)
    tsc = os.path.join(prefix, "node_modules", ".bin", "tsc")
    session.run(tsc, "-p", "lxkns/service/web/jsconfig.json", external=True)
