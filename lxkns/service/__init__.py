"""The lxkns service: this host's discovery as a REST API, metrics and a web UI.

``lxkns serve`` (or ``python -m lxkns.service``) runs it on uvicorn; an
application embeds it with :func:`create_app`, whose ``.app`` is a plain
ASGI application. It needs the ``service`` extra (``pip install
lxkns[service]``: Starlette, uvicorn, prometheus-client).
"""

from __future__ import annotations

from .app import Service, create_app
from .config import DEFAULT_WEB_ROOT, DiscoverFunction, ServiceConfig

__all__ = ["DEFAULT_WEB_ROOT", "DiscoverFunction", "Service", "ServiceConfig", "create_app"]
