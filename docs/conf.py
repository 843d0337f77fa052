"""Sphinx configuration of the lxkns for Python manual.

Build (from the repository root):

    sphinx-build -W -q -b html docs docs/_build/html

Only extensions that ship with Sphinx are used (and one of our own, in
_ext/, that shows notebooks), and nothing is fetched from the network.
lxkns is imported from the checkout this file lives in (an installed copy
works just as well; the checkout wins).
"""

from __future__ import annotations

import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "_ext"))

import lxkns  # noqa: E402

project = "lxkns for Python"
author = "lxkns for Python developers"
copyright = "lxkns for Python developers"
release = lxkns.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "notebook",
]

exclude_patterns = ["_build", "demo", "_ext"]
root_doc = "index"
language = "en"
pygments_style = "sphinx"
default_role = "code"

# autodoc: one description per object, in source order, attributes included
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_class_signature = "separated"
autodoc_preserve_defaults = True
autodoc_inherit_docstrings = True
# model objects are made by discover(), never by callers: no constructors shown
autodoc_default_options = {"exclude-members": "__init__"}

napoleon_google_docstring = True
napoleon_numpy_docstring = False

html_theme = "alabaster"
html_title = f"lxkns for Python {release}"
html_theme_options = {
    "description": "Linux namespaces, found almost everywhere",
    "fixed_sidebar": True,
    "show_relbars": True,
}
html_sidebars = {"**": ["about.html", "navigation.html", "relations.html", "searchbox.html"]}
html_show_sourcelink = False
