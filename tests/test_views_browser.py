"""The HTML views in a real browser: Debian's Chromium, driven by Playwright.

What a notebook does with an output: the HTML goes into the page as it is.
Checked here: the stylesheet swaps the text fallback for the HTML, sections
fold and unfold by clicking (no JavaScript of ours: the page has none),
the text shows when a page strips ``<style>``, and the colours follow light
and dark notebook themes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import lxkns

import synthetic

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def page() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs Playwright (pip install playwright)")
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"needs Debian's Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser.new_page(viewport={"width": 1100, "height": 900})
        finally:
            browser.close()


@pytest.fixture(scope="module")
def d() -> lxkns.Discovery:
    return lxkns.Discovery.from_dict(synthetic.landscape(60))


def summary(page: Any, title: str) -> Any:
    """The section heading that starts with ``title`` (a count follows it)."""
    return page.locator("summary").filter(has_text=re.compile("^" + re.escape(title))).first


def show(page: Any, fragment: str, body: str = "") -> None:
    page.set_content(f"<!doctype html><html><body {body} style='margin:12px'>{fragment}</body></html>")


def luminance(css_colour: str) -> float:
    r, g, b = (int(x) for x in re.findall(r"\d+", css_colour)[:3])
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


def test_the_stylesheet_shows_the_html_and_hides_the_text(page: Any, d: lxkns.Discovery) -> None:
    show(page, d._repr_html_())
    assert page.locator(".lxkns-html").is_visible()
    assert not page.locator(".lxkns-text").is_visible()
    assert page.evaluate("document.scripts.length") == 0


def test_sections_fold_and_unfold_by_clicking(page: Any, d: lxkns.Discovery, tmp_path: Path) -> None:
    show(page, d._repr_html_())
    row = page.locator("td", has_text="/usr/bin/supervisord -n").first
    assert not row.is_visible()  # the process table starts folded
    summary(page, "Processes").click()
    assert row.is_visible()
    namespaces = summary(page, "Namespaces")
    cgroup = summary(page, "cgroup")
    assert cgroup.is_visible()  # open to begin with
    namespaces.click()
    assert not cgroup.is_visible()
    page.screenshot(path=str(tmp_path / "folded.png"), full_page=True)


def test_without_the_stylesheet_the_text_shows(page: Any, d: lxkns.Discovery) -> None:
    stripped = re.sub(r"<style>.*?</style>", "", d._repr_html_(), flags=re.S)
    show(page, stripped)
    assert page.locator(".lxkns-text").is_visible()
    assert not page.locator(".lxkns-html").is_visible()
    assert page.locator(".lxkns-text").inner_text().startswith(repr(d))


@pytest.mark.parametrize(("body", "dark"), [
    ("", False),
    ('data-jp-theme-light="false"', True),
    ('class="vscode-dark"', True),
    ('data-theme="dark"', True),
])
def test_colours_follow_the_notebook_theme(page: Any, d: lxkns.Discovery, body: str, dark: bool) -> None:
    show(page, d.container("web")._repr_html_(), body)
    colour = page.eval_on_selector(".lxkns-repr td", "e => getComputedStyle(e).color")
    assert (luminance(colour) > 0.6) == dark, colour


def test_jupyterlab_theme_variables_win(page: Any, d: lxkns.Discovery) -> None:
    show(page, d.container("web")._repr_html_(), 'style="--jp-content-font-color0: rgb(1, 2, 3)"')
    assert page.eval_on_selector(".lxkns-repr td", "e => getComputedStyle(e).color") == "rgb(1, 2, 3)"


def test_ten_thousand_processes_show_what_was_left_out(page: Any) -> None:
    big = lxkns.Discovery.from_dict(synthetic.landscape(10_000, worker_namespaces=500))
    show(page, big._repr_html_())
    summary(page, "Processes").click()
    assert page.locator("p.lxkns-more", has_text="9,900 more processes not shown").is_visible()
