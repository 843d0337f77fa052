"""``import lxkns`` loads the model and little else; the rest comes when first used."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = r"""
import json, sys
import lxkns
before = sorted(m for m in sys.modules if m.startswith("lxkns"))
d = lxkns.discover(types=lxkns.UTS, from_fds=False, from_sockets=False, from_bindmounts=False)
text = d.to_json()  # the wire format comes along on first use, without importing it
after_discover = "lxkns.wire" in sys.modules
back = lxkns.Discovery.from_json(text)
print(json.dumps({"before": before, "wire_after_to_json": after_discover, "same": len(back) == len(d),
                  "lazy": [n for n in ("discover", "wire", "Mountineer", "NamespaceThread", "open_namespace",
                                       "run_in", "run_in_process", "native_available")
                           if n in dir(lxkns) and getattr(lxkns, n) is not None]}))
"""


def test_import_loads_no_discovery_wire_or_native_code() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True,
                         cwd="/")
    r = json.loads(out.stdout)
    loaded = set(r["before"])
    for heavy in ("lxkns.wire", "lxkns._discovery", "lxkns._lowlevel", "lxkns._native", "lxkns._engines",
                  "lxkns.mountineer", "lxkns.switching"):
        assert heavy not in loaded
    assert "lxkns.model" in loaded
    assert r["wire_after_to_json"] and r["same"]
    assert len(r["lazy"]) == 8


def test_unknown_attributes_still_raise() -> None:
    import lxkns

    try:
        lxkns.no_such_thing  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as exc:
        assert "no_such_thing" in str(exc)
    else:
        raise AssertionError("no AttributeError")
