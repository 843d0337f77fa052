"""The web UI's files as shipped: written for this project, nothing fetched from elsewhere,
every module preloaded by the index, and installed as package data."""

from __future__ import annotations

import re
from pathlib import Path

WEB = Path(__file__).resolve().parent.parent / "lxkns" / "service" / "web"


def test_the_index_has_a_base_and_preloads_every_module() -> None:
    index = (WEB / "index.html").read_text()
    assert '<base href="/">' in index
    preloaded = set(re.findall(r'<link rel="modulepreload" href="([^"]+)">', index))
    modules = {str(p.relative_to(WEB)) for p in WEB.rglob("*.js")}
    assert preloaded == modules - {"js/app.js"}
    assert '<script type="module" src="js/app.js">' in index


def test_nothing_is_fetched_from_another_host() -> None:
    for path in WEB.rglob("*"):
        if path.suffix not in (".js", ".html", ".css", ".svg"):
            continue
        text = path.read_text()
        # the SVG namespace is a name, not a fetch
        text = text.replace("http://www.w3.org/2000/svg", "")
        assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/|@import", text), path


def test_modules_import_only_each_other_by_relative_path() -> None:
    for path in WEB.rglob("*.js"):
        for spec in re.findall(r"^import .* from '([^']+)';$", path.read_text(), re.MULTILINE):
            assert spec.startswith("./") or spec.startswith("../"), (path, spec)
            assert (path.parent / spec).resolve().is_file(), (path, spec)


def test_the_web_ui_is_package_data() -> None:
    pyproject = (WEB.parent.parent.parent / "pyproject.toml").read_text()
    assert '"lxkns.service" = ["web/**/*"]' in pyproject
