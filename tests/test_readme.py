"""The README's first example works when pasted."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def test_the_readme_example_runs_and_shows_our_user_namespace() -> None:
    text = README.read_text(encoding="utf-8")
    code = text.split("```python\n", 1)[1].split("```", 1)[0]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    own_net = os.readlink("/proc/self/ns/net")
    assert any(line.startswith(own_net + " ") for line in lines)
    assert "created by" in lines[-2] and lines[-1].startswith("(")
