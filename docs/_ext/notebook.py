"""``.. notebook:: path``: a Jupyter notebook's cells in the manual, without its outputs.

Markdown cells become text (headings as rubrics; the notebooks keep to paragraphs,
lists, ``code`` and links, which read the same in reStructuredText with
``default_role = "code"``), code cells become Python code blocks. Nothing is run
and no package beyond Sphinx is needed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from docutils.parsers.rst import Directive
from docutils.statemachine import StringList

_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")


def _markdown(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        heading = re.match(r"#+\s+(.*)", line)
        if heading:
            out += ["", f".. rubric:: {heading.group(1)}", ""]
        else:
            out.append(_LINK.sub(lambda m: f"`{m.group(1)} <{m.group(2)}>`_", line))
    return [*out, ""]


def _code(lines: list[str]) -> list[str]:
    return ["", ".. code-block:: python", "", *("   " + line for line in lines), ""]


class NotebookDirective(Directive):
    required_arguments = 1
    has_content = False

    def run(self) -> list[Any]:
        env = self.state.document.settings.env
        path = Path(env.srcdir, self.arguments[0]).resolve()
        env.note_dependency(str(path))
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        text: list[str] = []
        for cell in cells:
            source = "".join(cell["source"]).splitlines()
            text += _markdown(source) if cell["cell_type"] == "markdown" else _code(source)
        self.state_machine.insert_input(StringList(text, source=str(path)), str(path))
        return []


def setup(app: Any) -> dict[str, Any]:
    app.add_directive("notebook", NotebookDirective)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
