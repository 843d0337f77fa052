"""The model's types: immutability, identity, text forms, navigation and lookups."""

from __future__ import annotations

import os

import attrs
import pytest

import lxkns
from lxkns import NamespaceID, NamespaceType, ParseError

from conftest import discover


@pytest.fixture(scope="module")
def d() -> lxkns.Discovery:
    return lxkns.discover(lxkns.FULL)


def test_namespace_types() -> None:
    assert [str(t) for t in NamespaceType.all().members()] == [
        "cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"]
    assert NamespaceType.from_name("net") is lxkns.NET
    assert int(lxkns.NET) == 0x40000000 and int(lxkns.TIME) == 0x80
    assert (lxkns.NET | lxkns.USER).members() == (lxkns.NET, lxkns.USER)
    assert str(lxkns.NET | lxkns.USER) == "net|user"
    with pytest.raises(ParseError):
        NamespaceType.from_name("netns")
    with pytest.raises(ValueError):
        _ = (lxkns.NET | lxkns.USER).type_name


def test_namespace_ids_order_and_compare() -> None:
    a, b = NamespaceID(4, 100), NamespaceID(4, 200)
    assert a < b and a == NamespaceID(4, 100) and len({a, NamespaceID(4, 100)}) == 1
    assert str(a) == "NamespaceID(4,100)"


def test_everything_is_frozen(d: lxkns.Discovery) -> None:
    ns = d.namespaces[lxkns.NET][next(iter(d.namespaces[lxkns.NET]))]
    proc = d.process(os.getpid())
    for obj, field, value in ((ns, "ref", ()), (ns, "owner", None), (proc, "pid", 1),
                              (proc.tasks[0], "tid", 3), (d, "processes", {}),
                              (d.diagnostics[0] if d.diagnostics else ns, "count", 0)):
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            setattr(obj, field, value)
    with pytest.raises(TypeError):
        d.namespaces[lxkns.NET][ns.id] = ns  # type: ignore[index]
    with pytest.raises(TypeError):
        proc.namespaces[lxkns.NET] = ns  # type: ignore[index]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        d.pid_map.chains = {}  # type: ignore[misc,union-attr]


def test_identity_is_the_key_across_discoveries(d: lxkns.Discovery) -> None:
    other = lxkns.discover()
    me1, me2 = d.process(os.getpid()), other.process(os.getpid())
    assert me1 == me2 and hash(me1) == hash(me2) and me1 is not me2
    net1, net2 = me1.namespaces[lxkns.NET], me2.namespaces[lxkns.NET]
    assert net1 == net2 and hash(net1) == hash(net2)
    assert net1 != me1.namespaces[lxkns.USER]
    assert {net1, net2} == {net1}


def test_reprs_are_one_short_line_and_never_recurse(d: lxkns.Discovery) -> None:
    objects: list[object] = [d, *d.all_namespaces(), *d.processes.values()]
    objects += [t for p in d.processes.values() for t in p.tasks]
    objects += list(d.diagnostics)
    for obj in objects:
        text = repr(obj)
        assert "\n" not in text and len(text) < 300, text
    me = d.process(os.getpid())
    assert repr(me) == f"<Process {os.getpid()} {me.name!r}>"
    assert str(me.namespaces[lxkns.NET]).startswith("net:[")


def test_navigation_up_and_down(d: lxkns.Discovery) -> None:
    root = d.user_roots[0]
    assert root.parent is None and root.depth == 0
    everything = list(root.walk())
    assert everything[0] is root
    for user in everything:
        assert user.root is root
        for child in user.children:
            assert child.parent is user
    me = d.process(os.getpid())
    net = me.namespaces[lxkns.NET]
    owners = list(net.owners())
    assert owners[0] is net.owner and owners[-1].parent is None
    assert me in net.processes and net.ealdorman in net.leaders
    assert me in [p for leader in net.leaders for p in leader.walk()]
    assert next(me.ancestors()) is me.parent
    assert me.tasks[0].process is me and me.tasks[0].is_main
    for user in d.user_namespaces.values():
        for owned in user.owned_namespaces():
            assert owned.owner is user


def test_lookups(d: lxkns.Discovery) -> None:
    me = d.process(os.getpid())
    net = me.namespaces[lxkns.NET]
    assert d.namespace(net.type_id) is net
    assert d.namespace(net.id, lxkns.NET) is net
    assert d.namespace(net.id.ino, lxkns.NET) is net
    assert d.task(os.getpid()) is me.tasks[0]
    with pytest.raises(ParseError):
        d.namespace("net:[not-a-number]")
    with pytest.raises(ParseError):
        d.namespace("nope")
    with pytest.raises(lxkns.UnknownNamespaceError):
        d.namespace("net:[1]")
    with pytest.raises(lxkns.UnknownProcessError):
        d.process(2**31)
    with pytest.raises(TypeError):
        d.namespace(net.id)  # type: ignore[call-overload]
    assert len(d) == sum(len(m) for m in d.namespaces.values())


def test_type_arguments() -> None:
    assert lxkns.DiscoveryOptions(types="net").types is lxkns.NET
    assert lxkns.DiscoveryOptions(types="net, pid").types == lxkns.NET | lxkns.PID
    assert lxkns.DiscoveryOptions(types=int(lxkns.USER)).types is lxkns.USER
    empty = lxkns.DiscoveryOptions(types=0)
    assert empty.effective_types == lxkns.NamespaceType(0)
    with pytest.raises(ParseError):
        lxkns.DiscoveryOptions(types=1)
    d = lxkns.discover(types=0)
    assert len(d) == 0 and os.getpid() in d.processes


def test_options() -> None:
    assert lxkns.STANDARD.from_tasks and lxkns.STANDARD.from_sockets and not lxkns.STANDARD.with_pid_map
    assert lxkns.FULL.with_pid_map and lxkns.FULL.with_affinity
    o = lxkns.STANDARD.replace(types=["net", "pid"], with_ownership=False)
    assert o.types == lxkns.NET | lxkns.PID and o.effective_types == o.types
    assert lxkns.STANDARD.replace(types=lxkns.NET).effective_types == lxkns.NET | lxkns.USER
    with pytest.raises(ValueError):
        lxkns.DiscoveryOptions(workers=0)
    with pytest.raises(ParseError):
        lxkns.DiscoveryOptions(types=["bogus"])


def test_type_filter_limits_what_is_reported(scanner: str) -> None:
    d = discover(scanner, lxkns.STANDARD, types=lxkns.NET, with_ownership=False)
    assert {ns.type for ns in d.all_namespaces()} == {lxkns.NET}
    d = discover(scanner, lxkns.STANDARD, types=lxkns.NET)
    assert {ns.type for ns in d.all_namespaces()} == {lxkns.NET, lxkns.USER}
    for ns in d.namespaces[lxkns.NET].values():
        assert ns.owner is not None or ns.hidden


def test_the_main_thread_is_one_object_with_the_process_values() -> None:
    """Made on first use, once, also when several threads ask at the same time."""
    import threading

    d = lxkns.discover(lxkns.STANDARD)
    procs = list(d.processes.values())
    seen: list[list[lxkns.Task]] = [[], []]
    start = threading.Barrier(2)

    def grab(out: list[lxkns.Task]) -> None:
        start.wait()
        out.extend(p.tasks[0] for p in procs)

    workers = [threading.Thread(target=grab, args=(out,)) for out in seen]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert all(a is b for a, b in zip(*seen, strict=True))
    for p in procs:
        main = p.tasks[0]
        assert main is p.tasks[0] and main.is_main and main.process is p and main.tid == p.pid
        assert (main.name, main.starttime, main.state, main.cpu_cgroup, main.namespaces) == (
            p.name, p.starttime, p.state, p.cpu_cgroup, p.namespaces)
        assert all(t.process is p and not t.is_main for t in p.tasks[1:])
    me = d.process(os.getpid())
    assert d.task(os.getpid()) is me.tasks[0]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        me.tasks = ()  # type: ignore[misc]


def test_a_process_made_by_hand_keeps_the_tasks_it_was_given() -> None:
    p = lxkns.Process(pid=7, name="x", starttime=1)
    t = lxkns.Task(tid=7, process=p, name="x", starttime=1)
    given = lxkns.Process(pid=8, name="y", starttime=2, tasks=(t,))
    assert given.tasks == (t,)
    assert p.tasks[0].tid == 7 and p.tasks[0].process is p and len(p.tasks) == 1


@pytest.mark.parametrize("cls", [lxkns.Process, lxkns.Task, lxkns.UserNamespace])
def test_the_positional_maker_fills_every_field_as_init_does(cls: type) -> None:
    """The builders' fast makers (the named fields positionally, defaults for the rest)
    give objects that are field for field what the keyword __init__ gives, as frozen."""
    from lxkns.model._making import positional_maker

    fields = attrs.fields(cls)
    for given in (fields, fields[:2], fields[::-1]):
        values = [object() for _ in given]
        made = positional_maker(cls, *(a.alias for a in given))(*values)
        by_init = cls(**{a.alias: v for a, v in zip(given, values, strict=True)})
        assert type(made) is cls
        for a in fields:
            assert getattr(made, a.name) is getattr(by_init, a.name)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        made.name = "other"
    with pytest.raises(TypeError, match="no plain default"):  # a field without one is needed
        positional_maker(cls, fields[0].alias)
    with pytest.raises(TypeError, match="no fields"):
        positional_maker(cls, "no_such_field")


def test_the_positional_maker_refuses_classes_that_convert() -> None:
    from lxkns.model._making import positional_maker

    with pytest.raises(TypeError, match="converts"):
        positional_maker(lxkns.DiscoveryOptions, "types")
