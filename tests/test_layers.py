"""A layer never imports from a layer above it: kernel -> _lowlevel/_engines -> model ->
_discovery -> views (wire, entering namespaces, then the CLI tools). Checked on the import
statements of every module (``importlib.import_module`` calls included): an import the
checker cannot place in a layer fails, and so does a cycle of imports between modules
of one rank (type-only imports under ``if TYPE_CHECKING:`` aside)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "lxkns"

# rank of each part; a module may import parts of its own rank or below
# (_nstext is the namespace text form both the kernel layer and the model read; _engines
# talks to container engines: I/O below the model, like _lowlevel; decorators work on drafts,
# below the stages; entering namespaces is a client of the model, like wire, and so are the
# views for Jupyter, rich and networkx; the REST service is a view beside the CLI tools, and so
# are the pytest plugin's parts, which run discoveries; the package itself, ``import lxkns`` or
# ``from .. import X``, is the public face at the top)
RANKS = {"errors": 0, "_version": 0, "_nstext": 0, "_native": 1, "_lowlevel": 1, "_engines": 1,
         "model": 2, "decorators": 2, "_discovery": 3, "wire": 4, "_entering": 4, "mountineer": 4,
         "switching": 4, "views": 4, "cli": 5, "service": 5, "testing": 5, "": 6, "__main__": 7}

# parts a part must not import although they rank below it: the model knows no kernel and
# no container engine (it is filled in by the stages above it)
UNKNOWN_TO = {"model": {"_native", "_lowlevel", "_engines"}}


class Unplaceable(Exception):
    """An import whose target the checker cannot tell."""


def _part(module: str) -> str:
    return module.split(".")[1] if module.count(".") else ""


def _is_module(module: str) -> bool:
    """Does ``lxkns.a.b`` name a module or package of ours (the compiled one included)?"""
    parts = module.split(".")[1:]
    base = PACKAGE.joinpath(*parts)
    return (not parts or base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()
            or module == "lxkns._native")


def _module_of(path: Path) -> tuple[str, list[str]]:
    own = ["lxkns", *path.relative_to(PACKAGE).with_suffix("").parts]
    if own[-1] == "__init__":
        own.pop()
    return ".".join(own), own if path.name == "__init__.py" else own[:-1]


def _type_only(tree: ast.AST) -> set[int]:
    """ids of the import nodes under ``if TYPE_CHECKING:``."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            out.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    return out


def _lazy_table(tree: ast.AST, package: str) -> list[str]:
    """The modules of a module-level ``_LAZY = {name: ".module", ...}`` table (imported on
    first use of a name, by ``import_module(where, __name__)``), absolute."""
    for node in getattr(tree, "body", []):
        if (isinstance(node, ast.Assign) and [ast.unparse(t) for t in node.targets] == ["_LAZY"]
                and isinstance(node.value, ast.Dict)):
            return sorted({f"{package}{v.value}" for v in node.value.values
                           if isinstance(v, ast.Constant) and isinstance(v.value, str)})
    return []


def _dynamic_target(node: ast.Call, package: str, lazy: list[str]) -> list[str] | None:
    """The modules an ``importlib.import_module(...)`` call imports, None if it is no such call.

    A literal name, an f-string ``f"{__name__}.{x}"`` (a submodule of the calling package),
    or a name looked up in the module's ``_LAZY`` table can be placed; anything else is
    Unplaceable.
    """
    func = ast.unparse(node.func)
    if func not in ("importlib.import_module", "import_module", "__import__"):
        return None
    arg = node.args[0] if node.args else None
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return [arg.value] if arg.value.startswith("lxkns") else []
    if (isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[0], ast.FormattedValue)
            and ast.unparse(arg.values[0].value) == "__name__"):
        return [package]
    if isinstance(arg, ast.Name) and lazy and len(node.args) == 2 and ast.unparse(node.args[1]) == "__name__":
        return lazy
    raise Unplaceable(f"computed import {ast.unparse(node)}")


def _edges(path: Path, source: str | None = None) -> Iterator[tuple[str, bool]]:
    """(imported lxkns module, type-only?) for every import of a source file."""
    _, package = _module_of(path)
    tree = ast.parse(path.read_text() if source is None else source)
    typing_only = _type_only(tree)
    lazy = _lazy_table(tree, ".".join(package))
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names if a.name.startswith("lxkns")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            if module.startswith("lxkns"):
                for a in node.names:
                    sub = f"{module}.{a.name}"
                    targets.append(sub if _is_module(sub) else module)
        elif isinstance(node, ast.Call):
            targets = _dynamic_target(node, ".".join(package), lazy) or []
        for target in targets:
            if not _is_module(target):
                raise Unplaceable(f"import of {target}, which is no module of lxkns")
            yield target, id(node) in typing_only


def _imports(path: Path, source: str | None = None) -> set[str]:
    """The lxkns modules a source file imports, absolute (``lxkns.model.types``)."""
    return {target for target, _ in _edges(path, source)}


def _rank(module: str) -> int:
    part = _part(module)
    if part not in RANKS:
        raise Unplaceable(f"{module} belongs to no ranked part of lxkns")
    return RANKS[part]


def _upward(path: Path, source: str | None = None) -> list[str]:
    rel = path.relative_to(PACKAGE).parts
    part = rel[0].removesuffix(".py")
    if part == "__init__":
        return []  # the public face imports everything
    try:
        return [f"{'/'.join(rel)} imports {module}" for module in sorted(_imports(path, source))
                if _rank(module) > RANKS[part] or _part(module) in UNKNOWN_TO.get(part, ())]
    except Unplaceable as exc:
        return [f"{'/'.join(rel)}: cannot place {exc}"]


def _graph() -> dict[str, set[str]]:
    """Runtime imports between our modules (type-only ones left out)."""
    graph: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        own, _ = _module_of(path)
        graph[own] = {t for t, type_only in _edges(path) if not type_only and t != own}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def _same_rank_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    return [c for c in _cycles(graph) if len({_rank(m) for m in c}) == 1]


def test_every_part_has_a_rank() -> None:
    parts = {p.name.removesuffix(".py") for p in PACKAGE.iterdir()
             if (p.suffix == ".py" or (p / "__init__.py").exists()) and p.name != "__init__.py"}
    assert parts <= set(RANKS), parts - set(RANKS)


def test_no_module_imports_from_a_layer_above_it() -> None:
    wrong = [line for path in sorted(PACKAGE.rglob("*.py")) for line in _upward(path)]
    assert not wrong


def test_no_import_cycles_within_a_rank() -> None:
    assert not _same_rank_cycles(_graph())


def test_the_checker_sees_upward_imports() -> None:
    model = PACKAGE / "model" / "fake.py"
    assert _upward(model, "from ..wire import to_json\n") == ["model/fake.py imports lxkns.wire"]
    assert _upward(model, "from .._discovery import discover\n")
    assert _upward(model, "import lxkns.cli.lsuns\n")
    assert _upward(model, "from . import types\nfrom ..errors import ParseError\n") == []
    assert _upward(PACKAGE / "_lowlevel" / "fake.py", "from ..model import Namespace\n")
    assert _upward(model, "from .._lowlevel.parsers import parse_nslink\n")  # below, yet unknown to it
    assert _upward(model, "from .._engines.detect import explicit\n")
    assert _upward(PACKAGE / "wire" / "fake.py", "from ..model import codec\n") == []
    # the package itself is the top, whichever way it is named
    assert _upward(model, "import lxkns\n") == ["model/fake.py imports lxkns"]
    assert _upward(model, "from .. import discover\n") == ["model/fake.py imports lxkns"]
    assert _upward(model, "from .. import wire\n") == ["model/fake.py imports lxkns.wire"]
    assert _upward(model, "import importlib\nimportlib.import_module('lxkns.wire')\n") == [
        "model/fake.py imports lxkns.wire"]


def test_the_checker_refuses_what_it_cannot_place() -> None:
    model = PACKAGE / "model" / "fake.py"
    assert "cannot place" in _upward(model, "from ..nowhere import x\n")[0]
    assert "cannot place" in _upward(model, "import importlib\nimportlib.import_module(name)\n")[0]
    assert _upward(PACKAGE / "decorators" / "fake.py",
                   "import importlib\nimportlib.import_module(f'{__name__}.{x}')\n") == []


def test_the_checker_sees_cycles_within_a_rank() -> None:
    graph = {"lxkns.mountineer": {"lxkns._entering"}, "lxkns._entering": {"lxkns.mountineer"},
             "lxkns.model.a": {"lxkns.model.b"}, "lxkns.model.b": {"lxkns.errors"}}
    assert _same_rank_cycles(graph) == [["lxkns._entering", "lxkns.mountineer"]]
    assert _same_rank_cycles({"lxkns.model.a": {"lxkns.model.b"}, "lxkns.model.b": {"lxkns.model.a"}})


def test_the_pytest_plugin_imports_lxkns_only_where_it_is_used() -> None:
    """pytest loads the plugin in every run: nothing of lxkns at its module level."""
    plugin = PACKAGE.parent / "_lxkns_pytestplugin.py"
    tree = ast.parse(plugin.read_text())
    top = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    names = [a.name for n in top if isinstance(n, ast.Import) for a in n.names]
    names += [n.module or "" for n in top if isinstance(n, ast.ImportFrom)]
    assert not [n for n in names if n.split(".")[0] == "lxkns"], names
