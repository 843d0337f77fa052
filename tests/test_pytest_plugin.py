"""The pytest plugin, tested with pytester: inner pytest runs in a process of their own.

As root the inner runs get a private mount namespace (``unshare -m``), so
that mounts other tests make on this busy host meanwhile do not count
against them, and so that what a leaking inner test mounts vanishes with
it. Unprivileged runs use Debian's Python as user nobody (the venv's
interpreter may lie where nobody cannot reach it), with this checkout and
the venv's packages on PYTHONPATH.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import IS_ROOT, privileged

ROOT = Path(__file__).resolve().parent.parent
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]

pytest_plugins = ["pytester"]

#: the inner runs check mounts only in a mount namespace of their own (as root), where the
#: mounts that other tests make on this busy host meanwhile do not show
MOUNTS = f"MOUNTS = {IS_ROOT}\n"


def _userns_ok() -> bool:
    return subprocess.run(["unshare", "-Ur", "true"], capture_output=True).returncode == 0


needs_userns = pytest.mark.skipif(not _userns_ok(), reason="needs user namespaces (unshare -Ur fails)")


def inner(pytester: pytest.Pytester, *args: str, private_mounts: bool = IS_ROOT) -> pytest.RunResult:
    """Run pytest on pytester's directory in a new process (as root in a mount namespace of its own)."""
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA", *args]
    if private_mounts:
        cmd = ["unshare", "--mount", "--propagation", "private", *cmd]
    return pytester.run(*cmd, timeout=300)


def nobody_python() -> str:
    """An interpreter of our version that user nobody can run (skip if there is none)."""
    candidate = f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}"
    if not os.path.exists(candidate):
        pytest.skip(f"no {candidate} for user nobody to run pytest with")
    return candidate


@pytest.fixture
def nobody_dir() -> Iterator[Path]:
    """A directory user nobody may read and write (pytester's lies below /tmp/pytest-of-root)."""
    path = Path(tempfile.mkdtemp(prefix="lxkns-plugin-"))
    path.chmod(0o777)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def inner_as_nobody(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run pytest on ``directory`` as user nobody without capabilities (as is when not root)."""
    site = [p for p in sys.path if p.endswith("site-packages")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *site]), "PYTHONDONTWRITEBYTECODE": "1",
           "HOME": str(directory)}
    python = nobody_python() if IS_ROOT else sys.executable
    # as root: in a mount namespace of its own (made before dropping privileges), see inner()
    drop = ["unshare", "--mount", "--propagation", "private", *NOBODY] if IS_ROOT else []
    cmd = [*drop, python, "-m", "pytest", "-p", "no:cacheprovider", "-rA", *args]
    return subprocess.run(cmd, cwd=directory, env=env, capture_output=True, text=True, timeout=300)


def outcomes(text: str) -> dict[str, int]:
    """{"passed": 2, "errors": 1} from pytest's last summary line."""
    summary = next(line for line in reversed(text.splitlines()) if re.search(r" in [\d.]+s", line))
    found = {word: int(n) for n, word in re.findall(r"(\d+) (\w+)", summary.split(" in ")[0])}
    return {("errors" if w == "error" else "warnings" if w == "warning" else w): n for w, n in found.items()}


# ---------------------------------------------------------------- costs nothing when unused


def test_loading_the_plugin_imports_nothing_of_lxkns() -> None:
    code = ("import json, sys, _lxkns_pytestplugin\n"
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'lxkns')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd="/")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == []


def test_a_run_that_does_not_use_it_does_not_import_lxkns(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import sys

        def test_plugin_is_there_but_lxkns_is_not(request):
            assert request.config.pluginmanager.has_plugin("lxkns")
            assert not [m for m in sys.modules if m.split(".")[0] == "lxkns"]

        def test_other_objects_compare_as_usual():
            assert [1, 2] == [1, 2]
        """)
    result = inner(pytester, private_mounts=False)
    result.assert_outcomes(passed=2)


# ---------------------------------------------------------------- the leak guard


@privileged
def test_a_test_that_leaks_a_netns_fails_and_names_it(pytester: pytest.Pytester) -> None:
    name = f"lxkns-leak-{uuid.uuid4().hex[:8]}"
    pytester.makepyfile(f"""
        import os, subprocess, pytest

        @pytest.mark.lxkns_no_leaks
        def test_leaky():
            subprocess.run(["ip", "netns", "add", "{name}"], check=True)
            with open("ino", "w") as f:
                f.write(str(os.stat("/run/netns/{name}").st_ino))
        """)
    try:
        result = inner(pytester)
        ino = (pytester.path / "ino").read_text()
    finally:
        if os.path.lexists(f"/run/netns/{name}"):  # the mount went with the inner mount namespace
            os.unlink(f"/run/netns/{name}")
    result.assert_outcomes(passed=1, errors=1)
    text = result.stdout.str()
    assert "ERROR at teardown of test_leaky" in text
    assert "lxkns leak guard: test_leaky left 1 thing behind:" in text
    line = next(line for line in result.outlines if f"net:[{ino}]" in line)
    assert f"kept by bind mount /run/netns/{name}" in line


@privileged
def test_a_clean_test_passes_and_the_factories_clean_up(pytester: pytest.Pytester) -> None:
    name = f"lxkns-clean-{uuid.uuid4().hex[:8]}"
    pytester.makepyfile(f"""
        import os, subprocess, pytest
        import lxkns

        pytestmark = pytest.mark.lxkns_no_leaks

        def test_ip_netns_add_and_delete():
            subprocess.run(["ip", "netns", "add", "{name}"], check=True)
            subprocess.run(["ip", "netns", "delete", "{name}"], check=True)

        def test_throwaway_namespaces(lxkns_netns, lxkns_userns, lxkns_mntns, lxkns_pidns):
            named = lxkns_netns("{name}-t")
            assert named.ref[-1] == "/run/netns/{name}-t" and named.type == lxkns.NET
            assert os.stat("/run/netns/{name}-t").st_ino == named.id.ino
            held = lxkns_netns()
            assert held.ealdorman is not None and held.ref == (f"/proc/{{held.ealdorman.pid}}/ns/net",)
            user = lxkns_userns([(0, 100000, 1000)], [(0, 100000, 1000)])
            with open(f"/proc/{{user.ealdorman.pid}}/uid_map") as f:
                assert f.read().split() == ["0", "100000", "1000"]
            assert user.parent is not None
            mnt = lxkns_mntns()
            assert isinstance(mnt, lxkns.MountNamespace) and "/" in mnt.mounts
            pid = lxkns_pidns()
            assert pid.parent is not None and pid.ealdorman is not None
            with open(f"/proc/{{pid.ealdorman.pid}}/status") as f:
                nspid = next(line for line in f if line.startswith("NSpid:")).split()
            assert nspid[-1] == "1"
            rootless = lxkns_netns(userns=True)
            assert rootless.owner is not None and rootless.owner.parent is not None
        """)
    result = inner(pytester)
    result.assert_outcomes(passed=2)
    assert not os.path.lexists(f"/run/netns/{name}-t")


@needs_userns
def test_leaked_processes_threads_and_fds_are_named(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(MOUNTS + textwrap.dedent("""
        import os, subprocess, threading, pytest

        @pytest.mark.lxkns_no_leaks(timeout=0.5, mounts=MOUNTS)
        def test_leaky():
            global KEEP
            child = subprocess.Popen(["unshare", "-Urn", "sleep", "1000"])
            threading.Thread(target=threading.Event().wait, name="lxkns-leaky", daemon=True).start()
            fd = os.open("/proc/self/ns/uts", os.O_RDONLY)
            KEEP = child
            while os.readlink(f"/proc/{child.pid}/ns/net") == os.readlink("/proc/self/ns/net"):
                pass  # until unshare has unshared
            with open("facts", "w") as f:
                f.write(f"{child.pid} {fd} {os.readlink(f'/proc/{child.pid}/ns/net')} "
                        f"{os.readlink('/proc/self/ns/uts')}")
        """))
    try:
        result = inner(pytester)
        pid, fd, net, uts = (pytester.path / "facts").read_text().split()
    finally:
        _kill_from(pytester.path / "facts")
    result.assert_outcomes(passed=1, errors=1)
    lines = [line.strip() for line in result.outlines]
    assert "lxkns leak guard: test_leaky left 5 things behind:" in lines
    assert f"{net} (net namespace) kept by process {pid} 'sleep 1000'" in lines
    assert any(line.startswith("user:[") and line.endswith(f"kept by process {pid} 'sleep 1000'")
               for line in lines)
    assert any(line.startswith(f"process {pid} 'sleep 1000' (child of ") for line in lines)
    assert any(line.startswith("thread ") and line.endswith("(Python thread 'lxkns-leaky')")
               for line in lines)
    assert f"fd {fd} -> {uts}" in lines


def _kill_from(facts: Path) -> None:
    try:
        pid = int(facts.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


@needs_userns
def test_processes_elsewhere_on_the_host_do_not_count(pytester: pytest.Pytester) -> None:
    """A process that is not the test's, with namespaces of its own, made during the test."""
    pytester.makepyfile(MOUNTS + textwrap.dedent("""
        import os, time, pytest

        @pytest.mark.lxkns_no_leaks(mounts=MOUNTS)
        def test_waits_for_a_stranger():
            open("ready", "w").close()
            deadline = time.monotonic() + 60
            while not os.path.exists("go") and time.monotonic() < deadline:
                time.sleep(0.02)
            assert os.path.exists("go")
        """))
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA"]
    if IS_ROOT:
        cmd = ["unshare", "--mount", "--propagation", "private", *cmd]
    run = subprocess.Popen(cmd, cwd=pytester.path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
    stranger = None
    try:
        deadline = time.monotonic() + 120
        while not (pytester.path / "ready").exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        stranger = subprocess.Popen(["unshare", "-Urn", "sleep", "1000"])
        while os.readlink(f"/proc/{stranger.pid}/ns/net") == os.readlink("/proc/self/ns/net"):
            time.sleep(0.01)
        (pytester.path / "go").touch()
        out, _ = run.communicate(timeout=120)
    finally:
        if stranger is not None:
            stranger.kill()
            stranger.wait()
        if run.poll() is None:
            run.kill()
            run.wait()
    assert outcomes(out) == {"passed": 1}, out


@needs_userns
def test_ini_option_marker_options_and_exemptions(pytester: pytest.Pytester) -> None:
    pytester.makeini(f"""
        [pytest]
        lxkns_no_leaks = true
        lxkns_leak_timeout = 0.2
        lxkns_leak_checks = namespaces processes threads fds {"mounts" if IS_ROOT else ""}
        """)
    pytester.makepyfile("""
        import os, pytest

        KEEP = []

        def test_unmarked_but_guarded():
            KEEP.append(os.open("/proc/self/ns/net", os.O_RDONLY))

        @pytest.mark.lxkns_no_leaks(False)
        def test_exempt():
            KEEP.append(os.open("/proc/self/ns/net", os.O_RDONLY))

        @pytest.mark.lxkns_no_leaks(fds=False)
        def test_fds_not_checked():
            KEEP.append(os.open("/proc/self/ns/net", os.O_RDONLY))

        def test_clean():
            os.close(os.open("/proc/self/ns/net", os.O_RDONLY))
        """)
    result = inner(pytester)
    result.assert_outcomes(passed=4, errors=1)
    assert "ERROR at teardown of test_unmarked_but_guarded" in result.stdout.str()
    assert "1 thing behind" in result.stdout.str()


def test_unknown_marker_options_are_usage_errors(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import pytest

        @pytest.mark.lxkns_no_leaks(sockets=False)
        def test_x():
            pass
        """)
    result = inner(pytester, private_mounts=False)
    assert result.ret != 0
    assert "lxkns_no_leaks: unknown options ['sockets']" in result.stdout.str() + result.stderr.str()


@needs_userns
def test_daemons_are_caught_with_the_subreaper_option(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(MOUNTS + textwrap.dedent("""
        import os, subprocess, time, pytest

        @pytest.mark.lxkns_no_leaks(timeout=0.2, mounts=MOUNTS)
        def test_daemonizes():
            # a double fork: the sleeper's parent ends, so it is nobody's child any more
            subprocess.run(["sh", "-c", "setsid unshare -Urn sleep 1000 >/dev/null 2>&1 & echo $! > pid"],
                           check=True)
            time.sleep(0.3)
        """))
    try:
        without = inner(pytester)
        _kill_from(pytester.path / "pid")
        with_it = inner(pytester, "-o", "lxkns_catch_orphans=true")
        pid = (pytester.path / "pid").read_text().strip()
    finally:
        _kill_from(pytester.path / "pid")
    without.assert_outcomes(passed=1)  # escaped: its parent is init now
    with_it.assert_outcomes(passed=1, errors=1)
    assert any(line.strip().startswith(f"process {pid} 'sleep 1000'") for line in with_it.outlines)


# ---------------------------------------------------------------- fixtures, markers, explanations


def test_discovery_fixtures_and_options_marker(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import os, pytest
        import lxkns

        def test_standard(lxkns_discovery):
            assert lxkns_discovery.options == lxkns.STANDARD
            assert os.getpid() in lxkns_discovery.processes

        @pytest.mark.lxkns_options(lxkns.FULL, with_containers=False)
        def test_marked(lxkns_discovery):
            assert lxkns_discovery.options.with_mounts and not lxkns_discovery.options.with_containers

        @pytest.fixture(scope="module")
        def netns_only(lxkns_discover):
            return lxkns_discover(types=lxkns.NET, with_ownership=False)

        def test_factory(netns_only, lxkns_discover):
            assert set(t for t, m in netns_only.namespaces.items() if m) == {lxkns.NET}
            assert lxkns_discover(lxkns.FULL, with_containers=False).options.with_mounts
        """)
    inner(pytester, private_mounts=False).assert_outcomes(passed=3)


def test_failed_comparisons_are_explained_in_a_few_lines(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import os
        import lxkns
        from lxkns.testing import a_container, same_namespace, same_process

        def test_namespaces(lxkns_discovery):
            me = lxkns_discovery.process(os.getpid())
            assert me.namespaces[lxkns.NET] == same_namespace(me.namespaces[lxkns.UTS])

        def test_processes(lxkns_discovery):
            me = lxkns_discovery.process(os.getpid())
            assert me == me.parent

        def test_discoveries(lxkns_discover):
            before = lxkns_discover()
            fd = os.open("/proc/self/ns/net", os.O_RDONLY)
            try:
                assert before == lxkns_discover()
            finally:
                os.close(fd)

        def test_matcher_in(lxkns_discovery):
            assert a_container(name="no-such-container") in list(lxkns_discovery.processes.values())[:2]
        """)
    result = inner(pytester, private_mounts=False)
    result.assert_outcomes(failed=4)
    text = result.stdout.str()
    assert "is not same_namespace(uts:[" in text
    assert "namespace: wanted 'uts:[" in text and "ref: wanted '/proc/" in text
    assert "process " in text and "PID: wanted " in text
    assert "two different Discovery objects (they compare by identity)" in text
    assert "none of 2 items is a_container(name='no-such-container')" in text
    assert "not a container but a Process" in text


def test_skip_markers_say_what_is_missing(nobody_dir: Path) -> None:
    (nobody_dir / "test_skips.py").write_text(textwrap.dedent("""
        import pytest

        @pytest.mark.lxkns_needs_root
        def test_root():
            pass

        @pytest.mark.lxkns_needs_engine("podman")
        def test_podman():
            pass

        @pytest.mark.lxkns_needs_userns
        def test_userns():
            pass
        """))
    out = inner_as_nobody(nobody_dir)
    text = out.stdout + out.stderr
    assert "SKIPPED [1] test_skips.py:4: needs root with CAP_SYS_ADMIN (running as UID" in text, text
    assert "needs a podman.io container engine; found none" in text, text
    assert outcomes(out.stdout).get("passed") == (1 if _userns_ok() else None), text


@privileged
def test_engine_marker_finds_the_running_engines(pytester: pytest.Pytester, engines: object) -> None:
    pytester.makepyfile("""
        import pytest

        @pytest.mark.lxkns_needs_engine("docker")
        @pytest.mark.lxkns_needs_engine("containerd")
        @pytest.mark.lxkns_needs_root
        def test_runs():
            pass

        """)
    inner(pytester, private_mounts=False).assert_outcomes(passed=1)


def test_engine_marker_with_an_unknown_engine_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import pytest

        @pytest.mark.lxkns_needs_engine("no-such-engine")
        def test_bad():
            pass
        """)
    result = inner(pytester, private_mounts=False)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "lxkns_needs_engine: unknown container engine 'no-such-engine'" in result.stderr.str()


@needs_userns
def test_fixtures_and_the_guard_work_unprivileged(nobody_dir: Path) -> None:
    (nobody_dir / "test_unprivileged.py").write_text(MOUNTS + textwrap.dedent("""
        import os, pytest
        import lxkns
        from lxkns.testing import ThrowawayError, probes

        # without root the run shares its mount namespace with the busy host: mounts not checked
        pytestmark = pytest.mark.lxkns_no_leaks(timeout=0.3, mounts=MOUNTS)

        def test_throwaways(lxkns_discovery, lxkns_netns, lxkns_userns, lxkns_mntns, lxkns_pidns):
            assert not probes.privileged()
            net = lxkns_netns()
            assert net.owner is not None and net.owner.owner_uid == os.geteuid()
            user = lxkns_userns()
            with open(f"/proc/{user.ealdorman.pid}/uid_map") as f:
                assert f.read().split() == ["0", str(os.geteuid()), "1"]
            assert lxkns_mntns().type == lxkns.MNT
            assert lxkns_pidns().ealdorman is not None
            with pytest.raises(ThrowawayError, match="needs root"):
                lxkns_netns("named")

        def test_leaky():
            global KEEP
            KEEP = os.open("/proc/self/ns/net", os.O_RDONLY)
        """))
    out = inner_as_nobody(nobody_dir)
    text = out.stdout + out.stderr
    assert outcomes(out.stdout) == {"passed": 2, "errors": 1}, text
    assert "ERROR at teardown of test_leaky" in text and "fd " in text


def test_throwaway_input_is_checked_before_anything_is_made() -> None:
    from lxkns.testing import ThrowawayError, Throwaways

    with Throwaways() as made:
        with pytest.raises(ValueError, match="no good network namespace name"):
            made.netns("../etc/passwd")
        with pytest.raises(ValueError, match="bad ID map line"):
            made.userns([(0, -1, 1)])
        with pytest.raises(ValueError, match="at least one line"):
            made.userns([], [(0, 0, 1)])
        if IS_ROOT:
            os.makedirs("/run/netns", exist_ok=True)
            taken = f"/run/netns/lxkns-taken-{uuid.uuid4().hex[:8]}"
            open(taken, "w").close()
            try:
                with pytest.raises(ThrowawayError, match="exists already"):
                    made.netns(os.path.basename(taken))
            finally:
                os.unlink(taken)
        assert not made._helpers and not made._bound
