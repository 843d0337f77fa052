"""Driving the web UI in Debian's Chromium with Playwright for Python (no browser download).

``launch()`` starts headless Chromium from ``/usr/bin/chromium`` (or ``$LXKNS_CHROMIUM``)
with the flags this closed network needs; ``Console`` collects every console error and
uncaught exception of a page; ``ROWS`` is a script that returns the rows of the tree
shown, for assertions in Python.
"""

from __future__ import annotations

import os
import shutil
from typing import Any

CHROMIUM = os.environ.get("LXKNS_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage"]


def missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install playwright)"
    if not (os.path.isfile(CHROMIUM) or shutil.which(CHROMIUM)):
        return f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    return None


def launch(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)


class Console:
    """Console errors and page errors of one page."""

    def __init__(self, page: Any) -> None:
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))

    def _console(self, msg: Any) -> None:
        if msg.type in ("error", "assert"):
            self.errors.append(f"console.{msg.type}: {msg.text} ({msg.location.get('url', '')})")


ROWS = """() => [...document.querySelectorAll('#view [role=treeitem]')].map((li) => {
  const row = li.querySelector(':scope > .row');
  const nsid = row && row.querySelector('.nsid');
  return {
    key: li.dataset.key || '', text: row ? row.textContent : '', cls: li.className,
    expanded: li.getAttribute('aria-expanded'), selected: li.getAttribute('aria-selected') === 'true',
    level: Number(li.getAttribute('aria-level')), focused: document.activeElement === li,
    nsid: nsid ? nsid.textContent : null,
    badges: row ? [...row.querySelectorAll('.badge')].map((b) => b.textContent) : [],
  };
})"""


def wait_loaded(page: Any, count: int = 1, timeout: float = 60_000) -> None:
    """Wait until the page has rendered ``count`` discoveries."""
    page.wait_for_function(f"Number(document.documentElement.dataset.loaded || 0) >= {count}",
                           timeout=timeout)


def loaded(page: Any) -> int:
    return int(page.evaluate("Number(document.documentElement.dataset.loaded || 0)"))
