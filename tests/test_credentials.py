"""Credentials of processes (effective UID and capabilities): the status parser, the
discovery stage on a fake procfs, and the live host as root and as nobody."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import lxkns
from lxkns import DiagnosticKind, ParseError
from lxkns._lowlevel.credentials import parse_credentials

import fakeproc
from conftest import IS_ROOT, SCANNERS
from privdrop import as_nobody

STATUS = (b"Name:\tbash\nUmask:\t0022\nState:\tS (sleeping)\nUid:\t1000\t1001\t1002\t1003\n"
          b"Gid:\t100\t100\t100\t100\nCapInh:\t0000000000000000\nCapPrm:\t00000000a80425fb\n"
          b"CapEff:\t00000000a80425fb\nCapBnd:\t000001ffffffffff\n")


def test_the_effective_uid_and_caps_are_parsed() -> None:
    assert parse_credentials(STATUS) == (1001, 0xA80425FB)
    assert parse_credentials(b"Uid:\t0\t0\t0\t0\nCapEff:\t000001ffffffffff") == (0, (1 << 41) - 1)


@pytest.mark.parametrize("data", [
    b"", b"Name:\tx\n", STATUS.replace(b"Uid:", b"Uix:"), STATUS.replace(b"CapEff:", b"CapEfx:"),
    STATUS.replace(b"\t1001", b"\tabc"), STATUS.replace(b"\t1003", b""),
    STATUS.replace(b"00000000a80425fb\nCapBnd", b"0x1\nCapBnd"),
    STATUS.replace(b"00000000a80425fb\nCapBnd", b"00000000000000000\nCapBnd"),
    b"Uid:\t99999999999\t99999999999\t0\t0\nCapEff:\t0\n",
])
def test_malformed_status_files_raise_parse_error(data: bytes) -> None:
    with pytest.raises(ParseError):
        parse_credentials(data)


@given(st.binary(max_size=200) | st.builds(lambda a, b: a + STATUS + b, st.binary(max_size=20),
                                           st.binary(max_size=20)))
def test_the_parser_never_raises_anything_else(data: bytes) -> None:
    try:
        euid, caps = parse_credentials(data)
    except ParseError:
        return
    assert 0 <= euid <= 0xFFFFFFFF and 0 <= caps < 1 << 64


@pytest.mark.parametrize("native", [s == "native" for s in SCANNERS])
def test_credentials_of_the_fixture_processes(native: bool, tmp_path: Path) -> None:
    root = fakeproc.build(tmp_path / "proc")
    d = lxkns.discover(procfs_root=str(root), native=native, with_credentials=True)
    assert (d.process(1).euid, d.process(1).effective_caps) == (0, (1 << 41) - 1)
    assert (d.process(110).euid, d.process(110).effective_caps) == (1000, 0)
    assert d.process(300).euid is None  # the zombie's status file is missing in the fixture
    assert any(x.stage == "credentials" and x.kind is DiagnosticKind.VANISHED for x in d.diagnostics)
    plain = lxkns.discover(procfs_root=str(root), native=native)
    assert plain.process(1).euid is None and plain.process(1).effective_caps is None


def _own_status() -> tuple[int, int]:
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    return int(fields["Uid"].split()[1]), int(fields["CapEff"].strip(), 16)


def _probe() -> dict[str, object]:
    d = lxkns.discover(with_credentials=True)
    me = d.process(os.getpid())
    return {"own": _own_status(), "found": [me.euid, me.effective_caps],
            "init_euid": d.process(1).euid if 1 in d.processes else None}


def test_live_credentials_as_root_or_whoever_runs_the_tests() -> None:
    r = _probe()
    assert list(r["own"]) == r["found"]  # type: ignore[call-overload]
    assert r["init_euid"] == 0


@pytest.mark.unprivileged
def test_live_credentials_as_nobody() -> None:
    r = as_nobody(_probe)
    assert r["found"] == list(r["own"]) and r["found"][0] != 0 and r["found"][1] == 0
    assert r["init_euid"] == 0  # status files are readable for everyone
    assert IS_ROOT or os.geteuid() == r["found"][0]
