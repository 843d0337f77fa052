"""nox sessions: tests (every Python 3.10-3.13 found), lint, typecheck, docs, wheel, bench,
stress, fuzz, soak.

``nox`` alone runs tests, lint, typecheck, docs and wheel -- the whole suite, as
CI does. ``nox -s wheel`` builds a binary wheel (native scanner and man pages
included) into dist/. ``nox -s stress`` runs the tests of the live host again while a
churn generator starts and ends hundreds of processes a second, each unsharing
namespaces (CI runs it once after ``nox``). ``nox -s fuzz`` fuzzes the C parsers
with libFuzzer for a bounded time (clang needed). ``nox -s bench`` runs the
benchmark and ``nox -s soak`` the soak benchmark (root, and ../shared/bench
next to the project, or LXKNS_BENCH_DIR pointing at a copy of it).

``LXKNS_SUITE=smoke`` makes ``nox`` run a small, real part of the suite on one
interpreter only: the test that runs the README's commands in a fresh clone
sets it, so that the suite does not run itself again inside itself.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys

import nox

SMOKE = os.environ.get("LXKNS_SUITE", "") == "smoke"
#: what the smoke run tests: the command line, the layers, the model (a few seconds)
SMOKE_TESTS = ("tests/test_cli.py", "tests/test_layers.py", "tests/test_model.py")

nox.options.sessions = ["tests"] if SMOKE else ["tests", "lint", "typecheck", "docs", "wheel"]
nox.options.reuse_existing_virtualenvs = True

VERSIONS = ("3.10", "3.11", "3.12", "3.13")
HERE = os.path.dirname(os.path.abspath(__file__))


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
if SMOKE:
    PYTHONS = PYTHONS[:1]


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """The test suite, native and pure-Python scanners, privileged parts as root."""
    session.install("-e", ".[test]")  # the test extra brings the service extra
    if SMOKE and not session.posargs:
        session.run("pytest", "-q", *SMOKE_TESTS)
    else:
        session.run("pytest", *session.posargs)


@nox.session
def soak(session: nox.Session) -> None:
    """Many discoveries in one process on the shared workload (root): leftovers and RSS growth.

    soak.py holds the machine's benchmark lock (LXKNS_BENCH_LOCK, /work/bench.lock where it
    exists): the 10,000-process workload must not run beside another benchmark.
    """
    session.install("-e", ".")
    session.run("python", "tests/benchmarks/soak.py", *session.posargs)


@nox.session
def stress(session: nox.Session) -> None:
    """The tests that discover the live host, under churn: processes starting and ending
    all the time (``nox -s stress -- tests`` runs the whole suite so).

    tests/churn.py runs beside pytest (LXKNS_CHURN_RATE processes a second, 300 by
    default); it is stopped, and must have stopped, when the suite is done. The tests of
    the wire format, the views, the web UI and the packaging see no more of the host under
    churn than without, and keep CI within its hour on a slower machine.
    """
    session.install("-e", ".[test]")
    rate = os.environ.get("LXKNS_CHURN_RATE", "300")
    churn = subprocess.Popen([sys.executable, "tests/churn.py", "--rate", rate], stdout=subprocess.PIPE,
                             text=True, start_new_session=True)
    try:
        assert churn.stdout is not None and churn.stdout.readline().strip() == "churn: running"
        session.run("pytest", "-p", "no:cacheprovider", *(session.posargs or STRESS_TESTS),
                    env={"LXKNS_STRESS": "1"})
    finally:
        churn.terminate()
        try:
            out, _ = churn.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            churn.kill()
            out, _ = churn.communicate()
        session.log(out.strip())


#: the test modules that discover the live host (what churn can trip up)
STRESS_TESTS = tuple(f"tests/test_{name}.py" for name in (
    "live", "scenarios", "robustness", "hostile", "stable_ids", "mounts", "privileges",
    "credentials", "entering", "containers_engines", "cli", "cli_tools", "service"))

FUZZ_TARGETS = ("stat", "nslink", "unescape", "mountinfo")


def _clang() -> str | None:
    for name in ("clang", "clang-19", "clang-16", "clang-15", "clang-14"):
        if shutil.which(name):
            return name
    return None


@nox.session(venv_backend="none")
def fuzz(session: nox.Session) -> None:
    """Coverage-guided fuzzing of the C parsers with libFuzzer, a bounded run.

    Each target (stat, nslink, unescape, mountinfo; or those named as arguments) runs
    LXKNS_FUZZ_SECONDS (60) under ASan and UBSan, from tests/fuzz/corpus and the kept
    regressions. What it finds is written to tests/fuzz/regressions/TARGET/ and fails the
    session: fix it, and the file stays as a regression case of the test suite.
    """
    clang = _clang()
    if clang is None:
        session.error("no clang (apt-get install clang libclang-rt-dev, or clang-14 libclang-rt-14-dev)")
    seconds = os.environ.get("LXKNS_FUZZ_SECONDS", "60")
    targets = session.posargs or list(FUZZ_TARGETS)
    work = session.create_tmp()
    found = []
    for target in targets:
        binary = os.path.join(work, f"fuzz_{target}")
        session.run(clang, "-g", "-O1", "-fsanitize=fuzzer,address,undefined", "-fno-sanitize-recover=all",
                    "-D_GNU_SOURCE", f"-DLXKNS_FUZZ_{target.upper()}", "-I_native",
                    "tests/fuzz/fuzz_parsers.c", "_native/parse.c", "-lpthread", "-o", binary,
                    external=True)
        corpus = os.path.join(work, f"corpus-{target}")
        shutil.rmtree(corpus, ignore_errors=True)
        os.makedirs(corpus)
        for kept in (f"tests/fuzz/corpus/{target}", f"tests/fuzz/regressions/{target}"):
            for name in sorted(glob.glob(f"{kept}/*")):
                shutil.copy(name, corpus)
        artifacts = f"tests/fuzz/regressions/{target}"
        os.makedirs(artifacts, exist_ok=True)
        before = set(os.listdir(artifacts))
        session.run(binary, f"-max_total_time={seconds}", "-timeout=10", "-rss_limit_mb=1024",
                    "-print_final_stats=1", f"-artifact_prefix={artifacts}/", corpus,
                    external=True, success_codes=[0, 1, 70, 77])
        found += [f"{artifacts}/{n}" for n in sorted(set(os.listdir(artifacts)) - before)]
    if found:
        session.error(f"the fuzzer found inputs that break a parser (kept as regressions): {found}")


@nox.session
def lint(session: nox.Session) -> None:
    """ruff over the package, the tests, the examples and this file."""
    session.install("ruff>=0.5")
    session.run("ruff", "check", "lxkns", "_lxkns_pytestplugin.py", "tests", "examples", "noxfile.py",
                "setup.py")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict, and pyright: the public API must be 100% type-complete.

    pyright reads an installed package (not an editable one, which it cannot follow), and
    checks the pytest plugin, a module outside the package, in strict mode; the service's
    libraries and rich carry their types (the views are checked against them); pytest is the
    plugin's.
    """
    session.install(".[typecheck,containerd,service,rich,networkx]", "pytest>=7.4")
    session.run("mypy", "--strict", "lxkns", "_lxkns_pytestplugin.py")
    session.run("pyright", "--verifytypes", "lxkns", "--ignoreexternal")
    session.run("pyright", "_lxkns_pytestplugin.py")  # strict (pyproject.toml), outside the package


@nox.session
def docs(session: nox.Session) -> None:
    """The user manual, warnings as errors."""
    session.install("-e", ".[docs,service]")
    session.run("sphinx-build", "-W", "-q", "-b", "html", "docs", "docs/_build/html")


@nox.session
def wheel(session: nox.Session) -> None:
    """A binary wheel in dist/: the native scanner must build (LXKNS_REQUIRE_NATIVE=1), and the
    wheel must hold it and the man pages; then it installs and discovers natively."""
    session.install("build")
    shutil.rmtree(os.path.join(HERE, "build"), ignore_errors=True)  # no stale files of earlier builds
    out = os.path.join(os.path.abspath(session.create_tmp()), "dist")
    shutil.rmtree(out, ignore_errors=True)
    session.run("python", "-m", "build", "--wheel", "--outdir", out, env={"LXKNS_REQUIRE_NATIVE": "1"})
    (built,) = glob.glob(os.path.join(out, "lxkns-*.whl"))
    session.run("python", "-c", _CHECK_WHEEL, built)
    session.install(built)  # its dependencies
    session.install("--force-reinstall", "--no-deps", built)  # this very wheel, also in a reused venv
    session.chdir(session.create_tmp())  # not ./lxkns: the installed package
    session.run("lxkns", "--version")
    session.run("python", "-c", "import lxkns, sys; sys.exit(not lxkns.native_available())")
    os.makedirs(os.path.join(HERE, "dist"), exist_ok=True)
    shutil.copy(built, os.path.join(HERE, "dist"))
    session.log(f"wheel: dist/{os.path.basename(built)}")


_CHECK_WHEEL = """
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
assert any(n.startswith("lxkns/_native") and n.endswith(".so") for n in names), "no native module"
pages = [n for n in names if "/share/man/man1/" in n]
assert len(pages) == 7, pages
assert "-abi3-" in sys.argv[1], sys.argv[1]
"""


@nox.session
def bench(session: nox.Session) -> None:
    """Discovery against the shared workload, lsns and the C yardstick (needs root).

    A regular (not editable) install: an editable one adds its import hook to every start."""
    session.install(".")
    session.run("python", "tests/benchmarks/bench_discovery.py", *session.posargs)


@nox.session(name="bench-service")
def bench_service(session: nox.Session) -> None:
    """The service under wrk: shared discoveries against one per request (needs root and wrk)."""
    session.install("-e", ".[service]", "httpx>=0.27")  # the tests' service control (servicectl)
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
