"""The views for people: HTML for Jupyter, IPython text, rich trees, networkx, records."""

from __future__ import annotations

import copy
import html
import io
import os
import re
from typing import Any

import pytest

import lxkns

import synthetic

HOSTILE = '</pre><script>alert("x")</script><img src=x onerror=alert(1)>[bold]boom[/bold]\x1b[31m'


@pytest.fixture(scope="module")
def d() -> lxkns.Discovery:
    return lxkns.Discovery.from_dict(synthetic.landscape(60))


def hostile_landscape() -> dict[str, Any]:
    """A host where a process, a container, a label and a mount path carry markup."""
    data = synthetic.landscape(30)
    proc = data["processes"]["901"]
    proc["name"] = HOSTILE[:15]
    proc["cmdline"] = [HOSTILE, "--x"]
    web = next(c for c in data["containers"].values() if c["name"] == "web")
    web["name"] = HOSTILE
    web["labels"][HOSTILE] = HOSTILE
    host = data["mounts"]["4026531841"]
    host["/mnt/" + HOSTILE] = copy.deepcopy(host["/mnt/data/cache"])
    host["/mnt/" + HOSTILE]["mounts"][0].update(mountid=777, mountpoint="/mnt/" + HOSTILE)
    host["/mnt/" + HOSTILE]["pathid"] = 77
    return data


def objects(d: lxkns.Discovery) -> list[object]:
    table = d.mounts[d.initial_namespaces[lxkns.MNT].id]
    return [d, d.namespace("net:[4026532190]"), d.user_roots[0], d.user_roots[0].children[0],
            d.initial_namespaces[lxkns.PID], d.initial_namespaces[lxkns.MNT], d.process(1),
            d.process(1).tasks[0], d.container("web"), d.container("web").engine, d.container_groups[0],
            table, table["/mnt/data"], table["/mnt/data"].mounts[0]]


# ---------------------------------------------------------------- HTML


def test_every_kind_has_html_with_its_facts_and_a_text_fallback(d: lxkns.Discovery) -> None:
    for obj in objects(d):
        out = obj._repr_html_()  # type: ignore[attr-defined]
        assert out.startswith('<div class="lxkns-repr"><style>'), type(obj)
        fallback = re.search(r'<pre class="lxkns-text">(.*?)</pre>', out, re.S)
        assert fallback is not None and html.unescape(fallback.group(1)).startswith(repr(obj))
        assert '<div class="lxkns-html" style="display:none">' in out  # until the stylesheet shows it
        assert "<script" not in out.lower() and "javascript:" not in out.lower()
        assert not re.search(r"\son\w+=", out)


def test_html_says_what_matters(d: lxkns.Discovery) -> None:
    out = d._repr_html_()
    assert "58 namespaces" in out and "60 processes" in out
    for section in ("Namespaces", "User namespace tree", "PID namespace tree", "Processes", "Containers",
                    "Container engines", "Mount tables", "Diagnostics"):
        assert f"<summary>{section}<span" in out, section
    web = d.container("web")._repr_html_()
    assert "nginx" in web and "com.docker.compose.project" in web and web.count("lxkns-mono") >= 8
    table = d.mounts[d.initial_namespaces[lxkns.MNT].id]._repr_html_()
    assert "Overmounted and unreachable paths" in table and "/mnt/data" in table
    assert "overmounted" in table
    batch = d.container("batch")._repr_html_()
    assert '<span class="lxkns-badge">paused</span>' in batch


def test_hostile_names_are_escaped_everywhere() -> None:
    d = lxkns.Discovery.from_dict(hostile_landscape())
    web = next(c for c in d.containers if c.name == HOSTILE)
    table = d.mounts[d.initial_namespaces[lxkns.MNT].id]
    for obj in (d, d.process(901), web, table, table["/mnt/" + HOSTILE], d.user_roots[0]):
        out = obj._repr_html_()  # type: ignore[attr-defined]
        assert "<script" not in out and "<img" not in out and "\x1b" not in out
        assert out.count("</pre>") == 1  # the fallback's own end, nothing else closes it
    assert html.escape("<script>") in d.process(901)._repr_html_()


def test_a_ten_thousand_process_discovery_is_cut_to_size() -> None:
    big = lxkns.Discovery.from_dict(synthetic.landscape(10_000, worker_namespaces=2_000, rootless=1_000))
    assert len(big.processes) == 10_000 and len(big) > 9_000 and len(big.user_namespaces) > 1_000
    out = big._repr_html_()
    size = len(out.encode())
    assert size < 500_000, size
    assert "… 9,900 more processes not shown" in out
    net = len(big.namespaces[lxkns.NET])
    assert f"… {net - 40:,} more net namespaces not shown" in out
    assert "more PID namespaces not shown" in out and "more user namespaces not shown" in out
    text = lxkns.views.text.text(big)
    assert len(text) < 5_000


def test_big_single_objects_are_cut_too() -> None:
    big = lxkns.Discovery.from_dict(synthetic.landscape(10_000, worker_namespaces=2))
    root_pid = big.initial_namespaces[lxkns.PID]
    supervisor = max((p for p in big.processes.values() if p.name == "supervisor"),
                     key=lambda p: len(p.children))
    for obj, limit in ((big.user_roots[0], 200_000), (supervisor, 100_000), (root_pid, 200_000)):
        out = obj._repr_html_()  # type: ignore[attr-defined]
        assert len(out.encode()) < limit, (obj, len(out))
        assert "more" in out
    assert f"… {len(supervisor.children) - 100:,} more children not shown" in supervisor._repr_html_()


# ---------------------------------------------------------------- text, IPython, rich


def test_ipython_pretty_is_the_text_view(d: lxkns.Discovery) -> None:
    pretty = pytest.importorskip("IPython.lib.pretty")
    for obj in objects(d):
        assert pretty.pretty(obj) == lxkns.views.text.text(obj)
    text = pretty.pretty(d)
    assert "user:[4026532200] uid 1000 (alice): owns 7 namespaces, 4 processes" in text
    assert "containers    5 (docker.com 3, podman.io 2)" in text


def test_rich_trees(d: lxkns.Discovery) -> None:
    rich_console = pytest.importorskip("rich.console")
    for obj in objects(d):
        console = rich_console.Console(file=io.StringIO(), width=120, color_system=None)
        console.print(obj)
        out = console.file.getvalue()  # type: ignore[attr-defined]
        assert out.strip(), type(obj)
    console = rich_console.Console(file=io.StringIO(), width=120, color_system=None)
    console.print(d)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert "user:[4026532201] uid 1000 (alice)" in out and "batch  docker.com" in out


def test_rich_prints_hostile_names_as_they_are() -> None:
    rich_console = pytest.importorskip("rich.console")
    d = lxkns.Discovery.from_dict(hostile_landscape())
    console = rich_console.Console(file=io.StringIO(), width=400, color_system=None)
    console.print(d.process(901))
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert "[bold]boom[/bold]" in out  # not taken as markup


def test_without_rich_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch,
                                                     d: lxkns.Discovery) -> None:
    import builtins

    real = builtins.__import__

    def no_rich(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.split(".")[0] == "rich":
            raise ImportError("no rich here")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_rich)
    with pytest.raises(ImportError, match=r"pip install 'lxkns\[rich\]'"):
        d.__rich__()


# ---------------------------------------------------------------- networkx and records


def test_networkx_graph_is_typed_and_navigable(d: lxkns.Discovery) -> None:
    nx = pytest.importorskip("networkx")
    g = d.to_networkx()
    assert isinstance(g, nx.MultiDiGraph)
    kinds = {k for _, k in g.nodes(data="kind")}
    assert kinds == {"namespace", "process", "container", "engine"}
    assert sum(1 for _, k in g.nodes(data="kind") if k == "namespace") == len(d)
    web = d.container("web")
    assert web.process is not None
    edges = {(k, v) for _, v, k in g.out_edges(web.process, data="kind")}
    assert ("container", web) in edges and ("parent", web.process.parent) in edges
    assert ("member", web.process.namespaces[lxkns.NET]) in edges
    assert (web, web.engine, "engine") in {(u, v, k) for u, v, k in g.edges(data="kind")}
    nested = d.user_roots[0].children[0].children[0]
    assert list(g.successors(nested)) == [d.user_roots[0].children[0]]
    owned = [u for u, _, k in g.in_edges(nested, data="kind") if k == "owner"]
    assert sorted(ns.type_id for ns in owned) == sorted(ns.type_id for ns in nested.owned_namespaces())
    # something to query: the processes in the network namespaces that alice's namespaces own
    alice = d.user_roots[0].children[0]
    alice_net = [u for u, _, k in g.in_edges(alice, data="kind") if k == "owner"
                 and g.nodes[u]["type"] == "net"]
    members = {p for ns in alice_net for p, _, k in g.in_edges(ns, data="kind") if k == "member"}
    assert {p.name for p in members} == {"python3"}


def test_records_are_plain_and_pandas_takes_them(d: lxkns.Discovery) -> None:
    for rows, count in ((d.namespace_records(), len(d)), (d.process_records(), len(d.processes)),
                        (d.mount_records(), sum(len(t.mount_points) for t in d.mounts.values())),  # type: ignore[attr-defined]
                        (d.container_records(), len(d.containers))):
        assert len(rows) == count
        assert len({tuple(r) for r in rows}) == 1  # the same columns in every row
        for row in rows:
            assert all(v is None or type(v) in (str, int, bool) for v in row.values()), row
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame.from_records(d.process_records())
    assert list(frame["pid"])[:1] == [1] and frame.loc[frame["pid"] == 1, "net_ino"].item() == 4026531840
    ns = pd.DataFrame.from_records(d.namespace_records())
    assert ns.groupby("type").size()["net"] == len(d.namespaces[lxkns.NET])
    mounts = pd.DataFrame.from_records(d.mount_records())
    assert set(mounts.loc[mounts["hidden"], "mount_point"]) >= {"/mnt/data", "/proc/kcore"} - {"/proc/kcore"}


def test_unknown_record_kinds_are_refused(d: lxkns.Discovery) -> None:
    with pytest.raises(ValueError, match="no records of 'threads'"):
        lxkns.views.records.records(d, "threads")


# ---------------------------------------------------------------- the mount table object


def test_mount_table_is_a_read_only_mapping(d: lxkns.Discovery) -> None:
    mntns = d.initial_namespaces[lxkns.MNT]
    assert isinstance(mntns, lxkns.MountNamespace)
    table = d.mounts[mntns.id]
    assert isinstance(table, lxkns.MountTable) and table is mntns.mounts and table.mntns is mntns
    assert list(table) == sorted(table) and table["/"].path == "/" and "/nope" not in table
    assert table == dict(table.items())
    with pytest.raises(TypeError):
        table["/x"] = table["/"]  # type: ignore[index]
    assert [p.path for p in table.overmounted_paths] == ["/mnt/data"]
    assert repr(table) == f"<MountTable of mnt:[{mntns.id.ino}] {len(table)} paths>"


def test_a_live_discovery_renders() -> None:
    live = lxkns.discover(lxkns.FULL)
    me = live.process(os.getpid())
    for obj in (live, me, me.namespaces[lxkns.NET], *list(live.mounts.values())[:1]):
        assert obj._repr_html_().startswith('<div class="lxkns-repr">')  # type: ignore[attr-defined]
        assert lxkns.views.text.text(obj).startswith(repr(obj))
