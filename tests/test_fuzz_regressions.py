"""What the fuzzer (nox -s fuzz) found, kept: every input in tests/fuzz/regressions and
the seed corpus goes through the C parser and its Python twin, which must agree (and
the C one must not crash). And a property test of the newest parser pair."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import lxkns
from lxkns._lowlevel import parsers
from lxkns.errors import ParseError

FUZZ = Path(__file__).parent / "fuzz"
pytestmark = pytest.mark.skipif(not lxkns.native_available(), reason="the compiled scanner is not available")


def _cases() -> list[tuple[str, Path]]:
    out = []
    for kind in ("regressions", "corpus"):
        for target in sorted(p.name for p in (FUZZ / kind).iterdir() if p.is_dir()):
            out += [(target, f) for f in sorted((FUZZ / kind / target).iterdir()) if f.is_file()]
    return out


def _outcome(fn: Any, data: bytes) -> Any:
    try:
        return fn(data)
    except ParseError:
        return "rejected"


def _agree(target: str, data: bytes) -> None:
    from lxkns._lowlevel import native

    if target == "stat":
        assert _outcome(native.parse_stat, data) == _outcome(parsers.parse_stat, data)
    elif target == "nslink":
        assert _outcome(native.parse_nslink, data) == _outcome(parsers.parse_nslink, data)
    elif target == "unescape":
        assert native.unescape_octal(data) == parsers.unescape_octal(data)
    elif target == "mountinfo":
        py = parsers.mountinfo_fields(data)
        assert _outcome(native.parse_mountinfo_line, data) == ("rejected" if py is None else tuple(py))
    else:  # pragma: no cover - a directory without a target
        pytest.fail(f"no fuzz target {target}")


def test_every_kept_case_has_a_target() -> None:
    assert {t for t, _ in _cases()} <= {"stat", "nslink", "unescape", "mountinfo"}
    assert any(t == "nslink" for t, f in _cases() if "regressions" in f.parts)


@pytest.mark.parametrize(("target", "path"), _cases(), ids=lambda v: v if isinstance(v, str) else v.name)
def test_kept_fuzz_case(target: str, path: Path) -> None:
    _agree(target, path.read_bytes())


def test_the_leading_zero_the_fuzzer_found_is_no_namespace() -> None:
    for text in (b"net:[06531841]", b"net:[0]", b"net:[00]"):
        with pytest.raises(ParseError):
            parsers.parse_nslink(text)
    assert parsers.parse_nslink(b"net:[6531841]") == (3, 6531841)


_FIELD = st.binary(max_size=12).filter(lambda b: b" " not in b and b"\n" not in b)


@given(st.one_of(
    st.binary(max_size=200),
    st.builds(lambda fs, opt, t, rest: b" ".join(fs) + opt + b" - " + t + rest,
              st.lists(_FIELD, min_size=5, max_size=7), st.sampled_from([b"", b" shared:1", b"  "]),
              _FIELD, st.sampled_from([b"", b" src rw", b" ", b"  x"])),
))
def test_mountinfo_line_c_and_python_agree(data: bytes) -> None:
    _agree("mountinfo", data)
