"""Making the permitted capabilities effective at start.

In the image, the service's interpreter carries its capabilities as file
capabilities in the *permitted* set only, without the effective bit: with
that bit set, the kernel refuses to start a program that cannot get all of
them (a container that grants fewer could not run it at all). So the
service raises whatever it was permitted into its effective set itself;
a capability the container withholds then costs only what
docs/many-hosts.rst says it costs.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

_VERSION_3 = 0x20080522


class _Header(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _Data(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def raise_permitted() -> int:
    """Make every permitted capability effective; the mask of those newly raised (0 if none)."""
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    header = _Header(_VERSION_3, 0)
    data = (_Data * 2)()
    if libc.capget(ctypes.byref(header), data) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"capget: {os.strerror(err)}")
    effective = data[0].effective | data[1].effective << 32
    permitted = data[0].permitted | data[1].permitted << 32
    missing = permitted & ~effective
    if not missing:
        return 0
    for d in data:
        d.effective = d.permitted
    if libc.capset(ctypes.byref(header), data) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"capset: {os.strerror(err)}")
    return int(missing)
