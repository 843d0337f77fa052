"""The ``lxkns`` command: an lsns-like table (columns, raw, JSON rows, one process, types,
terminal width), the whole graph as JSON, dumps, ``--version``, ``lxkns serve``, and
``python3 -m lxkns`` in a source checkout."""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.machinery
import io
import json
import os
import shutil
import subprocess
import sys
import time
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import lxkns
from lxkns.cli import main as cli
from lxkns.cli.columns import COLUMNS, DEFAULT

from checkout import fresh_clone
from conftest import nsbuild
from privdrop import as_nobody

TYPES = ("cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts")
SCRIPT = shutil.which("lxkns", path=os.path.dirname(sys.executable))


def lxkns_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The installed console script (``python -m lxkns`` where it is not installed)."""
    argv = [SCRIPT] if SCRIPT is not None else [sys.executable, "-m", "lxkns"]
    return subprocess.run([*argv, *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})


def run(*argv: str) -> tuple[int, str, str]:
    """``lxkns ARGV`` in this process: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(list(argv))
        except SystemExit as exc:  # argparse
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def own(name: str, pid: int | str = "self") -> int:
    return os.stat(f"/proc/{pid}/ns/{name}").st_ino


def test_the_table_lists_our_namespaces_with_the_lsns_columns() -> None:
    out = lxkns_cli("-q")
    assert out.returncode == 0, out.stderr
    header, *rows = out.stdout.splitlines()
    assert header.split() == list(DEFAULT) == ["NS", "TYPE", "NPROCS", "PID", "USER", "FOUND", "COMMAND"]
    found = {(cols[1], int(cols[0])): cols for cols in (row.split() for row in rows)}
    for name in TYPES:
        cols = found[(name, own(name))]
        assert int(cols[2]) >= 1 and "proc" in cols[5].split(",")
    inodes = [int(row.split()[0]) for row in rows]
    assert inodes == sorted(inodes)  # by namespace, as lsns


def test_json_rows_of_one_process_are_its_namespaces() -> None:
    code, out, err = run("-q", "-J", "-p", str(os.getpid()), "-o", "NS,TYPE,PID,PPID,UID,USER,COMMAND,FOUND")
    assert (code, err) == (0, "")
    rows = json.loads(out)["namespaces"]
    assert {(r["type"], r["ns"]) for r in rows} == {(t, own(t)) for t in TYPES}
    for r in rows:
        assert set(r) == {"ns", "type", "pid", "ppid", "uid", "user", "command", "found"}
        assert isinstance(r["ns"], int) and isinstance(r["pid"], int) and isinstance(r["found"], list)
        assert r["uid"] is None or isinstance(r["uid"], int)
    code, _, err = run("-p", "99999999")
    assert code == 1 and "no process with PID 99999999" in err


def test_columns_types_headings_and_all_columns() -> None:
    code, out, _ = run("-q", "-t", "net", "--type", "user", "-o", "ns,type", "-o", "+OWNER")
    assert code == 0
    header, *rows = out.splitlines()
    assert header.split() == ["NS", "TYPE", "OWNER"]  # +LIST adds to what -o named before
    assert {row.split()[1] for row in rows} == {"net", "user"}
    code, out, _ = run("-q", "-o", "+OWNER", "-t", "pid")
    assert out.splitlines()[0].split() == [*DEFAULT, "OWNER"]  # or to the default columns
    code, out, _ = run("-q", "-t", "net", "-o", "NS,OWNER,ONS", "-n")
    first = out.splitlines()[0].split()
    assert first[0].isdecimal() and first[1] == f"user:[{first[2]}]"
    code, out, _ = run("-q", "--output-all", "-t", "uts")
    assert out.splitlines()[0].split() == list(COLUMNS)
    code, _, err = run("-o", "NS,BOGUS")
    assert code == 2 and "unknown column: BOGUS" in err
    code, _, err = run("-t", "netz")
    assert code == 2 and "unknown namespace type" in err


def test_help_lists_the_columns_and_version_names_the_scanner() -> None:
    code, out, _ = run("-h")
    assert code == 0 and "Available output columns:" in out
    for name, column in COLUMNS.items():
        assert f"{name}  {column.help}" in out
    code, out, _ = run("--version")
    expected = "native scanner" if lxkns.native_available() else "pure-Python scanner"
    assert code == 0 and out.strip().startswith(f"lxkns {lxkns.__version__} ({expected}")


@contextlib.contextmanager
def _process(*argv: str) -> Iterator[int]:
    """A process alone in a new UTS namespace (so that it is its ealdorman), by its PID."""
    proc = subprocess.Popen(["unshare", "--uts", "--", *argv])
    try:
        for _ in range(200):  # until unshare has exec'ed the command
            with open(f"/proc/{proc.pid}/cmdline", "rb") as f:
                if f.read().startswith(argv[0].encode() + b"\0"):
                    break
            time.sleep(0.02)
        yield proc.pid
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.privileged
def test_the_full_command_line_raw_output_and_one_line_per_namespace() -> None:
    script = "import time\ntime.sleep(60)  # two lines"
    with _process(sys.executable, "-c", script) as pid:
        code, out, _ = run("-q", "-p", str(pid), "-t", "uts", "-o", "NS,PID,COMMAND")
        (row,) = out.splitlines()[1:]
        command = f"{sys.executable} -c import time\\x0atime.sleep(60)  # two lines"
        assert code == 0 and row.split(None, 2) == [str(own("uts", pid)), str(pid), command]
        code, out, _ = run("-q", "-r", "-n", "-p", str(pid), "-t", "uts", "-o", "PID,COMMAND,CONTAINER")
        raw = f"{sys.executable} -c import time\ntime.sleep(60)  # two lines".replace(" ", "\\x20")
        assert code == 0 and out.rstrip("\n").split(" ") == [str(pid), raw.replace("\n", "\\x0a"), ""]


@pytest.mark.privileged
def test_the_last_column_is_cut_to_fit_the_terminal_width() -> None:
    wide = "x" * 200
    with _process(sys.executable, "-c", "import time; time.sleep(60)", wide) as pid:
        out = lxkns_cli("-q", "-p", str(pid), "-t", "uts", env={"COLUMNS": "70"})
        lines = out.stdout.splitlines()
        assert max(len(line) for line in lines) <= 70 and lines[1].endswith("…")
        assert all(line.split()[0].isdecimal() for line in lines[1:])
        out = lxkns_cli("-q", "-p", str(pid), "-t", "uts", "-u", env={"COLUMNS": "70"})
        assert out.stdout.splitlines()[1].endswith(wide)
        out = lxkns_cli("-q", "-p", str(pid), "-t", "uts")  # not a terminal: nothing cut
        assert out.stdout.splitlines()[1].endswith(wide)


def test_the_whole_graph_as_json_and_back_from_a_dump(tmp_path: Path) -> None:
    out = lxkns_cli("--json", "-q", "--full")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    net = str(own("net"))
    assert data["namespaces"][net]["type"] == "net"
    me = data["processes"][str(os.getpid())]  # the test process, parent of the CLI run
    assert me["pid"] == os.getpid() and me["namespaces"]["net"] == int(net)
    assert data["lxkns-schema"] == 1 and "diagnostics" in data
    assert data["discovery-options"]["with-pid-map"] is True
    dump = tmp_path / "dump.json"
    dump.write_text(out.stdout)
    code, rows, err = run("-q", "-i", str(dump), "-J", "-p", str(os.getpid()))
    assert code == 0 and {(r["type"], r["ns"]) for r in json.loads(rows)["namespaces"]} == {
        (t, own(t)) for t in TYPES}
    code, _, err = run("-i", str(tmp_path / "missing.json"))
    assert code == 3 and "cannot read the dump" in err


@pytest.mark.privileged
def test_the_table_shows_where_hidden_namespaces_are_found() -> None:
    with nsbuild.run(nsbuild.USERNS_CHAIN.replace("DEPTH", "2")) as sc:
        _code, out, _ = run("-q", "--types", "user,net", "-o", "NS,TYPE,FOUND,PID,PARENT,OWNER,REF")
    rows = {cols[0]: cols for cols in (line.split() for line in out.splitlines()[1:])}
    hidden = rows[str(sc["chain"][0])]
    assert hidden[1:5] == ["user", "parent", "-", f"user:[{own('user')}]"]
    assert rows[str(sc["net"])][5] == f"user:[{sc['chain'][1]}]"
    assert {cols[1] for cols in rows.values()} == {"user", "net"}


def test_bad_arguments_and_errors_exit_non_zero(tmp_path: Path) -> None:
    out = lxkns_cli("--types", "netz")
    assert out.returncode == 2 and "unknown namespace type" in out.stderr
    out = lxkns_cli("--procfs", "/nonexistent-procfs")
    assert out.returncode == 4 and "procfs root" in out.stderr
    out = lxkns_cli("--procfs", str(tmp_path))  # no procfs: an empty table, and why
    assert out.returncode == 0 and out.stdout.split() == list(DEFAULT)
    assert f"{tmp_path} lists no processes: is it a procfs" in out.stderr
    out = lxkns_cli("--json", "-J")
    assert out.returncode == 2 and "--json" in out.stderr


def test_the_python_scanner_flag() -> None:
    out = lxkns_cli("--python", "--json", "-q")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["scanner"] == "python"


@pytest.mark.unprivileged
def test_as_nobody_the_table_shows_what_may_be_seen_and_says_what_not() -> None:
    def table() -> list[Any]:
        code, out, err = run("-J", "-p", str(os.getpid()))
        return [code, json.loads(out)["namespaces"] if code == 0 else out, err.splitlines(), os.geteuid()]

    code, rows, diagnostics, uid = as_nobody(table)
    assert code == 0 and {(r["type"], r["ns"]) for r in rows} == {(t, own(t)) for t in TYPES}
    if uid != 0:
        assert any(line.startswith("lxkns: ") and ": denied: " in line for line in diagnostics)


# ------------------------------------------------------------------ lxkns serve


class _Service(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Stands in for lxkns.service.cli: fails the way a missing extra makes it fail, or
    records the arguments it is called with."""

    def __init__(self, missing: str | None) -> None:
        self.missing = missing
        self.calls: list[list[str]] = []

    def find_spec(self, name: str, path: Any, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if name in ("lxkns.service", "lxkns.service.cli"):
            return importlib.machinery.ModuleSpec(name, self, is_package=name == "lxkns.service")
        return None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        if self.missing is not None:  # what "import starlette" in the service does without the extra
            raise ModuleNotFoundError(f"No module named {self.missing!r}", name=self.missing)
        if module.__name__ == "lxkns.service.cli":
            def main(argv: list[str]) -> int:
                self.calls.append(argv)
                return 7
            module.main = main  # type: ignore[attr-defined]


@contextlib.contextmanager
def _service(missing: str | None) -> Iterator[_Service]:
    fake = _Service(missing)
    saved = {k: sys.modules.pop(k) for k in list(sys.modules) if k.startswith("lxkns.service")}
    sys.meta_path.insert(0, fake)
    try:
        yield fake
    finally:
        sys.meta_path.remove(fake)
        for k in [k for k in sys.modules if k.startswith("lxkns.service")]:
            del sys.modules[k]
        sys.modules.update(saved)


def test_serve_without_the_service_extra_says_how_to_install_it() -> None:
    with _service(missing="starlette"):
        code, out, err = run("serve", "--port", "8000")
    assert (code, out) == (2, "")
    assert "the service needs the [service] extra" in err and "No module named 'starlette'" in err
    assert "pip install 'lxkns[service]'" in err


def test_serve_names_the_missing_packages_of_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """The extra's requirements come from lxkns' own metadata; one not installed is named."""
    from importlib import metadata

    if not any("service" in r for r in metadata.requires("lxkns") or []):
        pytest.skip("this lxkns declares no [service] extra")
    real = metadata.distribution

    def distribution(name: str) -> metadata.Distribution:
        if name.lower() == "uvicorn":
            raise metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(metadata, "distribution", distribution)
    code, out, err = run("serve", "--help")
    assert (code, out) == (2, "")
    assert "the service needs the [service] extra (not installed: uvicorn)" in err
    assert "pip install 'lxkns[service]'" in err


def test_serve_hands_the_rest_of_the_command_line_to_the_service() -> None:
    with _service(missing=None) as fake:
        code, _, _ = run("serve", "--port", "8000", "-q", "serve")
    assert code == 7 and fake.calls == [["--port", "8000", "-q", "serve"]]


def test_the_real_service_answers_help() -> None:
    pytest.importorskip("lxkns.service.cli", reason="the [service] extra (or lxkns.service) is not installed")
    out = lxkns_cli("serve", "--help")
    assert out.returncode == 0 and "usage:" in out.stdout


# ------------------------------------------------------------------ python3 -m lxkns in a checkout


def test_python_m_lxkns_in_a_source_checkout_says_which_scanner_runs(tmp_path: Path) -> None:
    """``./lxkns`` of a fresh clone has no compiled scanner: said before the table, and in
    the diagnostics with the reason; nothing silent."""
    import site

    clone = fresh_clone(tmp_path)
    # the dependencies from site-packages, but no .pth files: an editable install's finder
    # would lend the clone the compiled module of the checkout these tests run from
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(site.getsitepackages())}
    out = subprocess.run([sys.executable, "-S", "-m", "lxkns", "-t", "uts"], cwd=clone, capture_output=True,
                         text=True, timeout=300, env=env)
    assert out.returncode == 0, out.stderr
    first, *rest = out.stderr.splitlines()
    assert first.startswith(f"lxkns: note: running from the source checkout {clone}, which has no "
                            "compiled scanner (")
    assert "the pure-Python scanner runs" in first and "`lxkns`" in first
    assert any(line.startswith("lxkns: scanner: unsupported: the native scanner is not available (")
               and "the pure-Python scanner ran" in line for line in rest)
    assert str(own("uts")) in out.stdout
