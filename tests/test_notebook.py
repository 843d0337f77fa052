"""The example notebook runs from top to bottom in a real Jupyter kernel (nbclient), and
shows what it promises: the HTML views, a container's namespaces, a mount namespace's
overmounts. Skipped, saying why, where the Jupyter packages are missing or no kernel starts."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from conftest import IS_ROOT, enginectl, nsbuild

NOTEBOOK = Path(__file__).resolve().parent.parent / "examples" / "explore_host.ipynb"


def execute(tmp_path: Path) -> Any:
    nbformat = pytest.importorskip("nbformat", reason="needs nbformat (pip install lxkns[test])")
    nbclient = pytest.importorskip("nbclient", reason="needs nbclient (pip install lxkns[test])")
    pytest.importorskip("ipykernel", reason="needs ipykernel for a Python kernel (pip install lxkns[test])")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    try:
        with client.setup_kernel():
            pass
    except Exception as e:  # no kernel spec, no zmq, a kernel that dies at once, ...
        pytest.skip(f"no Jupyter kernel starts here: {type(e).__name__}: {e}")
    client.execute()
    return nb


def outputs(cell: Any) -> tuple[str, str]:
    """(all the text a cell printed, its HTML result)."""
    text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
    html = "".join(o.get("data", {}).get("text/html", "") for o in cell.outputs
                   if o.output_type == "execute_result")
    return text, html


def code_cells(nb: Any) -> list[Any]:
    return [c for c in nb.cells if c.cell_type == "code"]


def test_the_notebook_has_no_stored_outputs() -> None:
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    assert all(not c.outputs and c.execution_count is None for c in code_cells(nb))


def test_the_notebook_runs_and_shows_this_host(tmp_path: Path) -> None:
    nb = execute(tmp_path)
    cells = code_cells(nb)
    assert not [o for c in cells for o in c.outputs if o.output_type == "error"]
    _, html = outputs(cells[0])
    assert html.startswith('<div class="lxkns-repr">') and "Discovery" in html
    text, html = outputs(cells[1])
    assert "user:[" in text and "UserNamespace" in html


@pytest.mark.privileged
def test_the_notebook_shows_a_container_and_overmounts(tmp_path: Path, engines: enginectl.Engines,
                                                       tmp_base: str) -> None:
    """With a container and an overmount around (others' may be there too: the notebook picks)."""
    assert IS_ROOT
    with engines.docker_container(engines.busybox, "sleep", "1000"), \
            nsbuild.run(nsbuild.MOUNTS.replace("BASE", repr(tmp_base))):
        nb = execute(tmp_path)
    cells = code_cells(nb)
    text, html = outputs(cells[2])
    lines = text.splitlines()
    assert html.startswith('<div class="lxkns-repr">') and "Container" in html
    assert lines and all(re.fullmatch(r".+: [a-z]+:\[\d+\] \((its own|the host's)\)", line) for line in lines)
    assert any(line.endswith("(its own)") for line in lines)
    text, html = outputs(cells[3])
    lines = text.splitlines()
    assert "Mount table" in html
    assert lines and all(re.fullmatch(r"mnt:\[\d+\] /.*: .+ \(mount \d+\) (under .+|below a mount higher up)",
                                      line) for line in lines), lines
    text, _ = outputs(cells[5])
    assert re.fullmatch(r"\d+ nodes, \d+ edges; busiest network namespace: net:\[\d+\]\n", text)
