"""The Host header allow-list, against DNS rebinding.

A web page elsewhere can make a browser on this host talk to the service by
pointing a DNS name it controls at 127.0.0.1; the browser then sends that
name as Host. So only names that surely mean this service are accepted:
``localhost`` (and names under it), IP literals (no DNS is involved), this
machine's host name, and what ``--allow-host`` adds -- a name, ``.domain``
for every name under a domain, or ``*`` for any. Anything else gets 421.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

from .errors import send_error


def host_name(header: str) -> str:
    """The name in a Host header value, without port and brackets, lower case."""
    h = header.strip().lower()
    if h.startswith("["):
        end = h.find("]")
        return h[1:end] if end > 0 else h
    if h.count(":") == 1:
        h = h.split(":", 1)[0]
    return h.rstrip(".")


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


class HostPolicy:
    """Which Host names to accept (see the module)."""

    def __init__(self, allowed: Iterable[str] = (), own_names: Iterable[str] | None = None) -> None:
        self.any: bool = False
        self.names: set[str] = set()
        self.domains: list[str] = []
        for entry in allowed:
            e = entry.strip().lower().rstrip(".")
            if e == "*":
                self.any = True
            elif e.startswith("."):
                self.domains.append(e)
            elif e:
                self.names.add(host_name(e))
        if own_names is None:
            own_names = [socket.gethostname()]
        self.names.update(n.lower() for n in own_names if n)

    def allows(self, header: str | None) -> bool:
        """Whether a request with this Host header is answered."""
        if self.any or header is None:
            return True  # HTTP/1.0 without Host: no browser sends that
        name = host_name(header)
        if not name:
            return False
        if name == "localhost" or name.endswith(".localhost") or _is_ip(name):
            return True
        if name in self.names:
            return True
        return any(name.endswith(d) or name == d[1:] for d in self.domains)


class HostGuard:
    """ASGI middleware: 421 for a Host that the policy does not accept."""

    def __init__(self, app: ASGIApp, policy: HostPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            hosts = [v for k, v in scope["headers"] if k == b"host"]
            host = hosts[0].decode("latin-1") if hosts else None
            if len(hosts) > 1 or not self.policy.allows(host):
                shown = hosts[0].decode("latin-1")[:100] if hosts else ""
                await send_error(send, 421, "host not allowed",
                                 f"Host {shown!r} does not name this service; start it with "
                                 "--allow-host NAME to accept that name")
                return
        await self.app(scope, receive, send)
