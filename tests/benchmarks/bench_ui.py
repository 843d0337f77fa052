#!/usr/bin/env python3
"""Benchmark the web UI in headless Chromium on large hosts.

Run as root (the workload builds namespaces), with Debian's Chromium and Playwright::

    python tests/benchmarks/bench_ui.py [--sizes 1000,10000] [--runs 3] [--json FILE]

For every size N it starts the shared workload generator with N processes (as
bench_discovery.py does) and takes one discovery as the service makes it for
``/api/namespaces`` (FULL, containers, PID map, affinity; mount tables read from
mountinfo, see ``--listmount``), written as the service writes it. Then it starts the real
service (``python -m lxkns.service``) for the page and its files and, in a fresh browser
context per run, answers the page's ``api/namespaces`` with exactly those bytes (so the
discovery's own time is not in the figure). It measures the time from navigation to the
first render of the all-namespaces view, the page's own parse / build / render times, and
the time of "expand all" up to the next frame. It holds the shared bench lock (``$LXKNS_BENCH_LOCK``,
default /work/bench.lock where it exists) for the whole run. It measures; it asserts
nothing about speed (targets at 10,000 processes: first render < 1.5 s, expand-all < 3 s).
"""

from __future__ import annotations

import argparse
import contextlib
import http.server
import json
import signal
import statistics
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import bench_discovery as bd  # noqa: E402
import browserctl  # noqa: E402
from servicectl import Server  # noqa: E402

EXPAND = """() => new Promise((done) => {
  const t0 = performance.now();
  document.getElementById('expand-all').click();
  requestAnimationFrame(() => setTimeout(() => done({
    ms: performance.now() - t0, inPage: window.lxkns.stats().expandAllMs,
    rows: document.querySelectorAll('#view [role=treeitem]').length,
  }), 0));
})"""

FIRST = """() => new Promise((done) => {
  const report = () => requestAnimationFrame(() => setTimeout(() => done({
    ms: performance.now(), stats: window.lxkns.stats(),
    rows: document.querySelectorAll('#view [role=treeitem]').length,
  }), 0));
  if (Number(document.documentElement.dataset.loaded || 0) >= 1) report();
  else window.addEventListener('lxkns:rendered', report, { once: true });
})"""


@contextlib.contextmanager
def dump_server(body: bytes) -> Iterator[str]:
    """A loopback HTTP server that answers every GET with the dump: the page's request for
    api/namespaces is sent there, so the bytes travel as over a network (a body handed to
    the page through Playwright's route.fulfill crosses the driver's pipe, base64, slowly)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.send_header("cache-control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/dump"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def one_run(browser: Any, url: str, dump_url: str) -> dict[str, Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    console = browserctl.Console(page)
    try:
        page.route("**/api/namespaces", lambda route: route.continue_(url=dump_url))
        page.goto(url, wait_until="commit")
        first = page.evaluate(FIRST)
        expand = page.evaluate(EXPAND)
        if console.errors:
            raise RuntimeError(f"the page logged errors: {console.errors[:3]}")
        return {"first_render_ms": first["ms"], "page": first["stats"], "rows_first": first["rows"],
                "expand_all_ms": expand["ms"], "expand_all_in_page_ms": expand["inPage"],
                "rows_expanded": expand["rows"]}
    finally:
        context.close()


def the_dump(listmount: bool) -> bytes:
    """The discovery behind /api/namespaces, as the service writes it."""
    import lxkns

    d = lxkns.discover(lxkns.FULL, listmount=listmount)
    return d.to_json(compact=True).encode()


def measure(procs: int, runs: int, browser: Any, listmount: bool) -> dict[str, Any]:
    body = the_dump(listmount)
    dump = json.loads(body)
    with Server(["--max-age", "60", "--timeout", "300", "--no-containers"], start_timeout=120) as server, \
            dump_server(body) as dump_url:
        one_run(browser, server.url + "/", dump_url)  # warm-up
        samples = [one_run(browser, server.url + "/", dump_url) for _ in range(runs)]

    def med(key: str) -> float:
        return statistics.median(x[key] for x in samples)

    return {
        "processes": len(dump["processes"]), "namespaces": len(dump["namespaces"]), "bytes": len(body),
        "first_render_ms": med("first_render_ms"), "expand_all_ms": med("expand_all_ms"),
        "expand_all_in_page_ms": med("expand_all_in_page_ms"),
        "fetch_ms": statistics.median(x["page"]["fetchMs"] for x in samples),
        "parse_ms": statistics.median(x["page"]["parseMs"] for x in samples),
        "build_ms": statistics.median(x["page"]["buildMs"] for x in samples),
        "render_ms": statistics.median(x["page"]["renderMs"] for x in samples),
        "rows_first": samples[-1]["rows_first"], "rows_expanded": samples[-1]["rows_expanded"], "runs": runs,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="1000,10000",
                   help="comma-separated process counts (default 1000,10000)")
    p.add_argument("--runs", type=int, default=3, help="timed page loads per size (default 3)")
    p.add_argument("--json", help="also write the figures to this file")
    p.add_argument("--listmount", action="store_true",
                   help="read mount tables with listmount()/statmount() (hangs on the workload here: "
                        "see docs/webui.rst)")
    a = p.parse_args(argv)
    why = browserctl.missing()
    if why:
        print(f"bench_ui: {why}", file=sys.stderr)
        return 2
    try:
        bench = bd.bench_dir()
        bd.check_environment()
    except SystemExit as e:
        print(e, file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt  # tear the workload down on SIGTERM too

    signal.signal(signal.SIGTERM, stop)

    report: dict[str, Any] = {"sizes": {}}
    try:
        with bd.bench_lock(), sync_playwright() as pw:
            browser = browserctl.launch(pw)
            try:
                for procs in (int(s) for s in a.sizes.split(",")):
                    print(f"size {procs}:", flush=True)
                    with tempfile.TemporaryDirectory(prefix="lxkns-bench-ui-") as tmp, \
                            bd.running_workload(bench, procs, Path(tmp)):
                        fig = measure(procs, a.runs, browser, a.listmount)
                    report["sizes"][procs] = fig
                    print(f"  {fig['processes']} processes, {fig['namespaces']} namespaces, "
                          f"dump {fig['bytes'] / 1e6:.1f} MB")
                    print(f"  first render of all namespaces: {fig['first_render_ms']:.0f} ms after "
                          f"navigation (fetch {fig['fetch_ms']:.0f}, parse {fig['parse_ms']:.0f}, "
                          f"build {fig['build_ms']:.0f}, "
                          f"render {fig['render_ms']:.0f} ms; {fig['rows_first']} rows)")
                    print(f"  expand all: {fig['expand_all_ms']:.0f} ms to the next frame "
                          f"({fig['expand_all_in_page_ms']:.0f} ms in the page; {fig['rows_expanded']} rows)")
            finally:
                browser.close()
    except bd.BenchError as e:
        print(f"bench_ui: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench_ui: interrupted; workload torn down", file=sys.stderr)
        return 130
    finally:
        if a.json:
            Path(a.json).write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
