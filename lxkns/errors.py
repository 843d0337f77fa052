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


class ScanError(LxknsError, OSError):
    """The scan could not run at all (for example, the procfs root cannot be opened)."""


class UnknownNamespaceError(LxknsError, LookupError):
    """A namespace asked for by ID or ``type:[ino]`` is not in the discovery."""


class UnknownProcessError(LxknsError, LookupError):
    """A PID asked for is not in the discovery."""


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
