"""Packaging: the native scanner is optional (no compiler, no problem: the pure scanner, and
it says so), man pages come from the argument parsers, and the tools explain themselves."""

from __future__ import annotations

import glob
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lxkns.cli import dumpns, lsallns, lspidns, lsuns, main, nscaps, pidtree

from checkout import fresh_clone

TOOLS = {"lxkns": main, "lsuns": lsuns, "lspidns": lspidns, "pidtree": pidtree, "nscaps": nscaps,
         "dumpns": dumpns, "lsallns": lsallns}


@pytest.mark.parametrize("name", sorted(TOOLS))
def test_man_pages_are_made_from_the_parsers(name: str) -> None:
    manpage = pytest.importorskip("argparse_manpage.manpage", reason="argparse-manpage is not installed")
    parser = TOOLS[name].parser()
    page = str(manpage.Manpage(parser, format="pretty", _data={"prog": name, "version": "0"}))
    assert f".SH NAME\n{name} \\- " in page
    for action in parser._actions:  # every option is documented
        for flag in action.option_strings:
            if flag not in ("-h", "--help"):
                assert flag.replace("-", "\\-") in page, flag


@pytest.mark.parametrize("name", ["lsuns", "lspidns", "pidtree", "nscaps"])
def test_tree_tools_explain_their_symbols_in_help(name: str) -> None:
    text = TOOLS[name].parser().format_help()
    assert '"├─ " and "└─ " lead to a child' in text and '"⋄─ " marks a property' in text
    if name == "nscaps":
        assert "⛔ (ascii [-]) the process has no capabilities" in text


@pytest.mark.slow
def test_without_a_compiler_lxkns_installs_with_the_pure_scanner_and_says_so(tmp_path: Path) -> None:
    """A fresh venv, CC pointing to no compiler: the install succeeds and says the scanner
    is pure Python; so do ``lxkns --version`` and the discovery's diagnostics. With
    LXKNS_REQUIRE_NATIVE=1 (binary wheels) the same build fails instead."""
    clone = fresh_clone(tmp_path)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["CC"] = str(tmp_path / "no-such-compiler")
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-v", "--no-cache-dir", "."]
    out = subprocess.run(pip, cwd=clone, env=env, capture_output=True, text=True, timeout=900)
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-4000:]
    assert "lxkns: the native scanner was not built (" in log and "no-such-compiler" in log
    assert "lxkns will use its pure-Python scanner" in log
    site = glob.glob(str(venv / "lib" / "python*" / "site-packages" / "lxkns"))[0]
    assert not glob.glob(os.path.join(site, "_native*"))
    lxkns = str(venv / "bin" / "lxkns")
    version = subprocess.run([lxkns, "--version"], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert "(pure-Python scanner: the native one is not available (No module named 'lxkns._native'))" \
        in version.stdout
    table = subprocess.run([lxkns, "-t", "uts"], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert table.returncode == 0 and str(os.stat("/proc/self/ns/uts").st_ino) in table.stdout
    assert "lxkns: scanner: unsupported: the native scanner is not available (No module named " \
        "'lxkns._native'): the pure-Python scanner ran (slower, same results)" in table.stderr.splitlines()
    # no extras installed: lxkns serve says what to install
    serve = subprocess.run([lxkns, "serve"], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert serve.returncode == 2 and "lxkns serve: the service needs the [service] extra" in serve.stderr
    assert "pip install 'lxkns[service]'" in serve.stderr
    pages = sorted(p.name for p in (venv / "share" / "man" / "man1").glob("*.1"))
    assert pages == sorted(f"{name}.1" for name in TOOLS)
    # a binary wheel must have the native scanner: without a compiler, no wheel
    env["LXKNS_REQUIRE_NATIVE"] = "1"
    wheel = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "wheel", "--no-deps", "-w",
                            str(tmp_path / "wheels"), "."], cwd=clone, env=env, capture_output=True,
                           text=True, timeout=900)
    assert wheel.returncode != 0 and not list((tmp_path / "wheels").glob("*.whl"))
