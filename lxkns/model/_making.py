"""Making many model objects fast, for the builders of a discovery.

A discovery makes one Process per process (10,000 and more). attrs' keyword
``__init__`` of a frozen class binds every keyword and then sets each field
through ``object.__setattr__``: about 1.4 µs a Process. A maker made here takes
the fields it is asked for positionally and stores each through its slot
descriptor, the other fields getting their defaults: about half of that. It runs
no validators or converters, so it is only for classes that have none, and only
for builders (as :func:`._linking.set_links`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import attrs

_T = TypeVar("_T", bound=attrs.AttrsInstance)


def slot_setter(cls: type, name: str) -> Callable[[object, object], None]:
    """The setter of one slot of a (frozen) slotted class: for builders only."""
    for klass in cls.__mro__:
        slot = klass.__dict__.get(name)
        if slot is not None:
            setter: Callable[[object, object], None] = slot.__set__
            return setter
    raise TypeError(f"{cls.__name__}.{name} is not a slot")


def positional_maker(cls: type[_T], *names: str) -> Callable[..., _T]:
    """A function ``(value of each of names, in that order) -> cls instance``; the other
    fields get their defaults (a field without a plain default must be named)."""
    fields = attrs.fields(cls)
    by_alias = {a.alias: a for a in fields}
    unknown = [n for n in names if n not in by_alias]
    if unknown or len(set(names)) != len(names):
        raise TypeError(f"{cls.__name__} has no fields {unknown}, or some are named twice")
    if any(a.validator is not None or a.converter is not None for a in fields):
        raise TypeError(f"{cls.__name__} validates or converts: make it with its __init__")
    scope: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    lines = []
    for i, a in enumerate(fields):
        scope[f"_set{i}"] = slot_setter(cls, a.name)
        if a.alias in names:
            value = f"v{names.index(a.alias)}"
        elif a.default is attrs.NOTHING or isinstance(a.default, attrs.Factory):  # type: ignore[arg-type]
            raise TypeError(f"{cls.__name__}.{a.alias} has no plain default: it must be named")
        else:
            scope[f"_default{i}"] = a.default
            value = f"_default{i}"
        lines.append(f"    _set{i}(o, {value})  # {a.name}")
    params = ", ".join(f"v{i}" for i in range(len(names)))
    source = (f"def make_{cls.__name__}({params}):\n    o = _new(_cls)\n" + "\n".join(lines)
              + "\n    return o\n")
    exec(compile(source, f"<lxkns maker of {cls.__qualname__}>", "exec"), scope)
    maker: Callable[..., _T] = scope[f"make_{cls.__name__}"]
    return maker
