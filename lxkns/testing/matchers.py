"""Matchers for assertions on discoveries, after the Go lxkns' Gomega matchers.

A matcher is equal to what it matches, so plain ``assert`` works, with
``==`` and with ``in``::

    assert c == a_container(name="web", type="docker.com", labels={"tier": "front"})
    assert a_docker_container(name="web", paused=True) in d.containers
    assert back.namespace("net:[4026531840]") == same_namespace(ns)   # e.g. after a JSON round trip

and the pytest plugin explains a failed one in a few lines: which of the
wanted properties the object lacks (:meth:`Matcher.mismatches`). Outside
pytest, :func:`assert_that` says the same in its AssertionError.

Go matcher → here: ``BeAContainer(opts…)`` → :func:`a_container`,
``BeADockerContainer`` → :func:`a_docker_container`, ``BeAPod`` →
:func:`a_pod`, ``BeInAGroup`` / ``BeInAPod`` → ``a_container(group=…)`` /
``a_container(pod=…)`` or :func:`in_a_group` / :func:`in_a_pod`,
``BePaused`` → :func:`paused`, ``HaveLabel`` → :func:`has_label` (or
``labels={…}``), ``WithName`` (name or ID) / ``WithType`` (type or flavor) /
``WithStrictType`` / ``WithFlavor`` → the keywords ``name``, ``type``,
``strict_type``, ``flavor``; ``BeSameNamespace`` → :func:`same_namespace`,
``BeSameProcess`` → :func:`same_process`, ``BeSameTreeProcess`` →
:func:`same_process_tree`, ``BeSameProcessTable`` → :func:`same_process_table`,
``BeSimilarTask`` → :func:`similar_task`.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any, ClassVar

from ..model import (
    Container,
    ContainerGroup,
    HierarchicalNamespace,
    Namespace,
    Process,
    Task,
    UserNamespace,
)
from ..model.changes import inode_key, namespace_key

#: the group type of Kubernetes pods (the kubernetes decorator makes these groups)
POD = "io.kubernetes.pod"
DOCKER = "docker.com"
#: how many differences an explanation names at most
MAX_DIFFERENCES = 12


class Matcher:
    """Something an object can be compared to with ``==``: true if the object matches.

    :meth:`mismatches` lists, in words, why an object does not match ([] if it does).
    """

    #: a matcher equals many objects: it cannot be hashed consistently
    __hash__: ClassVar[None] = None  # type: ignore[assignment]

    def __init__(self, description: str) -> None:
        self.description: str = description

    def mismatches(self, actual: object) -> list[str]:
        """Why ``actual`` does not match, one short sentence each; [] if it matches."""
        raise NotImplementedError

    def matches(self, actual: object) -> bool:
        """True if ``actual`` matches (no :meth:`mismatches`)."""
        return not self.mismatches(actual)

    def __eq__(self, other: object) -> bool:
        return self.matches(other)

    def __ne__(self, other: object) -> bool:
        return not self.matches(other)

    def __repr__(self) -> str:
        return self.description


def _want(label: str, wanted: object, actual: object) -> str:
    return f"{label}: wanted {wanted!r}, is {actual!r}"


def _sets(label: str, wanted: list[Any], actual: list[Any], limit: int = 8) -> str:
    """Two lists that differ: in full when short, else what only one of them has."""
    if len(wanted) + len(actual) <= limit:
        return _want(label, wanted, actual)
    missing = [x for x in wanted if x not in actual]
    extra = [x for x in actual if x not in wanted]
    parts = [f"{len(wanted)} wanted, {len(actual)} found"]
    if missing:
        parts.append(f"missing {missing[:limit]}" + (" …" if len(missing) > limit else ""))
    if extra:
        parts.append(f"not wanted {extra[:limit]}" + (" …" if len(extra) > limit else ""))
    return f"{label}: " + "; ".join(parts)


def _labels_mismatches(labels: Mapping[str, str], wanted: Mapping[str, str | None]) -> list[str]:
    out = []
    for name, value in wanted.items():
        if name not in labels:
            out.append(f"label {name!r}: missing")
        elif value is not None and labels[name] != value:
            out.append(f"label {name!r}: wanted {value!r}, is {labels[name]!r}")
    return out


def _describe(kind: str, options: Mapping[str, object]) -> str:
    shown = ", ".join(f"{k}={v!r}" for k, v in options.items() if v is not None)
    return f"{kind}({shown})"


class GroupMatcher(Matcher):
    """Matches a :class:`~lxkns.model.ContainerGroup` by name, type, flavor and labels."""

    def __init__(self, *, name: str | None = None, type: str | None = None, flavor: str | None = None,
                 labels: Mapping[str, str | None] | None = None, description: str | None = None) -> None:
        super().__init__(description or _describe("a_group", {
            "name": name, "type": type, "flavor": flavor, "labels": labels}))
        self.name: str | None = name
        self.type: str | None = type
        self.flavor: str | None = flavor
        self.labels: dict[str, str | None] = dict(labels or {})

    def mismatches(self, actual: object) -> list[str]:
        """What of name, type, flavor and labels ``actual`` lacks."""
        if not isinstance(actual, ContainerGroup):
            return [f"not a container group but a {type(actual).__name__}"]
        out = []
        if self.name is not None and actual.name != self.name:
            out.append(_want("name", self.name, actual.name))
        if self.type is not None and self.type not in (actual.type, actual.flavor):
            out.append(_want("type or flavor", self.type, (actual.type, actual.flavor)))
        if self.flavor is not None and actual.flavor != self.flavor:
            out.append(_want("flavor", self.flavor, actual.flavor))
        return out + _labels_mismatches(actual.labels, self.labels)


class ContainerMatcher(Matcher):
    """Matches a :class:`~lxkns.model.Container`; every option given must hold."""

    def __init__(self, *, name: str | None = None, type: str | None = None, strict_type: str | None = None,
                 flavor: str | None = None, labels: Mapping[str, str | None] | None = None,
                 paused: bool | None = None, group: GroupMatcher | str | None = None,
                 pod: GroupMatcher | str | None = None, description: str | None = None) -> None:
        super().__init__(description or _describe("a_container", {
            "name": name, "type": type, "strict_type": strict_type, "flavor": flavor,
            "labels": labels, "paused": paused, "group": group, "pod": pod}))
        self.name: str | None = name
        self.type: str | None = type
        self.strict_type: str | None = strict_type
        self.flavor: str | None = flavor
        self.labels: dict[str, str | None] = dict(labels or {})
        self.paused: bool | None = paused
        self.group: GroupMatcher | None = GroupMatcher(name=group) if isinstance(group, str) else group
        self.pod: GroupMatcher | None = a_pod(name=pod) if isinstance(pod, str) else pod

    def mismatches(self, actual: object) -> list[str]:
        """What of the wanted options ``actual`` lacks."""
        if not isinstance(actual, Container):
            return [f"not a container but a {type(actual).__name__}"]
        out = []
        if self.name is not None and self.name not in (actual.name, actual.id):
            out.append(_want("name or ID", self.name, actual.name))
        if self.type is not None and self.type not in (actual.type, actual.flavor):
            out.append(_want("type or flavor", self.type, (actual.type, actual.flavor)))
        if self.strict_type is not None and actual.type != self.strict_type:
            out.append(_want("type", self.strict_type, actual.type))
        if self.flavor is not None and actual.flavor != self.flavor:
            out.append(_want("flavor", self.flavor, actual.flavor))
        out += _labels_mismatches(actual.labels, self.labels)
        if self.paused is not None and actual.paused != self.paused:
            out.append("paused: wanted a paused container, it runs" if self.paused else
                       "paused: wanted a running container, it is paused")
        for label, want in (("group", self.group), ("pod", self.pod)):
            if want is not None and not any(want.matches(g) for g in actual.groups):
                groups = ", ".join(f"{g.type} {g.name!r}" for g in actual.groups) or "none"
                out.append(f"{label}: wanted one that is {want!r}; its groups: {groups}")
        return out


class LabelMatcher(Matcher):
    """Matches anything with ``labels`` (containers, groups, engines) that has a label."""

    def __init__(self, name: str, value: str | None = None) -> None:
        super().__init__(f"has_label({name!r}" + (f", {value!r})" if value is not None else ")"))
        self.name: str = name
        self.value: str | None = value

    def mismatches(self, actual: object) -> list[str]:
        """Whether ``actual`` has no labels, lacks the label or has another value."""
        labels = getattr(actual, "labels", None)
        if not isinstance(labels, Mapping):
            return [f"a {type(actual).__name__} has no labels"]
        return _labels_mismatches(labels, {self.name: self.value})


def a_container(*, name: str | None = None, type: str | None = None, strict_type: str | None = None,
                flavor: str | None = None, labels: Mapping[str, str | None] | None = None,
                paused: bool | None = None, group: GroupMatcher | str | None = None,
                pod: GroupMatcher | str | None = None) -> ContainerMatcher:
    """A container with this ``name`` (or ID), ``type`` (type or flavor), ``strict_type``
    (type only), ``flavor``, ``labels`` (a value of None: any value), ``paused`` state, in a
    ``group`` and a ``pod`` (a group matcher, or a group name)."""
    return ContainerMatcher(name=name, type=type, strict_type=strict_type, flavor=flavor, labels=labels,
                            paused=paused, group=group, pod=pod)


def a_docker_container(**options: Any) -> ContainerMatcher:
    """A container of Docker (type or flavor ``docker.com``), with :func:`a_container`'s options."""
    return ContainerMatcher(**{"type": DOCKER, **options},
                            description=_describe("a_docker_container", options))


def a_group(*, name: str | None = None, type: str | None = None, flavor: str | None = None,
            labels: Mapping[str, str | None] | None = None) -> GroupMatcher:
    """A container group with this name, type (or flavor), flavor and labels."""
    return GroupMatcher(name=name, type=type, flavor=flavor, labels=labels)


def a_pod(*, name: str | None = None, labels: Mapping[str, str | None] | None = None) -> GroupMatcher:
    """A Kubernetes pod (a container group of type ``io.kubernetes.pod``)."""
    return GroupMatcher(name=name, type=POD, labels=labels,
                        description=_describe("a_pod", {"name": name, "labels": labels}))


def in_a_group(*, name: str | None = None, type: str | None = None,
               flavor: str | None = None) -> ContainerMatcher:
    """A container in a group of this name, type and flavor."""
    return ContainerMatcher(group=GroupMatcher(name=name, type=type, flavor=flavor),
                            description=_describe("in_a_group", {"name": name, "type": type,
                                                                  "flavor": flavor}))


def in_a_pod(name: str | None = None) -> ContainerMatcher:
    """A container in a Kubernetes pod (of this name)."""
    return ContainerMatcher(pod=a_pod(name=name), description=_describe("in_a_pod", {"name": name}))


def paused() -> ContainerMatcher:
    """A paused container."""
    return ContainerMatcher(paused=True, description="paused()")


def has_label(name: str, value: str | None = None) -> LabelMatcher:
    """Something with this label (of this value, if given)."""
    return LabelMatcher(name, value)


# ---------------------------------------------------------------- same as

def key_for_pair(a: Namespace, b: Namespace) -> Callable[[Namespace], Hashable]:
    """Stable IDs compare two namespaces where both have one, else inode numbers do."""
    return namespace_key if a.stable_id is not None and b.stable_id is not None else inode_key


def _identity(ns: Namespace) -> str:
    stable = f", stable ID {ns.stable_id}" if ns.stable_id is not None else ""
    return f"{ns.type_id} (dev {ns.id.dev}{stable})"


def _ns_id(ns: Namespace | None) -> str | None:
    return ns.type_id if ns is not None else None


def namespace_differences(expected: Namespace, actual: object) -> list[str]:
    """What differs between two namespaces (typically of two discoveries): identity,
    ref, leaders, hierarchy and owner."""
    if not isinstance(actual, Namespace):
        return [f"not a namespace but a {type(actual).__name__}"]
    out = []
    key = key_for_pair(expected, actual)
    if key(actual) != key(expected):
        out.append(_want("namespace", _identity(expected), _identity(actual)))
    if type(actual) is not type(expected):
        out.append(_want("kind", type(expected).__name__, type(actual).__name__))
    if actual.ref != expected.ref:
        out.append(_want("ref", expected.ref_text, actual.ref_text))
    if sorted(actual.leader_pids) != sorted(expected.leader_pids):
        out.append(_sets("leaders", sorted(expected.leader_pids), sorted(actual.leader_pids)))
    if _ns_id(actual.owner) != _ns_id(expected.owner):
        out.append(_want("owner", _ns_id(expected.owner), _ns_id(actual.owner)))
    if isinstance(expected, HierarchicalNamespace) and isinstance(actual, HierarchicalNamespace):
        if _ns_id(actual.parent) != _ns_id(expected.parent):
            out.append(_want("parent", _ns_id(expected.parent), _ns_id(actual.parent)))
        kids_e = sorted(c.type_id for c in expected.children)
        kids_a = sorted(c.type_id for c in actual.children)
        if kids_a != kids_e:
            out.append(_sets("children", kids_e, kids_a))
    if isinstance(expected, UserNamespace) and isinstance(actual, UserNamespace) \
            and actual.owner_uid != expected.owner_uid:
        out.append(_want("creator UID", expected.owner_uid, actual.owner_uid))
    return out


def _ns_ids(p: Process | Task) -> dict[str, str]:
    return {t.type_name: ns.type_id for t, ns in sorted(p.namespaces.items(), key=lambda kv: kv[0].type_name)}


def process_differences(expected: Process, actual: object) -> list[str]:
    """What differs between two processes: identity, name, command line, parent, children
    and namespaces."""
    if not isinstance(actual, Process):
        return [f"not a process but a {type(actual).__name__}"]
    out = [_want(label, e, a) for label, e, a in (
        ("PID", expected.pid, actual.pid), ("start time", expected.starttime, actual.starttime),
        ("PPID", expected.ppid, actual.ppid), ("name", expected.name, actual.name),
        ("command line", expected.cmdline, actual.cmdline)) if e != a]
    kids_e, kids_a = sorted(c.pid for c in expected.children), sorted(c.pid for c in actual.children)
    if kids_a != kids_e:
        out.append(_sets("children", kids_e, kids_a))
    ns_e, ns_a = _ns_ids(expected), _ns_ids(actual)
    for t in sorted(set(ns_e) | set(ns_a)):
        if ns_e.get(t) != ns_a.get(t):
            out.append(_want(f"{t} namespace", ns_e.get(t), ns_a.get(t)))
    return out


def task_differences(expected: Task, actual: object) -> list[str]:
    """What differs between two tasks: TID, name, start time, process and namespaces."""
    if not isinstance(actual, Task):
        return [f"not a task but a {type(actual).__name__}"]
    out = []
    for label, e, a in (("TID", expected.tid, actual.tid), ("name", expected.name, actual.name),
                        ("start time", expected.starttime, actual.starttime),
                        ("process", expected.pid, actual.pid),
                        ("namespaces", _ns_ids(expected), _ns_ids(actual))):
        if e != a:
            out.append(_want(label, e, a))
    return out


class _SameAs(Matcher):
    def __init__(self, description: str, differences: Callable[[object], list[str]]) -> None:
        super().__init__(description)
        self._differences = differences

    def mismatches(self, actual: object) -> list[str]:
        return self._differences(actual)[:MAX_DIFFERENCES]


def same_namespace(expected: Namespace) -> Matcher:
    """A namespace like ``expected`` (of another discovery): same ID and type, ref, leaders,
    parent, children, owner and creator."""
    return _SameAs(f"same_namespace({expected.type_id})", lambda a: namespace_differences(expected, a))


def same_process(expected: Process) -> Matcher:
    """A process like ``expected``: same PID, start time, PPID, name, command line, children
    and namespaces."""
    return _SameAs(f"same_process({expected.pid})", lambda a: process_differences(expected, a))


def same_process_tree(expected: Process) -> Matcher:
    """A process like ``expected`` whose descendants are like its descendants, too."""
    def differences(actual: object) -> list[str]:
        out = process_differences(expected, actual)
        if out or not isinstance(actual, Process):
            return out
        theirs = {c.pid: c for c in actual.children}
        for child in expected.children:
            if child.pid in theirs:
                out += [f"child {child.pid}: {d}"
                        for d in same_process_tree(child).mismatches(theirs[child.pid])]
        return out
    return _SameAs(f"same_process_tree({expected.pid})", differences)


def same_process_table(expected: Mapping[int, Process]) -> Matcher:
    """A process table (``discovery.processes``) with the same processes, each alike."""
    def differences(actual: object) -> list[str]:
        if not isinstance(actual, Mapping):
            return [f"not a process table: {type(actual).__name__}"]
        out = []
        missing, extra = sorted(set(expected) - set(actual)), sorted(set(actual) - set(expected))
        if missing:
            out.append(f"missing processes: {missing[:20]}")
        if extra:
            out.append(f"processes too many: {extra[:20]}")
        for pid in sorted(set(expected) & set(actual)):
            out += [f"process {pid}: {d}" for d in process_differences(expected[pid], actual[pid])]
            if len(out) >= MAX_DIFFERENCES:
                break
        return out
    return _SameAs(f"same_process_table(of {len(expected)})", differences)


def similar_task(expected: Task) -> Matcher:
    """A task like ``expected``: same TID, name, start time, process and namespaces."""
    return _SameAs(f"similar_task({expected.tid})", lambda a: task_differences(expected, a))


def assert_that(actual: object, matcher: Matcher) -> None:
    """AssertionError naming what does not match, unless ``actual`` matches."""
    problems = matcher.mismatches(actual)
    if problems:
        raise AssertionError(f"{actual!r} is not {matcher!r}:\n  " + "\n  ".join(problems))


def the_one(items: Iterable[Any], matcher: Matcher) -> Any:
    """The single item that matches (for instance the container of ``d.containers`` that is
    ``a_container(name="web")``); AssertionError naming the candidates otherwise."""
    items = list(items)
    found = [i for i in items if matcher.matches(i)]
    if len(found) == 1:
        return found[0]
    if found:
        raise AssertionError(f"{len(found)} items are {matcher!r}: {found[:10]!r}")
    why = "; ".join(f"{i!r}: {', '.join(matcher.mismatches(i)[:3])}" for i in items[:8])
    raise AssertionError(f"none of {len(items)} items is {matcher!r}" + (f": {why}" if why else ""))
