"""The lxkns service: this host's discovery as a REST API, metrics and a web UI.

``lxkns serve`` (or ``python -m lxkns.service``) runs it on uvicorn; an
application embeds it with :func:`create_app`, whose ``.app`` is a plain
ASGI application. It needs the ``service`` extra (``pip install
lxkns[service]``: Starlette, uvicorn, prometheus-client); this package
imports them only when the app is made, so that ``lxkns serve`` can say
what is missing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .config import DEFAULT_WEB_ROOT, DiscoverFunction, ServiceConfig

if TYPE_CHECKING:
    from .app import Service, create_app


def __getattr__(name: str) -> Any:
    if name in ("Service", "create_app"):
        from . import app

        return getattr(app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["DEFAULT_WEB_ROOT", "DiscoverFunction", "Service", "ServiceConfig", "create_app"]
