"""A layer never imports from a layer above it: kernel -> _lowlevel/_engines -> model ->
_discovery -> views (wire, entering namespaces, then the CLI tools). Checked on the import
statements of every module."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "lxkns"

# rank of each part; a module may import parts of its own rank or below
# (_engines talks to container engines: I/O below the model, like _lowlevel; decorators work
# on drafts, below the stages; entering namespaces is a client of the model, like wire; the REST
# service is a view beside the CLI tools)
RANKS = {"errors": 0, "_version": 0, "_native": 1, "_lowlevel": 1, "_engines": 1, "model": 2,
         "decorators": 2, "_discovery": 3, "wire": 4, "_entering": 4, "mountineer": 4,
         "switching": 4, "cli": 5, "service": 5, "__main__": 6}


def _part(module: str) -> str:
    return module.split(".")[1] if module.count(".") else ""


def _imports(path: Path, source: str | None = None) -> set[str]:
    """The lxkns modules a source file imports, absolute (``lxkns.model.types``)."""
    own = ["lxkns", *path.relative_to(PACKAGE).with_suffix("").parts]
    if own[-1] == "__init__":
        own.pop()
    package = own if path.name == "__init__.py" else own[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text() if source is None else source)):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("lxkns"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            if module.startswith("lxkns"):
                targets = [module] if node.module else [f"{module}.{a.name}" for a in node.names]
                found.update(targets)
    return found


def _upward(path: Path, source: str | None = None) -> list[str]:
    rel = path.relative_to(PACKAGE).parts
    part = rel[0].removesuffix(".py")
    if part == "__init__":
        return []  # the public face imports everything
    return [f"{'/'.join(rel)} imports {module}" for module in sorted(_imports(path, source))
            if RANKS.get(_part(module), 0) > RANKS[part]]


def test_every_part_has_a_rank() -> None:
    parts = {p.name.removesuffix(".py") for p in PACKAGE.iterdir()
             if (p.suffix == ".py" or (p / "__init__.py").exists()) and p.name != "__init__.py"}
    assert parts <= set(RANKS), parts - set(RANKS)


def test_no_module_imports_from_a_layer_above_it() -> None:
    wrong = [line for path in sorted(PACKAGE.rglob("*.py")) for line in _upward(path)]
    assert not wrong


def test_the_checker_sees_upward_imports() -> None:
    model = PACKAGE / "model" / "fake.py"
    assert _upward(model, "from ..wire import to_json\n") == ["model/fake.py imports lxkns.wire"]
    assert _upward(model, "from .._discovery import discover\n")
    assert _upward(model, "import lxkns.cli.lsuns\n")
    assert _upward(model, "from . import types\nfrom ..errors import ParseError\n") == []
    assert _upward(PACKAGE / "_lowlevel" / "fake.py", "from ..model import Namespace\n")
    assert _upward(PACKAGE / "wire" / "fake.py", "from ..model import codec\n") == []
