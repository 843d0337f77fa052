"""The CLI tools: golden outputs on fixture dumps, JSON output, colours, errors and exit
codes, and runs against the live host as root and as nobody.

Golden files live in tests/golden; ``LXKNS_UPDATE_GOLDEN=1 pytest tests/test_cli_tools.py``
rewrites them (then review the diff: the goldens are the reviewed expectations).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

import lxkns
from lxkns.cli import (
    EXIT_BAD_INPUT,
    EXIT_NOT_FOUND,
    EXIT_OK,
    EXIT_USAGE,
    caps,
    dumpns,
    lsallns,
    lspidns,
    lsuns,
    nscaps,
    pidtree,
)
from lxkns.cli.style import wants_color

import landscape
from conftest import IS_ROOT, nsbuild
from landscape import N0, N1, N2, N3, P1, U1, U3
from privdrop import as_nobody

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("LXKNS_UPDATE_GOLDEN") == "1"
TOOLS: dict[str, Callable[[Sequence[str] | None], int]] = {
    "lsuns": lsuns.main, "lspidns": lspidns.main, "pidtree": pidtree.main, "nscaps": nscaps.main,
    "dumpns": dumpns.main, "lsallns": lsallns.main,
}


def run(tool: str, *argv: str, stdin: bytes = b"") -> tuple[int, str, str]:
    """A tool's main() in this process: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    old_stdin = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin))
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = TOOLS[tool](list(argv))
            except SystemExit as exc:  # argparse
                code = int(exc.code or 0)
    finally:
        sys.stdin = old_stdin
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def dumps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    base = tmp_path_factory.mktemp("dumps")
    files = {}
    for name, make in (("ours", landscape.landscape), ("go", landscape.go_new), ("old", landscape.go_old)):
        path = base / f"{name}.json"
        path.write_text(json.dumps(make()))
        files[name] = str(path)
    return files


# ------------------------------------------------------------------ golden outputs

CASES = {
    "lsuns": ("lsuns",),
    "lsuns-details": ("lsuns", "-d"),
    "lsuns-filter-ascii": ("lsuns", "-f", "n", "-f", "pid", "--treestyle", "ascii"),
    "lspidns": ("lspidns",),
    "lspidns-users": ("lspidns", "-u"),
    "pidtree": ("pidtree",),
    "pidtree-branch": ("pidtree", "-p", "3", "-n", f"pid:[{P1}]"),
    "pidtree-basename-full": ("pidtree", "--proc", "basename", "--cgroup", "full", "--treestyle", "ascii"),
    "nscaps-owner-rule": ("nscaps", f"net:[{N1}]", "-p", "3000"),
    "nscaps-effective": ("nscaps", f"net:[{N3}]", "-p", "2000"),
    "nscaps-ancestor": ("nscaps", f"net:[{N0}]", "-p", "1300", "--brief"),
    "nscaps-user-target": ("nscaps", f"user:[{U3}]", "-p", "1200", "--treestyle", "ascii"),
    "nscaps-translated": ("nscaps", f"net:[{N2}]", "-p", "2", "-n", str(P1), "--brief"),
    "lsallns": ("lsallns",),
    "lsallns-exe": ("lsallns", "--proc", "exe", "--cgroup", "full"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_output_on_the_fixture_dump(case: str, dumps: dict[str, str]) -> None:
    tool, *argv = CASES[case]
    code, out, err = run(tool, "-q", "-i", dumps["ours"], *argv)
    assert (code, err) == (EXIT_OK, "")
    golden = GOLDEN / f"{case}.txt"
    if UPDATE:
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(out, encoding="utf-8")
    assert out == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("kind", ["go", "old"])
def test_dumps_of_the_go_lxkns_show_the_same_trees(kind: str, dumps: dict[str, str]) -> None:
    # except for the socket-held namespace (Go gives it the socket's fd as ref) and the loose
    # thread's (old dumps have no threads); old dumps have no containers either
    def same(text: str) -> list[str]:
        lines = [line for line in text.splitlines() if not {str(landscape.N5), str(landscape.N6)} & set(
            line.replace("[", " ").replace("]", " ").split())]
        if kind == "old":
            lines = [" ".join(line.replace('container "web" ', "").split()).replace(" web ", " - ")
                     for line in lines]
        return lines

    for tool, argv, golden in (("lsuns", ["-d"], "lsuns-details"), ("lspidns", ["-u"], "lspidns-users"),
                               ("lsallns", [], "lsallns")):
        code, out, _ = run(tool, "-i", dumps[kind], *argv)
        assert code == EXIT_OK
        assert same(out) == same((GOLDEN / f"{golden}.txt").read_text(encoding="utf-8"))
    # pidtree without a PID map: single PIDs
    code, out, _ = run("pidtree", "-i", dumps[kind], "-p", "1300")
    assert code == EXIT_OK and '"sleep" (1300)' in out
    # nscaps needs credentials, which the Go lxkns does not write
    code, _, err = run("nscaps", "-i", dumps[kind], f"net:[{N1}]", "-p", "1200")
    assert code == EXIT_NOT_FOUND and "credentials of process 1200 are not known" in err


def test_pidtree_json_is_the_same_tree(dumps: dict[str, str]) -> None:
    code, out, _ = run("pidtree", "-i", dumps["ours"], "--json", "-p", "1300")
    assert code == EXIT_OK
    tree = json.loads(out)
    path = []
    node = tree[0]
    while True:
        path.append(node.get("pids") or node["namespace"])
        if not node["children"]:
            break
        (node,) = node["children"]
    assert path == [f"pid:[{landscape.P0}]", "1", "1200", f"pid:[{P1}]", "1201/1", "1202/2",
                    f"pid:[{landscape.P2}]", "1300/3/1"]


def test_json_outputs(dumps: dict[str, str]) -> None:
    code, out, _ = run("lsuns", "-i", dumps["ours"], "--json", "-f", "net")
    roots = json.loads(out)
    assert code == EXIT_OK and [r["namespace"] for r in roots] == [f"user:[{landscape.U0}]"]
    u1 = roots[0]["children"][0]
    assert (u1["namespace"], u1["user-id"], u1["user-name"]) == (f"user:[{U1}]", 1000, "alice")
    assert [o["namespace"] for o in u1["owned"]] == [f"net:[{N1}]"]
    code, out, _ = run("nscaps", "-i", dumps["ours"], "--json", f"net:[{N1}]", "-p", "3000")
    (root,) = json.loads(out)
    assert root["power"] == "effective"
    target = root["children"][1]["children"][0]
    assert (target["namespace"], target["target"], target["capabilities"]) == (f"net:[{N1}]", True, "all")
    code, out, _ = run("lsallns", "-i", dumps["ours"], "--json")
    rows = {r["namespace"]: r for r in json.loads(out)}
    assert rows[landscape.N6]["pid"] == 1501 and rows[landscape.N6]["process"] == "[stray]"
    code, out, _ = run("dumpns", "-i", dumps["go"], "--compact")
    assert code == EXIT_OK and "\n" not in out.rstrip("\n")
    again = lxkns.Discovery.from_json(out)
    assert again.namespace(N1, lxkns.NET).leader_pids == (1200,)


def test_dumpns_indentation(dumps: dict[str, str]) -> None:
    _, two, _ = run("dumpns", "-i", dumps["ours"])
    _, tabs, _ = run("dumpns", "-i", dumps["ours"], "--tab")
    _, eight, _ = run("dumpns", "-i", dumps["ours"], "--indent", "8")
    assert two.splitlines()[1].startswith('  "') and tabs.splitlines()[1].startswith('\t"')
    assert eight.splitlines()[1].startswith(8 * " " + '"')
    assert json.loads(two) == json.loads(tabs) == json.loads(eight)
    assert run("dumpns", "--indent", "9")[0] == EXIT_USAGE


def test_a_dump_from_stdin(dumps: dict[str, str]) -> None:
    data = Path(dumps["ours"]).read_bytes()
    code, out, _ = run("lspidns", "-i", "-", stdin=data)
    assert code == EXIT_OK and out == (GOLDEN / "lspidns.txt").read_text(encoding="utf-8")


# ------------------------------------------------------------------ colours


class _Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_colour_modes(monkeypatch: pytest.MonkeyPatch, dumps: dict[str, str]) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert wants_color("auto", _Stream(True)) and not wants_color("auto", _Stream(False))
    assert wants_color("always", _Stream(False)) and wants_color("on", _Stream(False))
    assert not wants_color("never", _Stream(True)) and not wants_color("off", _Stream(True))
    monkeypatch.setenv("NO_COLOR", "1")
    assert not wants_color("auto", _Stream(True))
    assert wants_color("always", _Stream(True))  # an explicit choice wins over NO_COLOR
    monkeypatch.setenv("NO_COLOR", "")
    assert wants_color("auto", _Stream(True))  # set but empty: no effect
    # -c alone means always, and does not swallow the next argument
    code, out, _ = run("nscaps", "-c", f"net:[{N1}]", "-i", dumps["ours"], "-p", "3000")
    assert code == EXIT_OK and "\x1b[" in out
    plain = (GOLDEN / "nscaps-owner-rule.txt").read_text(encoding="utf-8")
    assert _strip_sgr(out) == plain
    code, out, _ = run("lsuns", "--color=never", "-i", dumps["ours"])
    assert "\x1b[" not in out
    code, light, _ = run("lsuns", "--color", "--theme", "light", "-i", dumps["ours"])
    code, dark, _ = run("lsuns", "--color=on", "-i", dumps["ours"])
    assert light != dark and _strip_sgr(light) == _strip_sgr(dark)
    code, out, _ = run("lsuns", "--color=always", "--json", "-i", dumps["ours"])
    assert "\x1b[" not in out  # never in JSON


def _strip_sgr(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


# ------------------------------------------------------------------ errors and exit codes

ERRORS = [
    (("pidtree", "-p", "4242"), EXIT_NOT_FOUND, "no process with PID 4242"),
    (("pidtree", "-p", "1", "-n", "pid:[99]"), EXIT_NOT_FOUND, "no namespace pid:[99]"),
    (("pidtree", "-p", "99", "-n", str(P1)), EXIT_NOT_FOUND, f"no process with PID 99 in pid:[{P1}]"),
    (("pidtree", "-p", "1", "-n", f"net:[{N1}]"), EXIT_USAGE, "is not a PID namespace"),
    (("pidtree", "-p", "1", "-n", "bogus"), EXIT_USAGE, "malformed namespace text"),
    (("pidtree", "-n", str(P1)), EXIT_USAGE, "--ns needs --pid"),
    (("nscaps", "net:[1]", "-p", "1"), EXIT_NOT_FOUND, "no namespace net:[1]"),
    (("nscaps", "net:[x]", "-p", "1"), EXIT_USAGE, "malformed namespace text"),
    (("nscaps", f"net:[{N1}]"), EXIT_USAGE, "from a dump, name the process with --pid"),
    (("nscaps", f"net:[{N1}]", "-p", "9999"), EXIT_NOT_FOUND, "no process with PID 9999"),
    (("lsuns", "-f", "netz"), EXIT_USAGE, "unknown namespace type"),
    (("lsuns", "--color=sometimes"), EXIT_USAGE, "invalid choice"),
    (("lspidns", "--treestyle", "fancy"), EXIT_USAGE, "invalid choice"),
]


@pytest.mark.parametrize(("argv", "status", "message"), ERRORS)
def test_errors_have_clear_messages_and_exit_codes(argv: tuple[str, ...], status: int, message: str,
                                                   dumps: dict[str, str]) -> None:
    tool, *rest = argv
    code, out, err = run(tool, "-i", dumps["ours"], *rest)
    assert (code, out) == (status, "")
    assert message in err and (err.startswith(f"{tool}: ") or "usage:" in err)


def test_unreadable_and_malformed_dumps(tmp_path: Path) -> None:
    code, _, err = run("lsuns", "-i", str(tmp_path / "missing.json"))
    assert code == EXIT_BAD_INPUT and "cannot read the dump" in err and "No such file" in err
    bad = tmp_path / "bad.json"
    bad.write_text('{"namespaces": {"12": {"nsid": 12, "type": "net", "owner": 13}}, "processes": {}}')
    code, _, err = run("lspidns", "-i", str(bad))
    assert code == EXIT_BAD_INPUT and "$.namespaces.12.owner: dangling reference" in err
    code, _, err = run("lsallns", "-i", "-", stdin=b"\x00garbage")
    assert code == EXIT_BAD_INPUT and "not JSON" in err
    code, _, err = run("dumpns", "-i", "-", stdin=b'{"namespaces": {}, "processes": {"1": {"pid": -1}}}')
    assert code == EXIT_BAD_INPUT and "$.processes.1.pid" in err


def test_console_scripts_are_installed(dumps: dict[str, str]) -> None:
    scripts = {e.name: e.value for e in metadata.entry_points(group="console_scripts")
               if e.value.startswith("lxkns.cli.")}
    assert scripts == {"lxkns": "lxkns.cli.main:main", **{name: f"lxkns.cli.{name}:main" for name in TOOLS}}
    script = shutil.which("lsallns", path=os.path.dirname(sys.executable))
    if script is None:
        pytest.skip("the console scripts are not installed next to this interpreter")
    out = subprocess.run([script, "-i", dumps["ours"]], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout == (GOLDEN / "lsallns.txt").read_text(encoding="utf-8")
    head = subprocess.run(f"{script} -q -i {dumps['ours']} | head -1", shell=True, capture_output=True,
                          text=True, timeout=60)
    assert head.stdout.startswith("NAMESPACE") and head.stderr == ""  # a closed pipe is no error


# ------------------------------------------------------------------ the live host


def _own(name: str) -> int:
    return os.stat(f"/proc/self/ns/{name}").st_ino


def _live_runs() -> dict[str, Any]:
    """Every tool against the live host; what they say about the caller's own namespaces."""
    me = os.getpid()
    results: dict[str, Any] = {"uid": os.geteuid()}
    code, out, err = run("lsuns", "-d")
    results["lsuns"] = (code, f"user:[{_own('user')}]" in out, f"net:[{_own('net')}]" in out)
    code, out, err = run("lspidns", "-u")
    results["lspidns"] = (code, f"pid:[{_own('pid')}]" in out)
    code, out, err = run("pidtree", "-p", str(me))
    results["pidtree"] = (code, f"({me})" in out, err)
    code, out, err = run("nscaps", "-q", f"net:[{_own('net')}]", "--json")
    tree = json.loads(out) if code == 0 else []
    results["nscaps"] = (code, err, _find(tree, "target"), _find(tree, "effective-capabilities"))
    code, out, err = run("lsallns")
    results["lsallns"] = (code, str(_own("net")) in out)
    # the diagnostics go to stderr, one line each, and -q silences them
    results["diagnostics"] = err.splitlines()
    results["quiet"] = run("lsallns", "-q")[2]
    code, out, err = run("dumpns", "--compact")
    d = lxkns.Discovery.from_json(out)
    results["dumpns"] = (code, d.process(me).euid, d.process(me).namespaces[lxkns.NET].id.ino)
    return results


def _find(tree: list[dict[str, Any]], key: str) -> Any:
    for node in tree:
        if key in node:
            return node[key]
        found = _find(node["children"], key)
        if found is not None:
            return found
    return None


def _effective_caps() -> list[str]:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("CapEff:"):
            return caps.names(int(line.split()[1], 16))
    raise AssertionError("no CapEff line")


def _check_live(r: dict[str, Any], effective: list[str]) -> None:
    assert r["lsuns"] == [0, True, True]
    assert r["lspidns"] == [0, True]
    assert r["pidtree"][:2] == [0, True], r["pidtree"]
    code, err, target, own_caps = r["nscaps"]
    assert (code, err, target) == (0, "", True)
    assert own_caps == effective  # the process is in the target's owner: its effective caps
    assert r["lsallns"] == [0, True]
    assert r["dumpns"] == [0, r["uid"], _own("net")]
    assert r["quiet"] == ""
    assert all(line.startswith("lsallns: ") for line in r["diagnostics"])
    if r["uid"] != 0:  # nobody may not look into root's processes: the tools say so
        assert any(": denied: " in line for line in r["diagnostics"]), r["diagnostics"]


def test_the_tools_on_the_live_host() -> None:
    _check_live(json.loads(json.dumps(_live_runs())), _effective_caps())


@pytest.mark.unprivileged
def test_the_tools_on_the_live_host_as_nobody() -> None:
    r = as_nobody(_live_runs)
    assert r["uid"] != 0 or not IS_ROOT
    _check_live(r, [] if IS_ROOT else _effective_caps())


@pytest.mark.privileged
def test_the_tools_see_namespaces_built_for_them() -> None:
    with nsbuild.run(nsbuild.PIDNS_CHAIN) as pids, \
         nsbuild.run(nsbuild.USERNS_CHAIN.replace("DEPTH", "2")) as users:
        code, out, _ = run("pidtree", "-p", str(pids["grandchild"]))
        assert code == 0 and f'({pids["grandchild"]}/{pids["grandchild_in_ns1"]}/1)' in out
        assert f"pid:[{pids['ns1']}]" in out and f"pid:[{pids['ns2']}]" in out
        code, out, _ = run("pidtree", "-p", "1", "-n", f"pid:[{pids['ns2']}]")
        assert code == 0 and f'({pids["grandchild"]}/{pids["grandchild_in_ns1"]}/1)' in out
        code, out, _ = run("lsuns")
        hidden, deepest = users["chain"]
        assert f"user:[{hidden}] hidden" in out and f"user:[{deepest}] process" in out
        # root (in the initial user namespace) created the chain: all capabilities in it
        code, out, _ = run("nscaps", f"net:[{users['net']}]")
        assert code == 0 and "(ALL capabilities)" in out
        # the scenario's process, in the deepest user namespace: none in the initial one
        code, out, _ = run("nscaps", f"net:[{_own('net')}]", "-p", str(users["pid"]))
        assert code == 0 and "(no capabilities)" in out


# ------------------------------------------------------------------ what every tool has


@pytest.mark.parametrize("tool", sorted(TOOLS))
def test_every_tool_has_a_version(tool: str) -> None:
    code, out, _ = run(tool, "--version")
    assert code == EXIT_OK and out.strip() == f"{tool} from lxkns {lxkns.__version__}"


def test_color_takes_its_mode_after_a_blank(dumps: dict[str, str]) -> None:
    """``--color never`` as --help shows it; ``--color`` before something else means always."""
    code, never, _ = run("lsuns", "-q", "--color", "never", "-i", dumps["ours"])
    assert code == EXIT_OK and "\x1b[" not in never
    code, always, _ = run("lsuns", "-q", "--color", "always", "-i", dumps["ours"])
    assert code == EXIT_OK and "\x1b[" in always and _strip_sgr(always) == never
    code, out, _ = run("nscaps", "-q", "--color", f"net:[{N1}]", "-i", dumps["ours"], "-p", "3000")
    assert code == EXIT_OK and "\x1b[" in out


def test_nscaps_takes_a_bare_inode_like_pidtree(dumps: dict[str, str]) -> None:
    code, by_inode, _ = run("nscaps", "-q", str(N1), "-i", dumps["ours"], "-p", "3000")
    assert code == EXIT_OK and by_inode == (GOLDEN / "nscaps-owner-rule.txt").read_text(encoding="utf-8")
    code, _, err = run("nscaps", "-q", "4242", "-i", dumps["ours"], "-p", "3000")
    assert code == EXIT_NOT_FOUND and "no namespace with inode 4242" in err


def test_a_dumps_diagnostics_are_shown_as_the_dumps(dumps: dict[str, str]) -> None:
    d = lxkns.Discovery.from_json(Path(dumps["ours"]).read_text())
    assert d.diagnostics
    code, _, err = run("lsuns", "-i", dumps["ours"])
    assert code == EXIT_OK
    assert err.splitlines() == [f"lsuns: in the dump: {x}" + (f" (e.g. {', '.join(x.examples[:2])})"
                                                              if x.examples else "") for x in d.diagnostics]


@pytest.mark.parametrize("tool", ["lsuns", "lspidns", "pidtree", "lsallns"])
def test_a_wrong_procfs_says_why_the_output_is_empty(tool: str, tmp_path: Path) -> None:
    code, _out, err = run(tool, "--procfs", str(tmp_path))
    assert code == EXIT_OK
    assert f"{tool}: processes: unavailable: {tmp_path} lists no processes: is it a procfs" in err
    code, _, err = run(tool, "--procfs", str(tmp_path / "missing"))
    assert code == 4 and "procfs root" in err
