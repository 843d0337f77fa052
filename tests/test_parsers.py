"""The /proc parsers: exact cases, hypothesis properties, and C/Python agreement."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

import lxkns
from lxkns import ParseError
from lxkns._lowlevel import parsers

native = pytest.importorskip("lxkns._lowlevel.native") if lxkns.native_available() else None
needs_native = pytest.mark.skipif(native is None, reason="the compiled scanner is not available")

STAT = (b"4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 3 0 "
        b"98765 1000 100 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 7 2 0 0 0\n")


def test_stat_line_fields() -> None:
    f = parsers.parse_stat(STAT)
    assert (f.pid, f.comm, f.state, f.ppid) == (4242, b"my (odd) name", "S", 1)
    assert (f.nice, f.nthreads, f.starttime, f.priority, f.policy) == (0, 3, 98765, 7, 2)


@pytest.mark.parametrize("bad", [
    b"", b"12", b"12 (x)", b"x (comm) S 1", b"-1 (x) S" + b" 0" * 40, b"0 (x) S" + b" 0" * 40,
    b"1 (x) SS" + b" 0" * 40, b"1 (x) S" + b" 0" * 10, b"1 (x) S  1" + b" 0" * 40,
    STAT.replace(b" 20 0 3 ", b" 20 20 3 "),      # nice out of range
    STAT.replace(b" 7 2 0 0 0", b" 100 2 0 0 0"),  # RT priority out of range
    STAT.replace(b" 98765 ", b" -5 "),             # negative start time
])
def test_stat_line_rejects(bad: bytes) -> None:
    with pytest.raises(ParseError):
        parsers.parse_stat(bad)


def _stat_line(pid: int, comm: bytes, ppid: int, nice: int, start: int, prio: int, pol: int,
               extra: int) -> bytes:
    fields = ["S", str(ppid)] + ["0"] * 14 + [str(nice), "1", "0", str(start)] + ["0"] * 17
    fields += [str(prio), str(pol)] + ["0"] * extra
    return b"%d (%s) %s\n" % (pid, comm, " ".join(fields).encode())


@given(pid=st.integers(1, 2**31 - 1), comm=st.binary(max_size=64), ppid=st.integers(0, 2**31 - 1),
       nice=st.integers(-20, 19), start=st.integers(0, 2**63 - 1), prio=st.integers(0, 99),
       pol=st.integers(0, 7), extra=st.integers(0, 12))
def test_stat_round_trip(pid: int, comm: bytes, ppid: int, nice: int, start: int, prio: int,
                         pol: int, extra: int) -> None:
    line = _stat_line(pid, comm, ppid, nice, start, prio, pol, extra)
    f = parsers.parse_stat(line)
    assert (f.pid, f.comm, f.ppid, f.nice, f.starttime, f.priority, f.policy) == (
        pid, comm, ppid, nice, start, prio, pol)


@given(st.binary(max_size=300))
@example(STAT)
def test_stat_never_crashes(data: bytes) -> None:
    with contextlib.suppress(ParseError):
        parsers.parse_stat(data)


@needs_native
@given(st.one_of(st.binary(max_size=200),
                 st.builds(_stat_line, st.integers(-5, 2**32), st.binary(max_size=20),
                           st.integers(-3, 2**32), st.integers(-25, 25), st.integers(-3, 2**64),
                           st.integers(-2, 110), st.integers(-1, 9), st.integers(0, 3))))
def test_stat_c_and_python_agree(data: bytes) -> None:
    assert native is not None
    try:
        py = parsers.parse_stat(data)
    except ParseError:
        py = None
    try:
        c = native.parse_stat(data)
    except ParseError:
        c = None
    assert py == c


def test_nslink() -> None:
    assert parsers.parse_nslink("net:[4026531833]") == (3, 4026531833)
    assert parsers.parse_nslink(b"user:[1]") == (6, 1)
    for bad in ("net:4026531833", "net:[]", "net:[0]", "nett:[1]", ":[1]", "net:[1", "net:[-1]",
                "net:[1]x", "net:[18446744073709551616]", "socket:[12]", ""):
        with pytest.raises(ParseError):
            parsers.parse_nslink(bad)


TYPES = st.sampled_from(["cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"])


@given(TYPES, st.integers(1, 2**64 - 1))
def test_nslink_round_trip(name: str, ino: int) -> None:
    link, got = parsers.parse_nslink(f"{name}:[{ino}]")
    assert (parsers.TYPE_NAMES[link], got) == (name, ino)
    assert str(lxkns.model.parse_type_id(f"{name}:[{ino}]")[0]) == name


@needs_native
@given(st.one_of(st.binary(max_size=40),
                 st.builds(lambda t, i, junk: f"{t}:[{i}]".encode() + junk, TYPES,
                           st.integers(0, 2**65), st.sampled_from([b"", b"]", b"x", b"\0"]))))
def test_nslink_c_and_python_agree(data: bytes) -> None:
    assert native is not None
    try:
        py = parsers.parse_nslink(data)
    except ParseError:
        py = None
    try:
        c = native.parse_nslink(data)
    except ParseError:
        c = None
    assert py == c


def test_unescape_octal() -> None:
    assert parsers.unescape_octal(rb"/a\040b\011c\012d\134e") == b"/a b\tc\nd\\e"
    assert parsers.unescape_octal(rb"\40\0400\400\\") == rb"\40" + b" 0" + rb"\400\\"


@given(st.binary(max_size=60))
def test_unescape_inverts_escaping(raw: bytes) -> None:
    escaped = b"".join(b"\\%03o" % c if c in b" \t\n\\" else bytes([c]) for c in raw)
    assert parsers.unescape_octal(escaped) == raw


@needs_native
@given(st.binary(max_size=60))
def test_unescape_c_and_python_agree(data: bytes) -> None:
    assert native is not None
    assert native.unescape_octal(data) == parsers.unescape_octal(data)


def test_cgroup_v1_hybrid_and_v2() -> None:
    text = "9:name=systemd:/\n6:freezer:/frz\n2:cpu,cpuacct:/cpu/x\n0::/unified\n"
    assert parsers.parse_cgroup(text) == parsers.CgroupPaths("/cpu/x", "/frz", "/unified")
    assert parsers.parse_cgroup("0::/only/v2\n") == parsers.CgroupPaths("/only/v2", "/only/v2", "/only/v2")
    assert parsers.parse_cgroup("") == parsers.CgroupPaths("", "", "")
    for bad in ("garbage", "x:cpu:/a", "1:cpu:relative", "1:cpu"):
        with pytest.raises(ParseError):
            parsers.parse_cgroup(bad)


PATHS = st.text(st.characters(blacklist_characters="\n\0", blacklist_categories=("Cs",)),
                max_size=20).map(lambda s: "/" + s)


@given(st.lists(st.tuples(st.integers(1, 20), st.sets(st.sampled_from(
    ["cpu", "cpuacct", "freezer", "memory", "pids", "name=systemd"]), min_size=1), PATHS), max_size=6),
    st.one_of(st.none(), PATHS))
def test_cgroup_paths_property(v1: list[tuple[int, set[str], str]], unified: str | None) -> None:
    lines = [f"{i}:{','.join(sorted(c))}:{p}" for i, c, p in v1]
    if unified is not None:
        lines.append(f"0::{unified}")
    got = parsers.parse_cgroup("\n".join(lines) + "\n")
    fallback = unified if unified is not None else ""
    cpu = next((p for _, c, p in v1 if "cpu" in c), fallback)
    fridge = next((p for _, c, p in v1 if "freezer" in c), fallback)
    assert got == parsers.CgroupPaths(cpu, fridge, fallback)


@given(st.binary(max_size=120))
def test_cgroup_never_crashes(data: bytes) -> None:
    with contextlib.suppress(ParseError):
        parsers.parse_cgroup(data.decode("utf-8", "replace"))


def test_nspid() -> None:
    assert parsers.parse_nspid("1234\t56\t1") == (1234, 56, 1)
    status = b"Name:\tx\nNSpid:\t10\t1\nNSsid:\t1\n"
    assert parsers.nspid_from_status(status) == b"10\t1"
    assert parsers.nspid_from_status(b"Name:\tx\n") == b""
    for bad in ("", "1\tx", "0", "-1"):
        with pytest.raises(ParseError):
            parsers.parse_nspid(bad)


@given(st.lists(st.integers(1, 2**31), min_size=1, max_size=33))
def test_nspid_round_trip(pids: list[int]) -> None:
    assert parsers.parse_nspid("\t".join(map(str, pids))) == tuple(pids)


@given(st.lists(st.text(st.characters(blacklist_characters="\n", blacklist_categories=("Cs",)),
                        max_size=20), max_size=6),
       st.lists(st.integers(1, 2**22), min_size=1, max_size=5), st.booleans())
def test_nspid_from_status(lines: list[str], pids: list[int], present: bool) -> None:
    others = [f"X{line}" for line in lines]  # never an NSpid line of its own
    body = ["Name:\tx", *others] + (["NSpid:\t" + "\t".join(map(str, pids))] if present else [])
    value = parsers.nspid_from_status("\n".join([*body, "Umask:\t0022", ""]).encode())
    assert (parsers.parse_nspid(value.decode()) if value else ()) == (tuple(pids) if present else ())


@given(st.text(max_size=40))
def test_nspid_never_crashes(text: str) -> None:
    try:
        got = parsers.parse_nspid(text)
    except ParseError:
        return
    assert got and all(p > 0 for p in got)


def test_cmdline() -> None:
    assert parsers.split_cmdline(b"") == ()
    assert parsers.split_cmdline(b"sleep\x001000\x00") == ("sleep", "1000")
    assert parsers.split_cmdline(b"nginx: master process") == ("nginx: master process",)


def test_mountinfo_line() -> None:
    line = (r"36 35 98:0 /mnt1 /mnt/with\040space rw,noatime master:1 shared:7 - ext3 /dev/root "
            r"rw,errors=continue")
    m = parsers.parse_mountinfo_line(line)
    assert (m.mount_id, m.parent_id, m.major, m.minor) == (36, 35, 98, 0)
    assert (m.root, m.mount_point) == ("/mnt1", "/mnt/with space")
    assert m.mount_options == ("rw", "noatime")
    assert m.tags == (("master", "1"), ("shared", "7"))
    assert (m.fstype, m.source, m.super_options) == ("ext3", "/dev/root", ("rw", "errors=continue"))
    nsfs = "1015 29 0:4 net:[4026532181] /run/netns/x rw - nsfs nsfs rw"
    assert parsers.parse_mountinfo_line(nsfs).root == "net:[4026532181]"
    assert parsers.nsfs_mounts(nsfs.encode()) == [(3, 4026532181, b"/run/netns/x")]
    for bad in ("", "1 2 3", "a 2 0:1 / / rw - x y z", "1 2 0:1 / / rw x y z",
                "1 2 0-1 / / rw - x y z", "1 2 0:1 / rel rw - x y z"):
        with pytest.raises(ParseError):
            parsers.parse_mountinfo_line(bad)


@given(st.text(max_size=200))
def test_mountinfo_never_crashes(text: str) -> None:
    mounts, errors = parsers.parse_mountinfo(text)
    assert len(mounts) + len(errors) == sum(1 for line in text.split("\n") if line)


def test_passwd_and_cpu_lists() -> None:
    assert parsers.parse_passwd("root:x:0:0::/root:/bin/sh\nbad\nnobody:x:65534:65534::/:/x\n") == {
        0: "root", 65534: "nobody"}
    assert parsers.parse_cpu_list("0-3,5\n") == ((0, 3), (5, 5))
    assert parsers.cpu_list({0, 1, 2, 5, 7, 8}) == "0-2,5,7-8"
    for bad in ("x", "3-1", "1-", ",", "-1"):
        with pytest.raises(ParseError):
            parsers.parse_cpu_list(bad)


@given(st.sets(st.integers(0, 300), max_size=40))
def test_cpu_list_round_trip(cpus: set[int]) -> None:
    ranges = parsers.parse_cpu_list(parsers.cpu_list(cpus))
    assert {c for lo, hi in ranges for c in range(lo, hi + 1)} == cpus
    assume(cpus)
    assert all(lo <= hi for lo, hi in ranges)
