"""Setting the links of freshly built model objects.

Model objects are frozen; the graph has cycles, so a builder creates the
objects first and then links them with this helper, before anyone else can
see them. Nothing else may call it.
"""

from __future__ import annotations

_set = object.__setattr__


def set_links(obj: object, **links: object) -> None:
    for name, value in links.items():
        _set(obj, name, value)
