"""Colours for the elements of the tools' output, and when to use them.

Text is a list of (element, string) pieces; the element names what is
shown (a namespace type, a process, a cgroup, a path, ...) and picks its
colour from the theme. Colour modes: ``always``, ``never`` and ``auto``
(only on a terminal, and not when the NO_COLOR environment variable is set
to anything but the empty string; see no-color.org).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TextIO

Text = list[tuple[str, str]]

ELEMENTS = ("cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts", "process", "task", "owner",
            "controlgroup", "container", "path", "unknown", "plain")

# SGR parameters per element
THEMES: Mapping[str, Mapping[str, str]] = {
    "dark": {
        "cgroup": "38;5;209", "ipc": "38;5;220", "mnt": "38;5;114", "net": "38;5;81",
        "pid": "38;5;207", "time": "38;5;185", "user": "1;38;5;111", "uts": "38;5;147",
        "process": "38;5;78", "task": "38;5;150", "owner": "38;5;180", "controlgroup": "38;5;109",
        "container": "1;38;5;39", "path": "38;5;249", "unknown": "1;31",
    },
    "light": {
        "cgroup": "38;5;130", "ipc": "38;5;136", "mnt": "38;5;28", "net": "38;5;25",
        "pid": "38;5;90", "time": "38;5;94", "user": "1;38;5;19", "uts": "38;5;61",
        "process": "38;5;22", "task": "38;5;64", "owner": "38;5;94", "controlgroup": "38;5;30",
        "container": "1;38;5;26", "path": "38;5;240", "unknown": "1;31",
    },
}

COLOR_MODES = {"always": "always", "on": "always", "auto": "auto", "never": "never", "none": "never",
               "off": "never"}


def wants_color(mode: str, stream: TextIO) -> bool:
    """Whether to colour output to ``stream`` in this mode (a COLOR_MODES key)."""
    mode = COLOR_MODES[mode]
    if mode != "auto":
        return mode == "always"
    if os.environ.get("NO_COLOR", ""):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Styler:
    """Renders Text, with colours or without."""

    def __init__(self, enabled: bool = False, theme: str = "dark") -> None:
        self.enabled = enabled
        self.theme: Mapping[str, str] = THEMES[theme]

    def render(self, text: Text) -> str:
        """The pieces as one string, with colour codes if enabled."""
        if not self.enabled:
            return "".join(s for _, s in text)
        parts = []
        for element, s in text:
            sgr = self.theme.get(element)
            parts.append(f"\x1b[{sgr}m{s}\x1b[0m" if sgr and s else s)
        return "".join(parts)


def plain(text: Text) -> str:
    """The pieces as one string, without colours."""
    return "".join(s for _, s in text)
