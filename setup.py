"""Build hooks that pyproject.toml cannot declare: the optional native scanner and the man pages.

* The native scanner ``lxkns._native`` (cffi, ``_native/build.py``) is built where a C
  compiler and the Python headers are (Debian: ``apt-get install gcc python3-dev``).
  Without them the install goes on and lxkns uses its pure-Python scanner (same results,
  slower); the build log says so, and so do ``lxkns --version`` and every discovery's
  diagnostics. ``LXKNS_REQUIRE_NATIVE=1`` makes a failed native build an error (as
  ``nox -s wheel`` builds binary wheels); ``LXKNS_NATIVE=0`` skips it.
* Man pages for every command, made from their argument parsers by argparse-manpage
  (``[tool.build_manpages]`` in pyproject.toml), go into ``share/man/man1``.
"""

from __future__ import annotations

import os
import sys

from build_manpages import build_manpages, get_build_py_cmd, get_install_cmd
from setuptools import setup
from setuptools.command.build_ext import build_ext
from setuptools.errors import CCompilerError, ExecError, PlatformError
from typing_extensions import override

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)  # the man pages import the parsers from ./lxkns

REQUIRE_NATIVE = os.environ.get("LXKNS_REQUIRE_NATIVE", "") == "1"
BUILD_NATIVE = os.environ.get("LXKNS_NATIVE", "1") != "0"
PURE_NOTE = "lxkns: the native scanner was not built ({}): lxkns will use its pure-Python scanner"


class OptionalBuildExt(build_ext):
    """build_ext that lets the native scanner fail to build, saying so, unless it is required."""

    @override
    def run(self) -> None:
        if not BUILD_NATIVE and not REQUIRE_NATIVE:
            print(PURE_NOTE.format("LXKNS_NATIVE=0"), file=sys.stderr)
            return
        try:
            super().run()
        except (CCompilerError, ExecError, PlatformError, OSError) as exc:
            self._without(exc)

    @override
    def build_extension(self, ext: object) -> None:
        try:
            super().build_extension(ext)  # type: ignore[arg-type]
        except (CCompilerError, ExecError, PlatformError, OSError) as exc:
            self._without(exc)

    def _without(self, exc: Exception) -> None:
        if REQUIRE_NATIVE:
            raise exc
        note = PURE_NOTE.format(f"{type(exc).__name__}: {exc}")
        print("!" * 78, note, "(install gcc and python3-dev for the native one)", "!" * 78,
              sep="\n", file=sys.stderr)


setup(
    cffi_modules=["_native/build.py:ffibuilder"] if BUILD_NATIVE or REQUIRE_NATIVE else [],
    cmdclass={
        "build_ext": OptionalBuildExt,
        "build_manpages": build_manpages,
        "build_py": get_build_py_cmd(),
        "install": get_install_cmd(),
    },
    # the native module uses the stable ABI: one binary wheel serves Python 3.10 and later
    options={"bdist_wheel": {"py_limited_api": "cp310"}},
)
