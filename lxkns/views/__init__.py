"""Views of the model for people: HTML for Jupyter, IPython text, rich trees, a
networkx graph and plain records for tables.

Importing this package registers it with :mod:`lxkns.model.rendering`, so
that the model objects' ``_repr_html_()``, ``_repr_pretty_()``,
``__rich__()``, ``Discovery.to_networkx()`` and ``Discovery.*_records()``
work; ``import lxkns`` does that. rich and networkx are imported only when
asked for (the ``rich`` and ``networkx`` extras).
"""

from __future__ import annotations

from typing import Any

from ..model import Discovery, rendering
from . import graph, html, records, richtree, text


class _Renderer:
    """The renderer the model calls (see :class:`lxkns.model.rendering.Renderer`)."""

    def html(self, obj: object) -> str:
        return html.html(obj)

    def text(self, obj: object) -> str:
        return text.text(obj)

    def rich(self, obj: object) -> Any:
        return richtree.rich(obj)

    def networkx(self, d: Discovery) -> Any:
        return graph.networkx(d)

    def records(self, d: Discovery, kind: str) -> list[rendering.Record]:
        return records.records(d, kind)


rendering.register(_Renderer())

__all__: list[str] = []
