"""Trees of labelled nodes, rendered as text (line or ASCII drawing) or as JSON data.

A tool builds one tree of :class:`Node` objects; the node carries a styled
label for text output and plain data for ``--json``, so both outputs always
show the same tree.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .style import Styler, Text


@dataclass(frozen=True)
class TreeStyle:
    """The pieces a tree is drawn with."""

    branch: str
    last: str
    bar: str
    blank: str
    prop: str


STYLES = {
    "line": TreeStyle(branch="├─ ", last="└─ ", bar="│  ", blank="   ", prop="⋄─ "),
    "ascii": TreeStyle(branch="+- ", last="\\- ", bar="|  ", blank="   ", prop="o- "),
}


@dataclass
class Node:
    """One node: its label, property lines shown beneath it, and its children.

    ``data`` is what ``--json`` shows of it; ``children`` are added there as
    a list under ``"children"``.
    """

    label: Text
    data: dict[str, Any]
    properties: list[Text] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)

    def to_data(self) -> dict[str, Any]:
        """This node and its children as plain data (what ``--json`` prints)."""
        return {**self.data, "children": [c.to_data() for c in self.children]}


def _lines(node: Node, first: str, rest: str, style: TreeStyle, styler: Styler) -> Iterator[str]:
    yield first + styler.render(node.label)
    lead = rest + (style.bar if node.children else style.blank)
    for prop in node.properties:
        yield lead + style.prop + styler.render(prop)
    for i, child in enumerate(node.children):
        last = i == len(node.children) - 1
        yield from _lines(child, rest + (style.last if last else style.branch),
                          rest + (style.blank if last else style.bar), style, styler)


def render(roots: list[Node], style: TreeStyle, styler: Styler) -> str:
    """The trees as text, one root after the other."""
    return "\n".join(line.rstrip() for root in roots for line in _lines(root, "", "", style, styler))


def to_data(roots: list[Node]) -> list[dict[str, Any]]:
    """The trees as plain data, one entry per root."""
    return [root.to_data() for root in roots]
