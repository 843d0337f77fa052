"""The exceptions lxkns raises; every one derives from :class:`LxknsError`."""

from __future__ import annotations

import os


class LxknsError(Exception):
    """Base class of all lxkns errors."""


class ParseError(LxknsError, ValueError):
    """Malformed input to one of the parsers (a stat line, a ``type:[ino]`` text, ...)."""

    def __init__(self, what: str, text: str | bytes, reason: str) -> None:
        shown: str | bytes
        if isinstance(text, bytes):
            shown = text if len(text) <= 80 else text[:77] + b"..."
        else:
            shown = text if len(text) <= 80 else text[:77] + "..."
        super().__init__(f"malformed {what}: {reason}: {shown!r}")
        self.what = what
        self.text = text
        self.reason = reason


class WireFormatError(ParseError):
    """A JSON dump that is not a valid lxkns discovery (wrong types, dangling references, ...).

    ``path`` names where the problem is, as a tuple of object keys and list
    indices from the top (``("processes", "42", "tasks", 0, "tid")``);
    ``location`` is the same as text (``$.processes.42.tasks[0].tid``).
    """

    def __init__(self, path: tuple[str | int, ...], reason: str) -> None:
        location = json_path(path)
        LxknsError.__init__(self, f"malformed lxkns JSON at {location}: {reason}")
        self.what = "lxkns JSON"
        self.text = location
        self.reason = reason
        self.path = path
        self.location = location


def json_path(path: tuple[str | int, ...]) -> str:
    """``("processes", "42", "tasks", 0)`` -> ``$.processes.42.tasks[0]``."""
    parts = ["$"]
    for step in path:
        if isinstance(step, int):
            parts.append(f"[{step}]")
        elif step and all(c.isalnum() or c in "-_" for c in step) and step.isascii():
            parts.append(f".{step}")
        else:
            import json  # only for unusual keys: keeps ``import lxkns`` light

            parts.append("[" + json.dumps(step) + "]")
    return "".join(parts)


class ScanError(LxknsError, OSError):
    """The scan could not run at all (for example, the procfs root cannot be opened)."""


class UnknownNamespaceError(LxknsError, LookupError):
    """A namespace asked for by ID or ``type:[ino]`` is not in the discovery."""


class UnknownProcessError(LxknsError, LookupError):
    """A PID asked for is not in the discovery."""


class UnknownContainerError(LxknsError, LookupError):
    """A container asked for by ID or name is not in the discovery (or not unique)."""


class NamespaceError(LxknsError, OSError):
    """Opening, entering or leaving a namespace failed.

    ``namespace`` names the namespace (``net:[4026532201]``, or its ref where
    the type and inode are not known yet); ``errno`` says why, where the
    kernel said so.
    """

    def __init__(self, err: int, message: str, namespace: str) -> None:
        why = f": {os.strerror(err)}" if err > 0 else ""
        super().__init__(err, f"{message} {namespace}{why}")
        self.namespace = namespace


class NamespaceOpenError(NamespaceError):
    """A namespace cannot be opened: its ref is gone, denied, or leads elsewhere now."""


class NamespaceTypeError(NamespaceError, TypeError):
    """A namespace is not of the type asked for (or of a type that cannot be entered so)."""


class SwitchNamespaceError(NamespaceError):
    """setns() into a namespace failed (missing capabilities, or a thread may not)."""


class RestoreNamespaceError(NamespaceError):
    """A thread could not return to its original namespace; it is not used again."""
