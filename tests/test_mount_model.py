"""Mount tables without privileges: the mountinfo parser (exact cases and hypothesis
round trips), statmount() records in mountinfo's terms, and the visibility algorithm
with the reference's test vectors and the tables that break naive versions of it."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from lxkns import ParseError
from lxkns._discovery.visibility import ancestors, hidden_mounts
from lxkns._lowlevel import parsers
from lxkns._lowlevel.parsers import MountInfo

# ------------------------------------------------------------------ the parser


def _escape(text: str, special: str = " \t\n\\") -> str:
    """The kernel's mangling of mountinfo fields: \\ooo for the special characters."""
    return "".join(f"\\{ord(c):03o}" if c in special else c for c in text)


def _line(m: MountInfo) -> str:
    """A mountinfo line as the kernel writes it (super options escaped per option)."""
    tags = "".join(f" {k}:{v}" if v else f" {k}" for k, v in m.tags)
    supers = ",".join(_escape(o, " \t\n\\,") for o in m.super_options)
    return (f"{m.mount_id} {m.parent_id} {m.major}:{m.minor} {_escape(m.root)} "
            f"{_escape(m.mount_point)} {','.join(m.mount_options)}{tags} - {_escape(m.fstype)} "
            f"{_escape(m.source)} {supers}")


_chars = st.characters(blacklist_categories=("Cs",), blacklist_characters="\0")
_name = st.text(_chars, min_size=1, max_size=12).filter(lambda s: s not in (".", ".."))
_path = st.lists(_name, max_size=4).map(lambda parts: "/" + "/".join(parts))
_word = st.text(st.characters(whitelist_categories=("Ll", "Nd"), whitelist_characters="_-="),
                min_size=1, max_size=10)
_tag = st.sampled_from(["shared", "master", "propagate_from"]).flatmap(
    lambda k: st.integers(1, 10**6).map(lambda v: (k, str(v)))) | st.just(("unbindable", ""))
_mount = st.builds(
    MountInfo,
    mount_id=st.integers(0, 2**31), parent_id=st.integers(0, 2**31),
    major=st.integers(0, 4095), minor=st.integers(0, 2**20),
    root=_path | st.sampled_from(["net:[4026531840]", "mnt:[4026532000]"]), mount_point=_path,
    mount_options=st.lists(_word, min_size=1, max_size=4).map(tuple),
    tags=st.lists(_tag, max_size=3).map(tuple),
    fstype=_word, source=st.text(_chars, min_size=1, max_size=20),
    super_options=st.lists(st.text(_chars, min_size=1, max_size=12), min_size=1, max_size=4).map(tuple),
)


@given(_mount)
@example(MountInfo(1, 0, 8, 1, "/", "/new\nline\tand space\\", ("rw",), (), "tmpfs", "a b",
                   ("rw", "opt=with,comma")))
def test_mountinfo_round_trip(m: MountInfo) -> None:
    assert parsers.parse_mountinfo_line(_line(m)) == m


@given(st.lists(_mount, max_size=5), st.lists(st.text(max_size=30), max_size=3))
def test_malformed_lines_are_skipped_not_fatal(mounts: list[MountInfo], junk: list[str]) -> None:
    text = "\n".join([_line(m) for m in mounts] + [j.replace("\n", " ") for j in junk]) + "\n"
    got, errors = parsers.parse_mountinfo(text)
    assert got[: len(mounts)] == mounts
    assert all(isinstance(e, ParseError) and e.what == "mountinfo line" for e in errors)
    assert len(got) + len(errors) == len(mounts) + sum(1 for j in junk if j.replace("\n", " "))


def test_mountinfo_exact_cases() -> None:
    # a filesystem that does not escape spaces in its options: the options are kept whole
    m = parsers.parse_mountinfo_line("5 1 0:9 / /x rw shared:3 - fuse.sshfs me@host:/a b rw,x=a b")
    assert (m.fstype, m.source, m.super_options) == ("fuse.sshfs", "me@host:/a", ("b rw", "x=a b"))
    m = parsers.parse_mountinfo_line(r"5 1 0:9 / /x rw - tmpfs none rw,o=a\054b,c")
    assert m.super_options == ("rw", "o=a,b", "c")  # split first, then decoded
    assert parsers.parse_mountinfo_line("5 1 0:9 / /x rw - tmpfs none ").super_options == ()
    for bad in ("5 1 0:9 / /x rw -", "5 1 0:9 / /x rw - tmpfs", "5 1 0:9  /x rw - a b c",
                "5 1 0:9 / /x rw  - a b c", "5 1 0:9 / /x rw -  b c"):
        with pytest.raises(ParseError):
            parsers.parse_mountinfo_line(bad)


# ------------------------------------------------------------------ statmount() records


def test_statmount_attributes_in_mountinfo_terms() -> None:
    P = parsers
    assert P.mount_options_of(0) == ("rw", "relatime")
    assert P.mount_options_of(P.MOUNT_ATTR_RDONLY | P.MOUNT_ATTR_NOSUID | P.MOUNT_ATTR_NODEV) == (
        "ro", "nosuid", "nodev", "relatime")
    assert P.mount_options_of(P.MOUNT_ATTR_STRICTATIME | P.MOUNT_ATTR_NOEXEC) == ("rw", "noexec")
    assert P.mount_options_of(P.MOUNT_ATTR_NOATIME | P.MOUNT_ATTR_NODIRATIME | P.MOUNT_ATTR_NOSYMFOLLOW
                              | P.MOUNT_ATTR_IDMAP) == ("rw", "noatime", "nodiratime", "nosymfollow",
                                                        "idmapped")
    assert P.super_options_of(0, None) == ("rw",)
    assert P.super_options_of(P.SB_RDONLY | P.SB_SYNCHRONOUS | P.SB_DIRSYNC | P.SB_LAZYTIME,
                              r"size=4k,o=a\054b") == ("ro", "sync", "dirsync", "lazytime", "size=4k",
                                                       "o=a,b")
    assert P.tags_of(P.MS_PRIVATE, 0, 0, 0) == ()
    assert P.tags_of(P.MS_SHARED | P.MS_SLAVE | P.MS_UNBINDABLE, 7, 3, 2) == (
        ("shared", "7"), ("master", "3"), ("propagate_from", "2"), ("unbindable", ""))
    assert P.tags_of(P.MS_SLAVE, 0, 3, 3) == (("master", "3"),)  # dominated by its own master
    m = P.mount_from_statmount(5, 1, 0, 42, 0, P.MS_PRIVATE, 0, 0, 0, 0, "/", "/a b", "fuse", "sshfs",
                               None, None)
    assert (m.fstype, m.source, m.mount_point, m.super_options) == ("fuse.sshfs", "none", "/a b", ("rw",))


# ------------------------------------------------------------------ visibility


def _hidden(table: list[tuple[int, int, str]]) -> set[int]:
    return {mid for (mid, _, _), h in zip(table, hidden_mounts(table), strict=True) if h}


def test_reference_vectors() -> None:
    # the Go suite's vectors: an in-place overmount below an overmounted path ...
    assert _hidden([(2, 1, "/"), (3, 2, "/a"), (30, 3, "/a/b"), (4, 3, "/a")]) == {3, 30}
    # ... and a mount higher up the path hiding a whole subtree
    assert _hidden([(2, 0, "/"), (3, 2, "/a/b"), (4, 3, "/a/b/c"), (40, 4, "/a/b/c"),
                    (41, 40, "/a/b/c/e/f"), (5, 2, "/a"), (50, 5, "/a/b/c/e/f")]) == {3, 4, 40, 41}


def test_the_order_of_siblings_does_not_matter_for_paths_above() -> None:
    # a sibling on a directory above covers, whichever came first in the table
    assert _hidden([(1, 0, "/"), (2, 1, "/a"), (3, 1, "/a/b")]) == {3}
    assert _hidden([(1, 0, "/"), (3, 1, "/a/b"), (2, 1, "/a")]) == {3}
    # but /ab is no directory above /abc/d, and /a is none of /ab
    assert _hidden([(1, 0, "/"), (2, 1, "/ab"), (3, 1, "/abc/d"), (4, 1, "/a")]) == set()


def test_root_overmounted_absent_or_strange() -> None:
    # / overmounted in place: only the overmount and what sits on it are reachable
    assert _hidden([(1, 0, "/"), (2, 1, "/proc"), (3, 1, "/"), (4, 3, "/tmp")]) == {1, 2}
    # no / in the table (a chrooted reader): the topmost mounts are reachable
    assert _hidden([(5, 1, "/proc"), (6, 1, "/tmp"), (7, 6, "/tmp/x")]) == set()
    # a top-level mount covering another one
    assert _hidden([(5, 1, "/a/b"), (6, 1, "/a")]) == {5}
    # two mounts on the very same directory of one parent: the later one is on top
    assert _hidden([(1, 0, "/"), (2, 1, "/x"), (3, 1, "/x")]) == {2}
    # a parent cycle (malformed input): unreachable, so hidden, and no endless loop
    assert _hidden([(1, 0, "/"), (2, 3, "/a"), (3, 2, "/b")]) == {2, 3}
    # a mount that is its own parent is a top, and a repeated ID keeps its first place
    assert _hidden([(1, 1, "/"), (2, 1, "/a"), (2, 1, "/b")]) == set()
    assert _hidden([]) == set()
    # a deleted mount point, and deep chains
    assert _hidden([(1, 0, "/"), (2, 1, "/a//deleted"), (3, 1, "/a")]) == {2}
    chain = [(1, 0, "/")] + [(i, i - 1, "/" + "/".join("d" * (i - 1))) for i in range(2, 3000)]
    assert _hidden(chain) == set()


def test_ancestors() -> None:
    assert ancestors("/a/b/c") == ["/a/b", "/a", "/"]
    assert ancestors("/") == [] and ancestors("/a") == ["/"]
