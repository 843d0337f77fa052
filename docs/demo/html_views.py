"""Regenerate the pictures of the HTML views in docs/images/ (the manual shows them).

They show a made-up host (tests/synthetic.py), never a real one, rendered by
Debian's Chromium through Playwright, in a light and a dark JupyterLab theme::

    python3 docs/demo/html_views.py
"""

from __future__ import annotations

import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]

import browserctl  # noqa: E402
import synthetic  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

import lxkns  # noqa: E402

OUT = os.path.join(ROOT, "docs", "images")
#: a few of JupyterLab's theme variables, as its light and dark themes set them
THEMES = {
    "light": ("", "--jp-layout-color0:#fff;--jp-content-font-color0:rgba(0,0,0,.87);"
                  "--jp-content-font-color2:rgba(0,0,0,.54);--jp-layout-color2:#eee;"
                  "--jp-border-color2:#e0e0e0;--jp-brand-color1:#1976d2;background:#fff"),
    "dark": ('data-jp-theme-light="false"',
             "--jp-layout-color0:#111;--jp-content-font-color0:rgba(255,255,255,1);"
             "--jp-content-font-color2:rgba(255,255,255,.54);--jp-layout-color2:#424242;"
             "--jp-border-color2:#616161;--jp-brand-color1:#64b5f6;background:#111"),
}


def main() -> None:
    d = lxkns.Discovery.from_dict(synthetic.landscape(60))
    shots = {
        "discovery": (d, ["User namespace tree", "net"]),
        "container": (d.container("web"), []),
        "mount-table": (d.mounts[d.initial_namespaces[lxkns.MNT].id], []),
    }
    with sync_playwright() as pw:
        browser = browserctl.launch(pw)
        page = browser.new_page(viewport={"width": 900, "height": 400}, device_scale_factor=1)
        for name, (obj, toggle) in shots.items():
            for theme, (attr, style) in THEMES.items():
                page.set_content(f'<!doctype html><html><body {attr} style="{style};margin:10px">'
                                 f"{obj._repr_html_()}</body></html>")
                for title in toggle:  # unfold these sections (by their titles' start)
                    page.locator("summary").filter(has_text=re.compile("^" + title)).first.click()
                page.mouse.move(0, 0)  # no hover highlight in the picture
                page.screenshot(path=os.path.join(OUT, f"html-{name}-{theme}.png"), full_page=True)
        browser.close()


if __name__ == "__main__":
    main()
