"""The hook through which model objects show themselves (Jupyter, IPython, rich) and
export themselves (networkx, plain records).

The model knows nothing of HTML or of the libraries that display things:
:mod:`lxkns.views` (a view above the model) implements :class:`Renderer`
and registers itself here when it is imported, and the model's
``_repr_html_()``, ``_repr_pretty_()``, ``__rich__()``,
``Discovery.to_networkx()`` and the ``*_records()`` methods call whatever
is registered. ``import lxkns`` registers a stand-in that imports
:mod:`lxkns.views` when first used, so a renderer is always there for users of
the package, and ``import lxkns`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from ..errors import LxknsError

if TYPE_CHECKING:
    from .discovery import Discovery

#: one row of a table: column name -> plain value
Record = dict[str, "str | int | bool | None"]


class Renderer(Protocol):
    """Shows and exports model objects."""

    def html(self, obj: object) -> str:
        """``obj`` as an HTML fragment (Jupyter's ``_repr_html_``)."""
        ...

    def text(self, obj: object) -> str:
        """``obj`` as plain text (IPython's pretty printer)."""
        ...

    def rich(self, obj: object) -> Any:
        """``obj`` as a rich renderable (``__rich__``)."""
        ...

    def networkx(self, d: Discovery) -> Any:
        """The discovery as a networkx graph (``Discovery.to_networkx``)."""
        ...

    def records(self, d: Discovery, kind: str) -> list[Record]:
        """One plain record per object of ``kind`` (``Discovery.*_records``)."""
        ...


_registered: Renderer | None = None


def register(renderer: Renderer) -> None:
    """Make ``renderer`` the one the model's display and export methods use."""
    global _registered
    _registered = renderer


def registered() -> bool:
    """Whether a renderer has been registered."""
    return _registered is not None


def renderer() -> Renderer:
    """The registered renderer; LxknsError if no views module was imported."""
    if _registered is None:
        raise LxknsError("no renderer registered: import lxkns.views first")
    return _registered


class Viewable:
    """What makes a model object show itself in Jupyter, IPython and rich.

    A mixin of the model classes; it holds no data (empty ``__slots__``).
    """

    __slots__ = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # IPython takes the first class of the MRO with a __repr__ of its own unless that
        # class has a _repr_pretty_ of its own too: give every model class one
        super().__init_subclass__(**kwargs)
        if "_repr_pretty_" not in cls.__dict__:
            cls._repr_pretty_ = Viewable._repr_pretty_  # type: ignore[method-assign]

    def _repr_html_(self) -> str:
        """HTML for Jupyter: collapsible sections, CSS only, with a text fallback."""
        return renderer().html(self)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        """The text IPython shows: a few lines of what matters."""
        p.text(repr(self) if cycle else renderer().text(self))

    def __rich__(self) -> Any:
        """A rich renderable (a Tree); needs the ``rich`` extra."""
        return renderer().rich(self)
