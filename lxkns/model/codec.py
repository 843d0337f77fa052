"""The hook through which a discovery is written to and read from its wire format.

The model knows nothing of JSON: :mod:`lxkns.wire` (a view above the model)
implements :class:`WireCodec` and registers itself here when it is
imported, and ``Discovery.to_json()`` / ``Discovery.from_json()`` call
whatever is registered. ``import lxkns`` registers a stand-in that imports
:mod:`lxkns.wire` on first use, so the codec is always there for users of
the package.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import LxknsError

if TYPE_CHECKING:
    from .discovery import Discovery


class WireCodec(Protocol):
    """Turns discoveries into plain data or text and back."""

    def to_dict(self, d: Discovery) -> dict[str, Any]:
        """The discovery as plain data (JSON types)."""
        ...

    def to_json(self, d: Discovery, *, indent: int | str | None = None, compact: bool = False) -> str:
        """The discovery as JSON text."""
        ...

    def from_dict(self, data: Mapping[str, Any]) -> Discovery:
        """A discovery from plain data; WireFormatError if it is no valid dump."""
        ...

    def from_json(self, text: str | bytes) -> Discovery:
        """A discovery from JSON text; WireFormatError if it is no valid dump."""
        ...


_registered: WireCodec | None = None


def register(codec: WireCodec) -> None:
    """Make ``codec`` the one ``Discovery.to_json()`` and friends use."""
    global _registered
    _registered = codec


def registered() -> bool:
    """Whether a codec has been registered."""
    return _registered is not None


def codec() -> WireCodec:
    """The registered codec; LxknsError if no wire format module was imported."""
    if _registered is None:
        raise LxknsError("no wire format registered: import lxkns.wire first")
    return _registered
