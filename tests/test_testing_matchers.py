"""The matchers of lxkns.testing: on a made-up host, after JSON round trips, and on real
containers of real engines."""

from __future__ import annotations

import copy
from contextlib import ExitStack

import pytest

import lxkns
from lxkns.testing import (
    a_container,
    a_docker_container,
    a_group,
    a_pod,
    assert_that,
    has_label,
    in_a_group,
    in_a_pod,
    paused,
    same_namespace,
    same_process,
    same_process_table,
    same_process_tree,
    similar_task,
    the_one,
)

import synthetic
from conftest import enginectl


@pytest.fixture(scope="module")
def d() -> lxkns.Discovery:
    return lxkns.Discovery.from_dict(synthetic.landscape(60))


def test_container_matchers(d: lxkns.Discovery) -> None:
    web, batch = d.container("web"), d.container("batch")
    assert web == a_container(name="web") and web == a_container(name=web.id)  # name or ID
    assert web == a_container(type="docker.com", strict_type="docker.com", flavor="docker.com")
    assert web == a_docker_container(name="web", paused=False)
    assert web == a_container(labels={"com.docker.compose.service": "web",
                                      "com.docker.compose.project": None})
    assert web == a_container(group="shop") and web == in_a_group(type="com.docker.compose.project")
    assert web == has_label("com.docker.compose.project", "shop")
    assert batch == paused() and web != paused()
    assert a_docker_container(name="web") in d.containers
    assert a_container(name="web", paused=True) not in d.containers
    notebook = d.container("notebook")
    assert notebook != a_docker_container() and notebook == a_container(type="podman.io")
    assert d.container_groups[0] == a_group(name="shop", type="com.docker.compose.project")
    assert d.container_groups[0] != a_pod()
    assert the_one(d.containers, a_container(group="shop", name="db")) is d.container("db")


def test_mismatches_say_what_differs(d: lxkns.Discovery) -> None:
    web = d.container("web")
    m = a_container(name="api", strict_type="podman.io",
                    labels={"tier": None, "com.docker.compose.service": "db"},
                    paused=True, pod="shop")
    assert m.mismatches(web) == [
        "name or ID: wanted 'api', is 'web'",
        "type: wanted 'podman.io', is 'docker.com'",
        "label 'tier': missing",
        "label 'com.docker.compose.service': wanted 'db', is 'web'",
        "paused: wanted a paused container, it runs",
        "pod: wanted one that is a_pod(name='shop'); its groups: "
        "com.docker.compose.project 'shop'",
    ]
    assert a_container().mismatches(d.process(1)) == ["not a container but a Process"]
    with pytest.raises(AssertionError, match=r"is not a_docker_container\(name='nope'\):\n  name or ID"):
        assert_that(web, a_docker_container(name="nope"))
    with pytest.raises(AssertionError, match="none of 5 items is a_container"):
        the_one(d.containers, a_container(name="nope"))
    with pytest.raises(AssertionError, match="3 items are"):
        the_one(d.containers, a_docker_container())
    with pytest.raises(TypeError):
        hash(a_container())


def test_same_as_matchers_hold_after_a_json_round_trip() -> None:
    live = lxkns.discover(lxkns.STANDARD)
    back = lxkns.Discovery.from_json(live.to_json())
    for ns in live.all_namespaces():
        assert back.namespace(ns.id, ns.type) == same_namespace(ns)
    assert back.processes == same_process_table(live.processes)
    for pid, p in list(live.processes.items())[:50]:
        assert back.process(pid) == same_process(p)
        for task in p.tasks:
            assert back.task(task.tid) == similar_task(task)
    roots = [p for p in live.processes.values() if p.parent is None]
    for root in roots:
        assert back.process(root.pid) == same_process_tree(root)


def test_same_as_matchers_name_the_differences(d: lxkns.Discovery) -> None:
    data = synthetic.landscape(60)
    changed = copy.deepcopy(data)
    blue = changed["namespaces"]["4026532190"]
    blue["reference"] = ["/run/netns/green"]
    changed["processes"]["901"]["cmdline"] = ["sshd", "-D", "-e"]
    other = lxkns.Discovery.from_dict(changed)
    ns = d.namespace("net:[4026532190]")
    assert other.namespace("net:[4026532190]") != same_namespace(ns)
    assert same_namespace(ns).mismatches(other.namespace("net:[4026532190]")) == [
        "ref: wanted '/run/netns/blue', is '/run/netns/green'"]
    assert same_process(d.process(901)).mismatches(other.process(901)) == [
        "command line: wanted ('sshd: /usr/sbin/sshd -D',), is ('sshd', '-D', '-e')"]
    assert same_process_tree(d.process(1)).mismatches(other.process(1)) == [
        "child 901: command line: wanted ('sshd: /usr/sbin/sshd -D',), is ('sshd', '-D', '-e')"]
    assert same_process_table(d.processes).mismatches(other.processes) == [
        "process 901: command line: wanted ('sshd: /usr/sbin/sshd -D',), is ('sshd', '-D', '-e')"]
    assert same_namespace(d.user_roots[0]).mismatches(d.user_roots[0].children[0]) == [
        "namespace: wanted 'user:[4026531837] (dev 4)', is 'user:[4026532200] (dev 4)'",
        "ref: wanted '/proc/1/ns/user', is '/proc/1024/ns/user'",
        "leaders: wanted [1], is [1024, 1045]",
        "parent: wanted None, is 'user:[4026531837]'",
        "children: wanted ['user:[4026532200]'], is ['user:[4026532201]']",
        "creator UID: wanted 0, is 1000",
    ]


@pytest.mark.privileged
def test_matchers_on_real_containers(engines: enginectl.Engines, cri: enginectl.Cri) -> None:
    project = enginectl.unique("proj")
    pod = enginectl.unique("pod")
    with ExitStack() as stack:
        web, _ = stack.enter_context(engines.docker_container(
            "--label", f"com.docker.compose.project={project}", "--label", "tier=front",
            engines.busybox, "sleep", "1000"))
        cold, _ = stack.enter_context(engines.docker_container(engines.busybox, "sleep", "1000"))
        engines.docker("pause", cold)
        stack.callback(engines.docker, "unpause", cold)
        pname, _ = stack.enter_context(engines.podman_container())
        _, ids = stack.enter_context(cri.pod(pod, "lxkns-test", ["app"]))
        d = lxkns.discover(lxkns.FULL, engine_timeout=10.0)
    assert a_docker_container(name=web, labels={"tier": "front"}, paused=False,
                              group=a_group(name=project, type="com.docker.compose.project")) in d.containers
    assert a_docker_container(name=cold, paused=True) in d.containers
    assert a_container(name=pname, strict_type="podman.io") in d.containers
    app = the_one(d.containers, in_a_pod(f"lxkns-test/{pod}"))
    assert app == a_container(name=ids["app"], type="k8s.io/cri-api", labels={"io.kubernetes.pod.name": pod})
    assert a_pod(name=f"lxkns-test/{pod}") in d.container_groups
    assert a_docker_container(name=pname) not in d.containers
