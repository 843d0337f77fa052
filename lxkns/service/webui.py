"""Serving the web UI: files below the web root, ``index.html`` for every other path.

The UI is a single-page app: it routes in the browser (``/containers``,
``/net``, ...), so a GET of a path that is no file answers ``index.html``.
Its ``<base href>`` is rewritten to where the browser sees the service:
behind a reverse proxy that strips a path prefix, ``X-Forwarded-Prefix``
names it (``/lxkns``), or -- as the Go lxkns reads it -- ``X-Forwarded-Uri``
gives the whole external path, whose tail is the path we were asked for.
Header values that are not plain absolute paths are ignored: they end up
in the page, so a crafted one must never add markup or point the base at
another host (``//evil.example/``).
"""

from __future__ import annotations

import mimetypes
import re
from pathlib import Path
from urllib.parse import urlsplit

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response

from .errors import COMMON_HEADERS, ServiceError
from .static import WebRootError, read_file

_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".txt": "text/plain; charset=utf-8",
    ".webmanifest": "application/manifest+json",
}

_BASE = re.compile(rb"<base\s+href\s*=\s*(\"[^\"]*\"|'[^']*')\s*/?>", re.IGNORECASE)
_SAFE_PATH = re.compile(r"/(?:[A-Za-z0-9._~!$&'()*+,;=:@%-]+/)*")


def content_type(name: str) -> str:
    """The Content-Type of a file of the web UI, by its suffix."""
    suffix = Path(name).suffix.lower()
    if suffix in _TYPES:
        return _TYPES[suffix]
    guessed, _ = mimetypes.guess_type(name)
    return guessed or "application/octet-stream"


def _as_base(path: str) -> str | None:
    """``path`` as a base href (one leading and one trailing slash), or None if it is unsafe."""
    if path.startswith("//") or "\\" in path:
        return None  # protocol-relative: another host
    path = "/" + path.strip("/") + "/" if path.strip("/") else "/"
    if "//" in path or not _SAFE_PATH.fullmatch(path):
        return None
    if any(seg in (".", "..") for seg in path.split("/")):
        return None
    return path


def base_href(request: Request) -> str:
    """The externally visible base path of the UI for this request."""
    prefix = request.headers.get("x-forwarded-prefix")
    if prefix is not None:
        first = prefix.split(",")[0].strip()  # several proxies: the outermost one's
        return _as_base(first) or "/"
    uri = request.headers.get("x-forwarded-uri")
    if uri is not None:
        external = urlsplit(uri.strip()).path
        internal = request.url.path
        tail = internal.lstrip("/")
        if tail and not external.endswith(tail):
            return "/"
        head = external[: len(external) - len(tail)] if tail else external
        return _as_base(head) or "/"
    return "/"


def rewrite_base(html: bytes, base: str) -> bytes:
    """The page with its ``<base href>`` set to ``base`` (for a proxy prefix)."""
    return _BASE.sub(lambda _: b'<base href="' + base.encode() + b'">', html, count=1)


class WebUI:
    """The handler for every GET that is no API call."""

    def __init__(self, root: Path) -> None:
        self.root: str = str(root)

    def available(self) -> bool:
        """Whether the web root holds a web UI to serve."""
        try:
            read_file(self.root, "")
        except WebRootError:
            return False
        return True

    async def handle(self, request: Request) -> Response:
        """Answer a GET for a file of the web UI (its index for unknown paths)."""
        path = request.url.path
        parts = path.split("/")
        if any(p == ".." for p in parts) or "\\" in path or "\0" in path:
            raise ServiceError(400, "bad path", "a path must not climb with '..'")
        try:
            data = None if path.endswith("/") else await anyio.to_thread.run_sync(read_file, self.root, path)
            name = path
            if data is None:
                data, name = await anyio.to_thread.run_sync(read_file, self.root, "index.html"), "index.html"
        except WebRootError as exc:
            raise ServiceError(404, "no web UI", f"{exc.strerror}; start the service with --web-root DIR "
                               "naming a built web UI") from None
        if data is None:
            raise ServiceError(404, "no web UI", f"the web root {self.root} has no index.html")
        headers = {"x-content-type-options": "nosniff"}
        if name == "index.html":
            data = rewrite_base(data, base_href(request))
            headers["cache-control"] = "no-cache"
        else:
            headers["cache-control"] = "public, max-age=300"
        return Response(data, media_type=content_type(name), headers=headers)


__all__ = ["COMMON_HEADERS", "WebUI", "base_href", "content_type", "rewrite_base"]
