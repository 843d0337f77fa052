"""``python -m lxkns.service``: the same as ``lxkns serve``."""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
