"""The web UI in a real browser (Debian's Chromium, driven by Playwright) against the real
service (``python -m lxkns.service`` on a free port).

The privileged tests build namespaces, a bind-mounted network namespace, overmounts,
propagation and containers, and check that each view shows exactly those; the others
open dumps written for the tests (tests/landscape.py). Every page is checked for console
errors when its test ends.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import browserctl
import pytest
from browserctl import ROWS, Console, loaded, wait_loaded
from servicectl import Server

import landscape as ls
import nsbuild
from conftest import IS_ROOT, enginectl, privileged

_why = browserctl.missing()
if _why:
    pytest.skip(f"no browser tests: {_why}", allow_module_level=True)
pytest.importorskip("starlette", reason="the service needs lxkns[service]")
sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
Page = Any

TYPES = ("cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts")


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    """The real service with the web UI it installs, discoveries never reused."""
    with Server(["--max-age", "0", "--timeout", "120"], start_timeout=90) as s:
        yield s


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_playwright() as pw:
        b = browserctl.launch(pw)
        try:
            yield b
        finally:
            b.close()


class UI:
    """A page of the web UI, with the discoveries it fetched."""

    def __init__(self, page: Page, server: Server) -> None:
        self.page = page
        self.server = server
        self.console = Console(page)
        self.dumps: list[dict[str, Any]] = []
        self.unread: list[str] = []
        page.on("response", self._response)

    def _response(self, r: Any) -> None:
        if r.url.split("?")[0].endswith("/api/namespaces") and r.status == 200:
            try:
                self.dumps.append(json.loads(r.body()))
            except Exception as e:
                # the browser drops a body when the page navigates away before the test reads
                # it (a reload while auto refresh fetches): not the page's error; a test that
                # needs this dump fails on it missing
                self.unread.append(str(e))

    def open(self, path: str = "", count: int = 1) -> None:
        """Go to a URL of the UI (a deep link) and wait for its discovery."""
        self.page.goto(f"{self.server.url}/{path}")
        wait_loaded(self.page, count)

    def rows(self) -> list[dict[str, Any]]:
        """The rows of the tree as it is expanded, long lists shown whole (see show_all)."""
        self.show_all()
        return list(self.page.evaluate(ROWS))

    def row(self, pred: Any) -> dict[str, Any]:
        found = [r for r in self.rows() if pred(r)]
        assert found, [r["text"] for r in self.rows()][:80]
        return found[0]

    def refresh(self) -> None:
        n = loaded(self.page)
        self.page.click("#refresh")
        wait_loaded(self.page, n + 1)

    def expand_all(self) -> None:
        self.page.click("#expand-all")

    def show_all(self) -> None:
        """Every row of long lists too: they come in chunks of 200, each after a "more" row
        (a busy host, such as one with the engines' containers, has more namespaces of a
        type than that). A click on a "more" row shows the next chunk at once."""
        while self.page.evaluate(
                "() => { const m = document.querySelector('#view li.more'); if (m) m.click(); return !!m; }"):
            pass

    def details(self) -> str:
        return str(self.page.inner_text("#details"))


@pytest.fixture
def ui(browser: Any, server: Server) -> Iterator[UI]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    u = UI(page, server)
    try:
        yield u
        assert u.console.errors == [], u.console.errors
    finally:
        context.close()


def nsids(rows: list[dict[str, Any]]) -> set[str]:
    return {r["nsid"] for r in rows if r["nsid"]}


def wire_ids(dump: dict[str, Any], type: str) -> set[str]:
    return {f"{type}:[{n['nsid']}]" for n in dump["namespaces"].values() if n["type"] == type}


def ino(path: str) -> int:
    return os.stat(path).st_ino


# ------------------------------------------------------------------ the views, on what the tests built

@privileged
def test_all_namespaces_shows_the_user_hierarchy_tenants_and_shared_namespaces(ui: UI, tmp_base: str) -> None:
    with nsbuild.run(nsbuild.USERNS_CHAIN.replace("DEPTH", "2")) as chain, \
            nsbuild.run(nsbuild.NETNS_BINDMOUNT.replace("BASE", repr(tmp_base))) as bound:
        top, deep = chain["chain"]
        ui.open(f"?ns=user:{deep}")
        # the deep link expanded the chain and selected the deepest user namespace
        sel = ui.row(lambda r: r["selected"])
        assert sel["nsid"] == f"user:[{deep}]" and sel["focused"]
        assert "UID 0 (root)" in sel["text"] and '"python' in sel["text"]
        assert f"({chain['pid']})" in sel["text"]
        parent = ui.row(lambda r: r["nsid"] == f"user:[{top}]")
        assert parent["expanded"] == "true" and parent["level"] == sel["level"] - 1
        initial = ui.row(lambda r: r["level"] == 1 and r["nsid"] and r["nsid"].startswith("user:"))
        assert "initial" in initial["badges"] and "initial" in initial["cls"]
        assert initial["nsid"] == f"user:[{ui.dumps[-1]['initial-namespaces']['user']}]"
        # below it: the tenant (our process) with its own network namespace, and greyed shared ones
        ui.page.keyboard.press("ArrowRight")
        rows = ui.rows()
        tenant = next(r for r in rows if "tenant" in r["cls"] and f"PID {chain['pid']}" in r["text"])
        assert "tenant" in tenant["cls"] and tenant["expanded"] == "false"
        ui.page.click(f"[data-key=\"{tenant['key']}\"] > .row .twisty")
        below = [r for r in ui.rows() if r["key"].startswith(tenant["key"] + "/")]
        net = next(r for r in below if r["nsid"] == f"net:[{chain['net']}]")
        assert "shared" not in net["cls"].split()
        mnt_ino = ino(f"/proc/{chain['pid']}/ns/mnt")
        mnt = next(r for r in below if r["nsid"] == f"mnt:[{mnt_ino}]")
        assert "shared" in mnt["cls"].split() and "shared" in mnt["badges"]
        assert {r["nsid"].split(":")[0] for r in below} == set(TYPES) - {"user"}
        # the bind-mounted network namespace: process-less, below the initial user namespace
        ui.open(f"?ns=net:{bound['net']}")
        sel = ui.row(lambda r: r["selected"])
        assert sel["nsid"] == f"net:[{bound['net']}]" and "bind-mounted at" in sel["text"]
        assert sel["text"].endswith(f"{bound['path']}")
        assert sel["level"] == 2
        assert f"net:[{bound['net']}]" in ui.details() and "bind" in ui.details()


@privileged
def test_each_type_view_lists_exactly_the_namespaces_of_the_discovery(ui: UI, tmp_base: str) -> None:
    with nsbuild.run(nsbuild.UTS_NET) as sc, nsbuild.run(nsbuild.PIDNS_CHAIN) as pids, \
            nsbuild.run(nsbuild.NETNS_BINDMOUNT.replace("BASE", repr(tmp_base))) as bound:
        ui.open("net")
        for t in TYPES:
            ui.page.click(f"nav a[data-view={t}]")
            ui.page.wait_for_function(f"document.getElementById('title').textContent === '{t} namespaces'")
            ui.expand_all()
            shown = nsids(ui.rows())
            assert shown == wire_ids(ui.dumps[-1], t), t
            count = ui.page.inner_text(f"nav a[data-view={t}] .nav-count")
            assert int(count.replace(",", "")) == len(shown)
        ui.open("net")
        shown = nsids(ui.rows())
        assert {f"net:[{sc['net']}]", f"net:[{bound['net']}]"} <= shown
        ui.open("uts")
        row = ui.row(lambda r: r["nsid"] == f"uts:[{sc['uts']}]")
        assert f"({sc['pid']})" in row["text"]
        # PID namespaces as a hierarchy: ns2 below ns1 below the initial one
        ui.open(f"pid?ns=pid:{pids['ns2']}")
        sel = ui.row(lambda r: r["selected"])
        assert sel["nsid"] == f"pid:[{pids['ns2']}]"
        ns1 = ui.row(lambda r: r["nsid"] == f"pid:[{pids['ns1']}]")
        assert ns1["expanded"] == "true" and ns1["level"] == sel["level"] - 1 == 2


@privileged
def test_processes_show_translated_pids_cgroups_and_child_pid_namespaces(ui: UI) -> None:
    with nsbuild.run(nsbuild.PIDNS_CHAIN) as sc:
        ui.open(f"processes?pid={sc['grandchild']}")
        sel = ui.row(lambda r: r["selected"])
        # PID 1 in its own PID namespace, its PID in the top namespace in brackets
        assert sel["text"].startswith("python") or "python" in sel["text"]
        assert f"PID 1 ({sc['grandchild']})" in sel["text"]
        rows = ui.rows()
        ns2 = next(r for r in rows if r["nsid"] == f"pid:[{sc['ns2']}]")
        child = next(r for r in rows if f"({sc['child']})" in r["text"] and "PID 1" in r["text"])
        assert child["level"] < ns2["level"] < sel["level"]
        assert f"{sc['grandchild']} in pid:[" in ui.details()
        cgroup = Path(f"/proc/{sc['grandchild']}/cgroup").read_text().splitlines()[-1].split(":", 2)[2]
        assert f"CPU cgroup{cgroup}" in ui.details().replace("\n", "").replace("\t", "")


@privileged
def test_mounts_show_overmounts_hidden_mounts_and_details(ui: UI, tmp_base: str) -> None:
    with nsbuild.run(nsbuild.MOUNTS.replace("BASE", repr(tmp_base))) as sc:
        ids, base = sc["ids"], sc["base"]
        ui.open(f"mounts?mntns={sc['mnt']}&path={base}/a")
        sel = ui.row(lambda r: r["selected"])
        assert f"#{ids['upper']}" in sel["text"] and "overmounted ×1" in sel["badges"]
        ui.page.keyboard.press("ArrowRight")
        under = ui.row(lambda r: r["key"].endswith(f"/m{ids['lower']}"))
        assert "hidden" in under["badges"] and "hidden-mount" in under["cls"]
        assert f"mount ID{ids['upper']}" in ui.details().replace("\n", "").replace("\t", "")
        # /b/c is hidden by the tmpfs on /b
        ui.open(f"mounts?mntns={sc['mnt']}&path={base}/b/c")
        sel = ui.row(lambda r: r["selected"])
        assert f"#{ids['deep']}" in sel["text"] and "hidden" in sel["badges"]
        cover = ui.row(lambda r: f"#{ids['cover']}" in r["text"])
        assert "hidden" not in cover["badges"] and cover["level"] == sel["level"] - 1
        assert "hidden by a mount higher up" in ui.details()
        # the whole table: every mount of the namespace once
        table = ui.dumps[-1]["mounts"][str(sc["mnt"])]
        ui.expand_all()
        shown = ui.page.eval_on_selector_all(
            f"#view [data-key^='/m{sc['mnt']}/'] > .row .mountid", "els => els.map(e => e.textContent)")
        assert sorted(shown) == sorted(f"#{m['mountid']}" for p in table.values() for m in p["mounts"])


@privileged
def test_mount_propagation_names_peers_and_slaves_by_namespace_and_path(ui: UI, tmp_base: str) -> None:
    with nsbuild.run(nsbuild.PROPAGATION.replace("BASE", repr(tmp_base))) as sc:
        base = sc["base"]
        ui.open(f"mounts?mntns={sc['a']['mnt']}&path={base}")
        text = ui.details()
        assert f"mnt:[{sc['b']['mnt']}] {base} #{sc['b']['id']}" in text  # the peer
        slaves = text.split("slaves", 1)[1]
        assert f"mnt:[{sc['c']['mnt']}] {base} #{sc['c']['id']}" in slaves
        ui.page.click(f"#details a:has-text('mnt:[{sc['c']['mnt']}]')")
        ui.page.wait_for_url(re.compile(rf"mntns={sc['c']['mnt']}"))
        assert f"mnt:[{sc['a']['mnt']}] {base} #{sc['a']['id']}" in ui.details().split("masters", 1)[1]


@privileged
@pytest.mark.engines
def test_containers_show_engine_group_container_namespaces_and_paused(ui: UI,
                                                                      engines: enginectl.Engines) -> None:
    project = enginectl.unique("lxkns-ui")
    with ExitStack() as stack:
        name, pid = stack.enter_context(engines.docker_container(
            "--label", f"com.docker.compose.project={project}", engines.busybox, "sleep", "1000"))
        paused, ppid = stack.enter_context(engines.docker_container(engines.busybox, "sleep", "1000"))
        engines.docker("pause", paused)
        ui.open(f"containers?container={name}")
        sel = ui.row(lambda r: r["selected"])
        assert name in sel["text"] and f"PID {pid}" in sel["text"]
        rows = ui.rows()
        group = next(r for r in rows if r["level"] == sel["level"] - 1 and project in r["text"])
        engine = next(r for r in rows
                      if r["level"] == 1 and "docker.com" in r["text"] and engines.docker_sock in r["text"])
        assert group["key"].startswith(engine["key"] + "/") and sel["key"].startswith(group["key"] + "/")
        ui.page.keyboard.press("ArrowRight")
        below = {r["nsid"]: r for r in ui.rows() if r["key"].startswith(sel["key"] + "/")}
        own = {t: ino(f"/proc/{pid}/ns/{t}") for t in TYPES}
        for t in ("net", "mnt", "pid", "uts", "ipc"):
            assert f"{t}:[{own[t]}]" in below, t
        assert "shared" in below[f"user:[{own['user']}]"]["cls"]  # the host's
        ui.open(f"containers?container={paused}")
        sel = ui.row(lambda r: r["selected"])
        assert "paused" in sel["badges"] and f"PID {ppid}" in sel["text"]
        # the all-namespaces view names the container on its namespaces
        ui.open(f"?ns=net:{own['net']}")
        assert name in ui.row(lambda r: r["selected"])["text"]
        engines.docker("unpause", paused)


# ------------------------------------------------------------------ search and deep links

@privileged
def test_search_gives_deep_links_that_reveal(ui: UI, browser: Any, tmp_base: str) -> None:
    with nsbuild.run(nsbuild.NETNS_BINDMOUNT.replace("BASE", repr(tmp_base))) as bound, \
            nsbuild.run(nsbuild.PIDNS_CHAIN) as pids:
        ui.open("")
        ui.page.keyboard.press("/")
        ui.page.keyboard.type(str(bound["net"]))
        ui.page.wait_for_selector("#search-hits li[role=option]")
        ui.page.keyboard.press("ArrowDown")
        ui.page.keyboard.press("Enter")
        ui.page.wait_for_url(re.compile(rf"/net\?ns=net:{bound['net']}$"))
        sel = ui.row(lambda r: r["selected"])
        assert sel["nsid"] == f"net:[{bound['net']}]" and sel["focused"]
        link = ui.page.url
        # by PID: the processes view, with the process revealed
        ui.page.fill("#search", str(pids["grandchild"]))
        ui.page.click("#search-hits li:has-text('PID')")
        ui.page.wait_for_url(re.compile(rf"/processes\?pid={pids['grandchild']}$"))
        assert f"({pids['grandchild']})" in ui.row(lambda r: r["selected"])["text"]
        # by name: the search page lists the hits as links
        ui.page.fill("#search", "python")
        ui.page.keyboard.press("Enter")
        ui.page.wait_for_url(re.compile(r"/search\?q=python$"))
        hrefs = ui.page.eval_on_selector_all("ul.hits a", "els => els.map(e => e.getAttribute('href'))")
        assert f"processes?pid={pids['top']}" in hrefs
        # a deep link opened in a fresh browser (the service answers index.html for it)
        other = browser.new_context()
        page = other.new_page()
        console = Console(page)
        try:
            page.goto(link)
            wait_loaded(page)
            page.wait_for_selector("[role=treeitem][aria-selected=true]")
            shown = page.eval_on_selector("[aria-selected=true] .nsid", "e => e.textContent")
            assert shown == f"net:[{bound['net']}]"
            page.goto(f"{ui.server.url}/processes?pid=999999999")
            wait_loaded(page)
            assert "Not in this discovery: process 999999999" in page.inner_text("#error")
            assert console.errors == []
        finally:
            other.close()


# ------------------------------------------------------------------ refresh and what changed

@privileged
def _listed(text: str, section: str, item: str) -> bool:
    """Whether a section of the changes view lists an item -- or lists only its first 500
    (and so possibly not ours: on a busy host, as under nox -s stress, hundreds of
    namespaces come and go between two refreshes)."""
    part = text.split(section, 1)[1]
    for other in ("New namespaces", "Namespaces gone", "New containers", "Containers gone",
                  "New processes", "Processes gone"):
        if other != section:
            part = part.split(other, 1)[0]
    return item in part or " more" in part


def test_refresh_keeps_expansion_and_marks_what_changed(ui: UI) -> None:
    with nsbuild.run(nsbuild.UTS_NET) as first:
        ui.open(f"net?ns=net:{first['net']}")
        ui.page.keyboard.press("ArrowRight")
        row = ui.row(lambda r: r["nsid"] == f"net:[{first['net']}]")
        assert row["expanded"] == "true"
        with nsbuild.run(nsbuild.UTS_NET) as second:
            ui.refresh()
            row = ui.row(lambda r: r["nsid"] == f"net:[{first['net']}]")
            assert row["expanded"] == "true" and row["selected"]
            assert "added" not in row["cls"].split()
            new = ui.row(lambda r: r["nsid"] == f"net:[{second['net']}]")
            assert "added" in new["cls"].split() and "new" in new["badges"]
            ui.page.click("nav a[data-view=changes]")
            text = ui.page.inner_text("#view")
            assert _listed(text, "New namespaces", f"net:[{second['net']}]")
            assert _listed(text, "New processes", '"python')
        ui.refresh()
        text = ui.page.inner_text("#view")
        assert _listed(text, "Namespaces gone", f"net:[{second['net']}]")
        assert _listed(text, "Namespaces gone", f"uts:[{second['uts']}]")
        ui.page.click("nav a[data-view=net]")
        assert ui.row(lambda r: r["nsid"] == f"net:[{first['net']}]")["expanded"] == "true"
        assert not [r for r in ui.rows() if r["nsid"] == f"net:[{second['net']}]"]


def test_auto_refresh_runs_is_remembered_and_expand_collapse_all(ui: UI) -> None:
    ui.open("")
    ui.page.select_option("#interval", "1000")
    wait_loaded(ui.page, 3, timeout=30_000)
    ui.page.reload()
    wait_loaded(ui.page)
    assert ui.page.input_value("#interval") == "1000"
    ui.page.select_option("#interval", "0")
    ui.page.reload()
    wait_loaded(ui.page)
    assert ui.page.input_value("#interval") == "0"
    n = loaded(ui.page)
    time.sleep(2.5)
    assert loaded(ui.page) == n
    ui.expand_all()
    rows = ui.rows()
    assert all(r["expanded"] != "false" for r in rows if not r["cls"].startswith("more"))
    ui.page.click("#collapse-all")
    assert all(r["level"] == 1 for r in ui.rows())


# ------------------------------------------------------------------ dumps from disk

def _write(tmp_path: Path, name: str, data: Any) -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def test_opening_a_dump_shows_it_and_stops_auto_refresh(ui: UI, tmp_path: Path) -> None:
    ui.open("containers")
    ui.page.select_option("#interval", "1000")
    ui.page.set_input_files("#file", str(_write(tmp_path, "other-host.json", ls.landscape())))
    ui.page.wait_for_selector("#dump-banner:not([hidden])")
    banner = ui.page.inner_text("#dump-banner")
    assert "other-host.json" in banner and "Auto refresh is stopped" in banner
    n = loaded(ui.page)
    time.sleep(2.5)
    assert loaded(ui.page) == n  # no discovery replaced the dump
    rows = ui.rows()
    assert [r["text"] for r in rows if r["level"] == 1] == [
        next(r["text"] for r in rows if "docker.com" in r["text"])]
    ui.expand_all()
    web = ui.row(lambda r: "web" in r["text"] and "PID 2000" in r["text"])
    group = ui.row(lambda r: "webapp" in r["text"])
    assert web["level"] == group["level"] + 1 == 3
    ui.page.click("nav a[data-view=all]")
    ui.expand_all()
    alice = ui.row(lambda r: r["nsid"] == f"user:[{ls.U1}]")
    assert "UID 1000 (alice)" in alice["text"] and '"podman" (1200)' in alice["text"]
    hidden = ui.row(lambda r: r["nsid"] == f"user:[{ls.U2}]")
    assert hidden["level"] == alice["level"] + 1 and "hidden" in hidden["text"]
    blue = ui.row(lambda r: r["nsid"] == f"net:[{ls.N7}]")
    assert "bind-mounted at /proc/1/ns/mnt » /run/netns/blue" in blue["text"]
    assert "web" in ui.row(lambda r: r["nsid"] == f"net:[{ls.N3}]")["text"]
    ui.page.click("nav a[data-view=diagnostics]")
    assert "/proc/4000/ns (secret)" in ui.page.inner_text("#view")
    # back to the live discovery
    ui.page.click("#dump-banner button")
    ui.page.wait_for_selector("#dump-banner", state="hidden")


def test_a_go_dump_dropped_on_the_page_opens(ui: UI) -> None:
    ui.open("")
    text = json.dumps(ls.go_old())
    ui.page.evaluate("""(text) => {
        const dt = new DataTransfer();
        dt.items.add(new File([text], 'go-lxkns.json', {type: 'application/json'}));
        document.body.dispatchEvent(new DragEvent('dragenter', {dataTransfer: dt, bubbles: true}));
        document.body.dispatchEvent(new DragEvent('drop',
                                                  {dataTransfer: dt, bubbles: true, cancelable: true}));
    }""", text)
    ui.page.wait_for_selector("#dump-banner:not([hidden])")
    assert "go-lxkns.json" in ui.page.inner_text("#dump-banner")
    assert "Go lxkns format" in ui.page.inner_text("#status")
    ui.page.click("nav a[data-view=net]")
    assert nsids(ui.rows()) == {f"net:[{n}]" for n in (ls.N0, ls.N1, ls.N2, ls.N3, ls.N4, ls.N5, ls.N7)}


def test_a_file_that_is_no_discovery_gets_a_clear_error(ui: UI, tmp_path: Path) -> None:
    ui.open("")
    before = ui.rows()
    ui.page.set_input_files("#file", str(_write(tmp_path, "notes.json", '{"hello": 1}')))
    ui.page.wait_for_selector("#error:not([hidden])")
    assert 'Could not open "notes.json": not a discovery' in ui.page.inner_text("#error")
    ui.page.set_input_files("#file", str(_write(tmp_path, "broken.json", '{"namespaces": ')))
    ui.page.wait_for_function("document.getElementById('error').textContent.includes('broken.json')")
    assert "not JSON" in ui.page.inner_text("#error")
    assert ui.rows() == before and ui.page.is_hidden("#dump-banner")


def test_download_gives_the_discovery_shown(ui: UI, tmp_path: Path) -> None:
    ui.open("")
    with ui.page.expect_download() as info:
        ui.page.click("#download")
    path = tmp_path / "down.json"
    info.value.save_as(path)
    assert json.loads(path.read_text()) == ui.dumps[-1]
    name = info.value.suggested_filename
    assert name.startswith("lxkns-") and name.endswith(".json")


# ------------------------------------------------------------------ keyboard, theme, narrow windows, proxies

def test_the_keyboard_moves_through_a_tree(ui: UI, tmp_path: Path) -> None:
    ui.open("")
    ui.page.set_input_files("#file", str(_write(tmp_path, "landscape.json", ls.landscape())))
    ui.page.wait_for_selector("#dump-banner:not([hidden])")
    assert ui.page.get_attribute("#view ul.tree", "role") == "tree"
    ui.page.focus("#view [role=treeitem]")
    focused = lambda: next(r for r in ui.rows() if r["focused"])  # noqa: E731
    root = focused()
    assert root["nsid"] == f"user:[{ls.U0}]" and root["expanded"] == "true"
    ui.page.keyboard.press("ArrowDown")
    assert focused()["nsid"] == f"user:[{ls.U1}]" and focused()["level"] == 2
    ui.page.keyboard.press("ArrowRight")
    assert focused()["expanded"] == "true"
    ui.page.keyboard.press("ArrowRight")
    assert focused()["nsid"] == f"user:[{ls.U2}]" and focused()["level"] == 3
    ui.page.keyboard.press("ArrowLeft")
    assert focused()["nsid"] == f"user:[{ls.U1}]"
    ui.page.keyboard.press("ArrowLeft")
    assert focused()["expanded"] == "false"
    ui.page.keyboard.press("End")
    last = focused()
    assert last["key"] == ui.rows()[-1]["key"]
    ui.page.keyboard.press("Home")
    assert focused()["key"] == root["key"]
    ui.page.keyboard.press("ArrowDown")
    ui.page.keyboard.press("Enter")
    assert focused()["selected"] and f"user:[{ls.U1}]" in ui.details() and "alice" in ui.details()
    tabbable = ui.page.eval_on_selector_all("#view [role=treeitem][tabindex='0']", "els => els.length")
    assert tabbable == 1
    levels = ui.page.eval_on_selector_all("#view ul[role=group] > [role=treeitem]",
                                          "els => els.map(e => e.getAttribute('aria-level'))")
    assert levels and all(int(x) >= 2 for x in levels)


def test_theme_follows_the_system_and_can_be_switched(browser: Any, server: Server) -> None:
    context = browser.new_context(color_scheme="dark")
    page = context.new_page()
    console = Console(page)
    bg = "getComputedStyle(document.body).backgroundColor"
    try:
        page.goto(server.url)
        wait_loaded(page)
        assert page.evaluate(bg) == "rgb(21, 25, 31)"
        page.click("#theme")
        assert page.evaluate(bg) == "rgb(255, 255, 255)"
        page.reload()
        wait_loaded(page)
        assert page.evaluate(bg) == "rgb(255, 255, 255)"  # remembered
        page.goto(f"{server.url}/settings")
        page.check("input[name=theme][value=system]")
        assert page.evaluate(bg) == "rgb(21, 25, 31)"
        assert console.errors == []
    finally:
        context.close()


def test_a_narrow_window_hides_the_navigation_behind_a_button(browser: Any, server: Server) -> None:
    context = browser.new_context(viewport={"width": 420, "height": 800})
    page = context.new_page()
    console = Console(page)
    try:
        page.goto(f"{server.url}/containers")
        wait_loaded(page)
        assert not page.is_visible("nav a[data-view=net]") or page.evaluate(
            "document.getElementById('nav').getBoundingClientRect().right <= 0")
        page.click("#nav-toggle")
        page.click("nav a[data-view=net]")
        page.wait_for_url(re.compile(r"/net$"))
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        assert console.errors == []
    finally:
        context.close()


def test_behind_a_reverse_proxy_prefix(browser: Any, server: Server) -> None:
    """A proxy that serves the UI under /lxkns/ and strips the prefix (X-Forwarded-Prefix)."""
    context = browser.new_context()
    page = context.new_page()
    console = Console(page)
    seen: list[str] = []

    def proxy(route: Any) -> None:
        url = route.request.url
        seen.append(url)
        stripped = url.replace(f"{server.url}/lxkns/", f"{server.url}/", 1)
        route.continue_(url=stripped, headers={**route.request.headers, "x-forwarded-prefix": "/lxkns"})

    try:
        page.route(f"{server.url}/lxkns/**", proxy)
        page.goto(f"{server.url}/lxkns/mounts")
        wait_loaded(page)
        assert f"{server.url}/lxkns/api/namespaces" in seen and f"{server.url}/lxkns/js/app.js" in seen
        page.click("nav a[data-view=containers]")
        page.wait_for_url(f"{server.url}/lxkns/containers")
        assert console.errors == []
    finally:
        context.close()


__all__ = ["IS_ROOT"]


def test_what_changed_uses_stable_namespace_ids_where_the_dumps_have_them(ui: UI) -> None:
    """An inode number reused by a new namespace is a change when the 64-bit IDs differ;
    IDs beyond 2^53 stay exact."""
    ui.open("")
    before, after = ls.landscape(), ls.landscape()
    for d, sid in ((before, 2**60 + 1), (after, 2**60 + 3)):
        for n in d["namespaces"].values():
            n["stable-id"] = 1000 + n["nsid"] % 1000
        d["namespaces"][str(ls.N3)]["stable-id"] = sid
    result = ui.page.evaluate("""async ([a, b]) => {
        const m = await import('./js/model.js');
        const { diff } = await import('./js/diff.js');
        const x = m.buildDiscovery(m.parseJson(a)), y = m.buildDiscovery(m.parseJson(b));
        const plain = m.buildDiscovery(JSON.parse(a.replaceAll('"stable-id"', '"other"')));
        const d = diff(x, y), same = diff(plain, y);
        return { stable: d.stable, appeared: d.appeared.namespaces.map((n) => n.uid),
                 gone: d.gone.namespaces.map((n) => n.nsid64), plainStable: same.stable,
                 plainChanged: same.appeared.namespaces.length + same.gone.namespaces.length };
    }""", [json.dumps(before), json.dumps(after)])
    assert result == {"stable": True, "appeared": [f"id:{2**60 + 3}"], "gone": [str(2**60 + 1)],
                      "plainStable": False, "plainChanged": 0}
