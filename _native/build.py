"""cffi build script of `lxkns._native` (out-of-line API mode).

The interface is lxkns_native.h, a real C header that every C unit includes;
the cdef is made from it (:func:`cdef_of`), so each record layout and constant
is written once. The C units (one per job: the /proc walk, namespace ioctls,
fds and sockets, mount tables, listmount, opening what others control,
the root-confined resolver, the sandbox, ...) are compiled into
the module; only what the header declares is visible outside it.
"""

from __future__ import annotations

import re
from pathlib import Path

from cffi import FFI

HERE = Path(__file__).resolve().parent
HEADER = HERE / "lxkns_native.h"
UNITS = ("parse.c", "store.c", "dirents.c", "texts.c", "nstab.c", "safeopen.c", "passing.c", "inroot.c", "nsmeta.c", "walk.c", "fds.c",
         "mounts.c", "listmount.c", "sandbox.c", "scan.c")
BEGIN, END = "/* LXKNS-CDEF-BEGIN */", "/* LXKNS-CDEF-END */"
_DEFINE = re.compile(r"^#define\s+(\w+)\s+\S.*$")


def cdef_of(header: str) -> str:
    """The cffi cdef of the header's interface part.

    ``#define NAME value`` becomes ``#define NAME ...`` (the compiler's value
    is taken), ``//cdef `` lines lose that prefix, other ``//`` lines and
    preprocessor lines are dropped; everything else is handed over as it is.
    """
    try:
        part = header.split(BEGIN, 1)[1].split(END, 1)[0]
    except IndexError:
        raise SystemExit(f"{HEADER}: no {BEGIN} ... {END} part") from None
    out = []
    for line in part.splitlines():
        stripped = line.strip()
        if stripped.startswith("//cdef "):
            out.append(stripped[len("//cdef "):])
        elif stripped.startswith("//"):
            continue
        elif (m := _DEFINE.match(stripped)) is not None:
            out.append(f"#define {m.group(1)} ...")
        elif stripped.startswith("#"):
            continue
        else:
            out.append(line)
    return "\n".join(out) + "\n"


def _path(name: str) -> str:
    """A file of this directory, relative to the project root when building from there
    (setuptools wants relative source paths, e.g. to put them into an sdist)."""
    path = HERE / name
    return str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)


ffibuilder = FFI()
ffibuilder.cdef(cdef_of(HEADER.read_text()))
ffibuilder.set_source(
    "lxkns._native",
    '#include "core.h"\n',
    sources=[_path(unit) for unit in UNITS],
    include_dirs=[_path(".")],
    depends=[_path(name) for name in ("lxkns_native.h", "core.h")],
    extra_compile_args=["-O2", "-std=gnu11", "-fvisibility=hidden", "-Wall", "-Wextra",
                        "-Wno-unused-parameter"],
    libraries=["pthread"],
)

if __name__ == "__main__":
    ffibuilder.compile(tmpdir=str(HERE / "_build"), verbose=True)
