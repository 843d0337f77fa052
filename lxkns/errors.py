"""The exceptions lxkns raises; every one derives from :class:`LxknsError`."""

from __future__ import annotations


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


class UnknownContainerError(LxknsError, LookupError):
    """A container asked for by ID or name is not in the discovery (or not unique)."""
