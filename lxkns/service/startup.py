"""The start-up log line: who we are, what we may do, what we found."""

from __future__ import annotations

import os

from .._version import __version__
from ..cli.caps import names as cap_names
from .config import ServiceConfig
from .metrics import Summary

_FULL = (1 << 41) - 1


def effective_caps() -> str:
    """Our effective capabilities (from /proc/self/status), as names, or 'all' / 'none'."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("CapEff:"):
                    mask = int(line.split()[1], 16)
                    break
            else:
                return "unknown"
    except (OSError, ValueError):
        return "unknown"
    if mask & _FULL == _FULL:
        return "all"
    found = cap_names(mask)
    if not found:
        return "none"
    missing = cap_names(~mask & _FULL)
    if len(missing) < len(found):
        return "all-but:" + ",".join(n.removeprefix("cap_") for n in missing)
    return ",".join(n.removeprefix("cap_") for n in found)


def engines_text(summary: Summary | None, containers: bool) -> str:
    """What the start line says of the container engines found."""
    if not containers:
        return "off (--no-containers)"
    if summary is None:
        return "not known yet (the first discovery has not finished)"
    if not summary.engines:
        return "none"
    return ", ".join(f"{n} {t}" if n > 1 else t for t, n in sorted(summary.engines.items()))


def line(config: ServiceConfig, scanner: str, summary: Summary | None, web_ui: bool) -> str:
    """The line the service logs when it starts: where it serves, as whom, and what it found."""
    scheme_host = f"[{config.host}]" if ":" in config.host else config.host
    web = str(config.web_root) if web_ui else f"none ({config.web_root} missing)"
    return (f"lxkns {__version__} serving http://{scheme_host}:{config.port}/ euid={os.geteuid()} "
            f"caps={effective_caps()} scanner={scanner} engines={engines_text(summary, config.containers)} "
            f"max-age={config.max_age:g}s stale={config.stale:g}s timeout={config.timeout:g}s web-root={web}"
            + (" mode=discovery-per-request" if config.per_request else ""))
