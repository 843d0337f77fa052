"""Making many model objects fast, for the builders of a discovery.

A discovery makes one Process per process (10,000 and more). attrs' keyword
``__init__`` of a frozen class binds every keyword and then sets each field
through ``object.__setattr__``: about 1.4 µs a Process. A maker made here takes
every field positionally, in the class' field order, and stores each through
its slot descriptor: about half of that. It runs no validators or converters,
so it is only for classes that have none, and only for builders (as
:func:`._linking.set_links`). Every field must be given: a field added to the
class changes the maker's arity, and every caller fails loudly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import attrs

_T = TypeVar("_T", bound=attrs.AttrsInstance)


def _slot_setter(cls: type, name: str) -> Callable[[object, object], None]:
    for klass in cls.__mro__:
        slot = klass.__dict__.get(name)
        if slot is not None:
            setter: Callable[[object, object], None] = slot.__set__
            return setter
    raise TypeError(f"{cls.__name__}.{name} is not a slot")


def positional_maker(cls: type[_T]) -> Callable[..., _T]:
    """A function ``(field values in attrs.fields order) -> cls instance`` (a slotted attrs
    class without validators or converters)."""
    fields = attrs.fields(cls)
    if any(a.validator is not None or a.converter is not None for a in fields):
        raise TypeError(f"{cls.__name__} validates or converts: make it with its __init__")
    scope: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    params = []
    lines = []
    for i, a in enumerate(fields):
        scope[f"_set{i}"] = _slot_setter(cls, a.name)
        params.append(f"v{i}")
        lines.append(f"    _set{i}(o, v{i})  # {a.name}")
    source = (f"def make_{cls.__name__}({', '.join(params)}):\n    o = _new(_cls)\n"
              + "\n".join(lines) + "\n    return o\n")
    exec(compile(source, f"<lxkns maker of {cls.__qualname__}>", "exec"), scope)
    maker: Callable[..., _T] = scope[f"make_{cls.__name__}"]
    return maker
