"""Running a function as user nobody, in a forked child that dropped all privileges.

No exec: the interpreter may live where nobody cannot read it (pyenv under
/root), so the child keeps running this interpreter -- and must not need to
import anything that is not imported yet (codecs are looked up beforehand). The function's result
travels back as JSON; an exception in the child fails the caller.
"""

from __future__ import annotations

import codecs
import json
import os
from collections.abc import Callable
from typing import Any

NOBODY = 65534


def as_nobody(func: Callable[..., Any], *args: Any) -> Any:
    """``func(*args)`` as UID/GID 65534 without capabilities (as the caller if not root)."""
    if os.geteuid() != 0:
        return json.loads(json.dumps(func(*args)))
    for encoding in ("ascii", "utf-8", "latin-1"):  # the child may not be able to import codecs
        codecs.lookup(encoding)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 1
        try:
            os.close(r)
            os.setgroups([])
            os.setresgid(NOBODY, NOBODY, NOBODY)
            os.setresuid(NOBODY, NOBODY, NOBODY)
            payload = {"result": func(*args)}
            code = 0
        except BaseException as exc:
            payload = {"error": repr(exc)}
        finally:
            try:
                os.write(w, json.dumps(payload).encode())
            finally:
                os._exit(code)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        data = f.read()
    _, status = os.waitpid(pid, 0)
    reply = json.loads(data) if data else {"error": "no reply"}
    assert os.waitstatus_to_exitcode(status) == 0 and "error" not in reply, reply
    return reply["result"]
