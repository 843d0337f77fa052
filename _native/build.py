"""cffi build script of `lxkns._native` (out-of-line API mode).

The interface is lxkns_native.h (read as the cdef), the implementation
lxkns_native.c (compiled as the module's source). Kernel constants declared
`...` in the header are filled in by the compiler from the kernel headers.
"""

from pathlib import Path

from cffi import FFI

HERE = Path(__file__).resolve().parent

ffibuilder = FFI()
ffibuilder.cdef((HERE / "lxkns_native.h").read_text())
ffibuilder.set_source(
    "lxkns._native",
    (HERE / "lxkns_native.c").read_text(),
    extra_compile_args=["-O2", "-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter"],
    libraries=["pthread"],
)

if __name__ == "__main__":
    ffibuilder.compile(tmpdir=str(HERE / "_build"), verbose=True)
