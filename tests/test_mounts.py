"""Mount discovery against mount namespaces built here: overmounts, bind mounts,
escaped paths, propagation across namespaces, process-less namespaces, an
overmounted root -- and listmount(), mountinfo and the pure scanner agreeing.

Ground truth (mount IDs, namespace inodes) comes from the scenario processes:
/proc/self/fdinfo's mnt_id of each mount while it was on top, and readlink of
their namespace links; never from lxkns or from parsing mountinfo.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import lxkns
from lxkns import MountNamespace, MountPoint, Source

from conftest import nsbuild

pytestmark = pytest.mark.privileged

# (scanner, listmount): how a mount table is read
MODES = ([("native", True), ("native", False)] if lxkns.native_available() else []) + [("python", False)]


@pytest.fixture(params=MODES, ids=lambda m: f"{m[0]}-{'listmount' if m[1] else 'mountinfo'}")
def mode(request: pytest.FixtureRequest) -> tuple[str, bool]:
    return request.param  # type: ignore[no-any-return]


def discover(mode: tuple[str, bool]) -> lxkns.Discovery:
    scanner, listmount = mode
    return lxkns.discover(lxkns.FULL, native=scanner == "native", listmount=listmount)


def mntns(d: lxkns.Discovery, ino: int) -> MountNamespace:
    ns = d.namespace(f"mnt:[{ino}]")
    assert isinstance(ns, MountNamespace)
    return ns


@pytest.fixture
def mounts_scenario(tmp_base: str) -> Iterator[nsbuild.Scenario]:
    with nsbuild.run(nsbuild.MOUNTS.replace("BASE", repr(tmp_base))) as sc:
        yield sc


def test_overmounts_bind_mounts_and_escaped_paths(mode: tuple[str, bool],
                                                  mounts_scenario: nsbuild.Scenario) -> None:
    sc = mounts_scenario
    d = discover(mode)
    ns = mntns(d, sc["mnt"])
    expected_via = "listmount" if mode == ("native", True) else "mountinfo"
    assert ns.mount_table_via == expected_via
    assert d.mounts[ns.id] is ns.mounts
    base, ids = sc["base"], sc["ids"]
    paths = ns.mounts
    base_mount = paths[base].visible
    assert base_mount is not None and base_mount.mount_id == ids["base"]
    assert (base_mount.fstype, base_mount.source, base_mount.root) == ("tmpfs", "lxkns-base", "/")
    assert base_mount.mntns is ns and base_mount.path is paths[base]

    # in place: the lower tmpfs is still there, hidden under the upper one
    on_a = paths[f"{base}/a"]
    lower, upper = on_a.mounts
    assert (lower.mount_id, upper.mount_id) == (ids["lower"], ids["upper"])
    assert lower.hidden and not upper.hidden and on_a.visible is upper
    assert (lower.source, upper.source) == ("lxkns-lower", "lxkns-upper")
    assert upper.parent is lower and lower.children == (upper,) and lower.parent is base_mount
    assert "mode=700" in upper.super_options and upper.mount_options[0] == "rw"

    # higher up: /b hides /b/c, although /b/c was mounted first and is not below it in the tree
    deep, cover = paths[f"{base}/b/c"], paths[f"{base}/b"]
    assert [m.mount_id for m in deep.mounts] == [ids["deep"]] and deep.mounts[0].hidden
    assert deep.hidden and deep.visible is None
    assert cover.visible is not None and cover.visible.mount_id == ids["cover"]
    assert deep.mounts[0].parent is base_mount and cover.visible.parent is base_mount
    assert deep.parent is cover and deep in cover.children and cover.parent is paths[base]

    # a bind mount of a subdirectory shows where in the filesystem it comes from
    bound = paths[f"{base}/bound"].visible
    assert bound is not None and bound.mount_id == ids["bound"]
    assert (bound.root, bound.source, bound.dev) == ("/src/sub", "lxkns-base", base_mount.dev)

    # escaped characters in paths and sources come back as they were
    for i, (path, mid) in enumerate(zip(sc["weird"], sc["weird_ids"], strict=True)):
        m = paths[path].visible
        assert m is not None and m.mount_id == mid, path
        assert m.mount_point == path and m.source == f"lxkns weird {i}"

    assert set(ns.mount_points) == {m for p in paths.values() for m in p.mounts}
    assert ns.mount_point(ids["upper"]) is upper
    assert {m.mount_id for m in base_mount.walk()} >= set(ids.values()) | set(sc["weird_ids"])
    assert not any(m.hidden for m in ns.visible_mounts())


def _dump(ns: MountNamespace, ours: set[int], base: str | None = None) -> list[Any]:
    """Everything about a mount table that the three ways of reading it must agree on.

    Only what the test built counts: peers, masters and slaves in the mount namespaces it
    built (any process on the busy host that unshares its mount namespace adds some), and
    with ``base`` only the mounts below it and the root (a namespace copied from the
    host's holds copies of mounts that others make and remove all the time)."""
    def kept(m: MountPoint) -> bool:
        return base is None or m.mount_point == "/" or m.mount_point.startswith(base)

    def ids(ms: tuple[MountPoint, ...]) -> list[tuple[int, int]]:
        return [(m.mntns_id.ino, m.mount_id) for m in ms if m.mntns_id.ino in ours and kept(m)]

    table = [(m.mount_id, m.parent_id, m.major, m.minor, m.root, m.mount_point, m.mount_options,
              dict(m.tags), m.fstype, m.source, m.super_options, m.hidden, ids(m.peers), ids(m.masters),
              ids(m.slaves), m.parent.mount_id if m.parent else None, ids(m.children))
             for m in ns.mount_points if kept(m)]
    tree = [(p.path, p.parent.path if p.parent else None,
             [c.path for c in p.children if base is None or c.path.startswith(base)],
             [m.mount_id for m in p.mounts]) for p in ns.mounts.values()
            if base is None or p.path == "/" or p.path.startswith(base)]
    return [table, tree]


def test_listmount_mountinfo_and_pure_scanner_agree(tmp_base: str) -> None:
    if len(MODES) < 3:
        pytest.skip("the compiled scanner is not available")
    with nsbuild.run(nsbuild.MOUNTS.replace("BASE", repr(tmp_base))) as sc_m, \
         nsbuild.run(nsbuild.PROPAGATION.replace("BASE", repr(tmp_base + "-prop"))) as sc_p, \
         nsbuild.run(nsbuild.CONTAINERISH.replace("BASE", repr(tmp_base + "-box"))
                     .replace("HOLD", '"bind"')) as sc_c:
        inos = [sc_m["mnt"], sc_p["a"]["mnt"], sc_p["b"]["mnt"], sc_p["c"]["mnt"], sc_c["mnt"]]
        found = [discover(m) for m in MODES]
        vias = [[mntns(d, ino).mount_table_via for ino in inos] for d in found]
        assert vias == [["listmount"] * 5, ["mountinfo"] * 5, ["mountinfo"] * 5]
        bases = [tmp_base, tmp_base, tmp_base, tmp_base, None]  # the container-like one is all its own
        dumps = [[_dump(mntns(d, ino), set(inos), base) for ino, base in zip(inos, bases, strict=True)]
                 for d in found]
        assert dumps[0] == dumps[1]
        assert dumps[1] == dumps[2]
        assert all(len(mntns(found[0], ino).mount_points) for ino in inos)


def test_propagation_between_mount_namespaces(mode: tuple[str, bool], tmp_base: str) -> None:
    with nsbuild.run(nsbuild.PROPAGATION.replace("BASE", repr(tmp_base))) as sc:
        d = discover(mode)
        base = sc["base"]
        a, b, c = (mntns(d, sc[k]["mnt"]).mounts[base].visible for k in "abc")
        assert a is not None and b is not None and c is not None
        assert [m.mount_id for m in (a, b, c)] == [sc[k]["id"] for k in "abc"]
        # a and b are peers; c receives from their peer group
        assert a.peer_group is not None and a.peer_group == b.peer_group
        assert c.peer_group is None and c.master_group == a.peer_group
        assert (a.propagation, b.propagation, c.propagation) == ("shared", "shared", "slave")
        assert a.peers == (b,) and b.peers == (a,)
        assert a.slaves == (c,) and b.slaves == (c,)
        assert set(c.masters) == {a, b} and c.peers == () and c.slaves == ()
        assert {m.mntns.id.ino for m in c.masters if m.mntns} == {sc["a"]["mnt"], sc["b"]["mnt"]}
        # "later", mounted in a only, propagated to b (a peer again) and c (a slave again)
        later = {k: mntns(d, sc[k]["mnt"]).mounts[f"{base}/later"].visible for k in "abc"}
        assert {k: m.mount_id for k, m in later.items() if m} == sc["later_ids"]
        assert later["a"] is not None and later["b"] is not None and later["c"] is not None
        assert later["a"].peers == (later["b"],) and later["a"].slaves == (later["c"],)
        assert later["c"].masters == tuple(sorted((later["a"], later["b"]),
                                                  key=lambda m: (m.mntns_id.ino, m.mount_id)))


@pytest.mark.parametrize("hold", ["bind", "fd"])
def test_processless_mount_namespace_lists_its_mounts(mode: tuple[str, bool], tmp_base: str,
                                                      hold: str) -> None:
    script = nsbuild.CONTAINERISH.replace("BASE", repr(tmp_base)).replace("HOLD", repr(hold))
    with nsbuild.run(script) as sc:
        d = discover(mode)
        ns = mntns(d, sc["mnt"])
        assert ns.processes == () and ns.ealdorman is None
        if hold == "bind":
            assert Source.BINDMOUNT in ns.sources and ns.ref[-1] == sc["mntfile"] and len(ns.ref) == 2
        else:
            assert ns.sources == {Source.FD} and ns.ref == (f"/proc/{sc['pid']}/fd/{sc['fd']}",)
        # its only mount: the container's tmpfs root (the old root was unmounted)
        assert list(ns.mounts) == ["/"]
        root = ns.mounts["/"].visible
        assert root is not None and (root.fstype, root.source, root.hidden) == ("tmpfs", "lxkns-root", False)
        assert d.mounts[ns.id]["/"] is ns.mounts["/"]


def test_root_overmounted(mode: tuple[str, bool]) -> None:
    with nsbuild.run(nsbuild.ROOT_OVERMOUNT) as sc:
        d = discover(mode)
        ns = mntns(d, sc["mnt"])
        top = ns.mounts["/"].visible
        assert top is not None and top.source == "lxkns-overroot"
        # a process' own view (mountinfo) still lists the root it keeps, hidden now; from
        # inside the namespace (listmount) only what is below the top is listed
        lower = [m for m in ns.mount_points if m.mount_id == sc["lower"]]
        assert all(m.hidden for m in lower)
        assert len(lower) == (0 if mode == ("native", True) else 1)
        if lower:
            assert top.parent is lower[0] and ns.mounts["/"].mounts == (lower[0], top)
            assert all(m.hidden for m in lower[0].children if m is not top)


def test_mounts_off_by_default_and_with_mounts_alone(mounts_scenario: nsbuild.Scenario) -> None:
    d = lxkns.discover()
    assert d.mounts == {} and mntns(d, mounts_scenario["mnt"]).mounts == {}
    d = lxkns.discover(types=lxkns.NET, with_mounts=True, with_ownership=False)
    ns = mntns(d, mounts_scenario["mnt"])  # with_mounts brings the mount namespaces along
    assert f"{mounts_scenario['base']}/a" in ns.mounts and d.namespaces[lxkns.USER] == {}
