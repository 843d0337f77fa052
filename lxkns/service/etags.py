"""Entity tags of answers, and ``If-None-Match`` (RFC 9110: weak comparison)."""

from __future__ import annotations

import hashlib


def etag(body: bytes) -> str:
    """A strong tag from the bytes themselves: equal answers, equal tags (across restarts too)."""
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


def none_match(header: str | None, tag: str) -> bool:
    """Whether ``If-None-Match: header`` matches ``tag`` (so the answer is 304)."""
    if header is None:
        return False
    if header.strip() == "*":
        return True
    want = _opaque(tag)
    return any(_opaque(t) == want for t in header.split(","))
