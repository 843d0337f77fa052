#!/usr/bin/env python3
"""Take the screenshots of the web UI for the manual (docs/_static/webui/*.png).

Run as root: it starts the real service, builds a few namespaces, mounts and (where
LXKNS_ENGINES_DIR names running engines) Docker containers, opens each view in
headless Chromium and saves a screenshot of it::

    LXKNS_ENGINES_DIR=/work/engines python tests/webui_screenshots.py [DIR]
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE / "engines"))

import browserctl  # noqa: E402
from servicectl import Server  # noqa: E402

import enginectl  # noqa: E402
import nsbuild  # noqa: E402


def shoot(page: Any, url: str, out: Path, *, expand: bool = False, keys: tuple[str, ...] = ()) -> None:
    page.goto(url)
    browserctl.wait_loaded(page)
    if expand:
        page.click("#expand-all")
    for k in keys:
        page.keyboard.press(k)
    page.wait_for_timeout(1800)  # the reveal flash fades
    page.screenshot(path=str(out))
    print(f"  {out}")


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else HERE.parent / "docs" / "_static" / "webui")
    out.mkdir(parents=True, exist_ok=True)
    why = browserctl.missing()
    if why or os.geteuid() != 0:
        print(f"webui_screenshots: {why or 'must run as root'}", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    base = tempfile.mkdtemp(prefix="lxkns-shots-")
    with ExitStack() as stack:
        bound = stack.enter_context(nsbuild.run(nsbuild.NETNS_BINDMOUNT.replace("BASE", repr(base + "/net"))))
        mounts = stack.enter_context(nsbuild.run(nsbuild.MOUNTS.replace("BASE", repr(base + "/mnt"))))
        pids = stack.enter_context(nsbuild.run(nsbuild.PIDNS_CHAIN))
        chain = stack.enter_context(nsbuild.run(nsbuild.USERNS_CHAIN.replace("DEPTH", "2")))
        stack.enter_context(nsbuild.run(nsbuild.UTS_NET))
        container = ""
        if os.environ.get("LXKNS_ENGINES_DIR"):
            engines = enginectl.Engines(os.environ["LXKNS_ENGINES_DIR"])
            container, _ = stack.enter_context(engines.docker_container(
                "--label", "com.docker.compose.project=shop", "--label", "com.docker.compose.service=web",
                engines.busybox, "sleep", "1000", name="shop-web-1"))
            stack.enter_context(engines.docker_container(
                "--label", "com.docker.compose.project=shop", "--label", "com.docker.compose.service=db",
                engines.busybox, "sleep", "1000", name="shop-db-1"))
            paused, _ = stack.enter_context(engines.docker_container(engines.busybox, "sleep", "1000",
                                                                      name="batch-job"))
            engines.docker("pause", paused)
            stack.callback(engines.docker, "unpause", paused)
        server = stack.enter_context(Server(["--max-age", "30"], start_timeout=90))
        pw = stack.enter_context(sync_playwright())
        browser = browserctl.launch(pw)
        stack.callback(browser.close)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        console = browserctl.Console(page)
        u = server.url
        shoot(page, f"{u}/?ns=user:{chain['chain'][-1]}", out / "all.png", keys=("ArrowRight",))
        shoot(page, f"{u}/containers?container={container}" if container else f"{u}/containers",
              out / "containers.png", expand=True)
        shoot(page, f"{u}/net?ns=net:{bound['net']}", out / "net.png")
        shoot(page, f"{u}/mounts?mntns={mounts['mnt']}&path={mounts['base']}/a", out / "mounts.png",
              keys=("ArrowRight",))
        shoot(page, f"{u}/processes?pid={pids['grandchild']}", out / "processes.png")
        shoot(page, f"{u}/diagnostics", out / "diagnostics.png")
        narrow = browser.new_page(viewport={"width": 390, "height": 780}, color_scheme="dark")
        shoot(narrow, f"{u}/containers", out / "narrow.png", expand=True)
        if console.errors:
            print(f"webui_screenshots: the page logged errors: {console.errors}", file=sys.stderr)
            return 1
    shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
