"""The pytest plugin of lxkns (entry point ``pytest11``: ``lxkns``).

pytest loads it in every run wherever lxkns is installed, so it costs
nothing until a test asks for it: this module sits outside the ``lxkns``
package (importing anything inside would import the whole library first)
and imports lxkns only in the fixtures, markers and hooks a test actually
uses. It adds:

* fixtures: ``lxkns_discovery`` (a discovery taken for the test; options by
  the ``lxkns_options`` marker), ``lxkns_discover`` (a factory:
  ``lxkns_discover(**options)``), and throw-away namespaces, removed after
  the test: ``lxkns_netns(name=None)``, ``lxkns_userns(uid_map, gid_map)``,
  ``lxkns_mntns()``, ``lxkns_pidns()``, each returning the discovered
  Namespace;
* the leak guard: the marker ``lxkns_no_leaks`` (the ini option
  ``lxkns_no_leaks = true`` for a whole suite) fails a test at its teardown
  when it leaves namespaces, processes, threads, fds or mounts behind;
* skip markers: ``lxkns_needs_root``, ``lxkns_needs_userns``,
  ``lxkns_needs_engine(kind)``;
* explanations of failed ``==`` and ``in`` assertions on lxkns objects and
  the matchers of :mod:`lxkns.testing`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from lxkns import Discovery, HierarchicalNamespace, MountNamespace, Namespace, UserNamespace
    from lxkns.testing.guard import Guard
    from lxkns.testing.throwaway import IDMap

MARKERS = (
    "lxkns_no_leaks(enabled=True, *, namespaces=True, processes=True, threads=True, fds=True, "
    "mounts=True, timeout=None): fail the test at its teardown if it leaves behind namespaces, "
    "processes, threads, fds or mounts (lxkns); lxkns_no_leaks(False) exempts a test from the "
    "ini option lxkns_no_leaks",
    "lxkns_needs_root: skip the test unless it runs as root with CAP_SYS_ADMIN (lxkns)",
    "lxkns_needs_userns: skip the test unless this process may create user namespaces (lxkns)",
    "lxkns_needs_engine(kind): skip the test unless a container engine of this kind (docker, "
    "containerd, cri, podman) runs on this host (lxkns)",
    "lxkns_options(preset=None, **options): the discovery options of the lxkns_discovery fixture "
    "(lxkns)",
)

_GUARD: pytest.StashKey[Guard] = pytest.StashKey()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("lxkns_no_leaks", type="bool", default=False,
                  help="lxkns: guard every test against leaked namespaces, processes, threads, fds "
                       "and mounts, as if marked lxkns_no_leaks")
    parser.addini("lxkns_leak_checks", type="args", default=["namespaces", "processes", "threads", "fds",
                                                              "mounts"],
                  help="lxkns: what the leak guard checks (default: namespaces processes threads fds "
                       "mounts); the lxkns_no_leaks marker's keywords switch single checks on or off")
    parser.addini("lxkns_leak_timeout", default="2.0",
                  help="lxkns: seconds the leak guard waits for leftovers to go away (default 2)")
    parser.addini("lxkns_catch_orphans", type="bool", default=False,
                  help="lxkns: make the test process a child subreaper, so that the leak guard "
                       "also finds the daemons a test leaves (processes that double-fork)")


def pytest_configure(config: pytest.Config) -> None:
    for line in MARKERS:
        config.addinivalue_line("markers", line)
    if config.getini("lxkns_catch_orphans"):
        from lxkns.testing.guard import become_subreaper

        become_subreaper()


# ---------------------------------------------------------------- skip markers and the guard


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip, with the reason, what this host or process cannot do (asked only when a test
    carries one of the markers)."""
    for item in items:
        reason = _missing(item)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))


def _missing(item: pytest.Item) -> str:
    if item.get_closest_marker("lxkns_needs_root") is not None:
        from lxkns.testing.probes import root

        able, why = root()
        if not able:
            return why
    if item.get_closest_marker("lxkns_needs_userns") is not None:
        from lxkns.testing.probes import user_namespaces

        able, why = user_namespaces()
        if not able:
            return why
    for marker in item.iter_markers("lxkns_needs_engine"):
        if len(marker.args) != 1:
            raise pytest.UsageError(f"{item.nodeid}: lxkns_needs_engine takes one engine kind: "
                                    "docker, containerd, cri, podman")
        from lxkns.testing.probes import engine

        try:
            able, why = engine(str(marker.args[0]))
        except ValueError as e:
            raise pytest.UsageError(f"{item.nodeid}: lxkns_needs_engine: {e}") from None
        if not able:
            return why
    return ""


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    marker = item.get_closest_marker("lxkns_no_leaks")
    enabled = bool(item.config.getini("lxkns_no_leaks"))
    if marker is not None:
        enabled = bool(marker.args[0]) if marker.args else bool(marker.kwargs.get("enabled", True))
    if not enabled:
        return
    from lxkns.testing.guard import Guard
    from lxkns.testing.leaks import CHECKS

    kwargs: Mapping[str, Any] = marker.kwargs if marker is not None else {}
    unknown = set(kwargs) - {"enabled", "timeout", *CHECKS}
    if unknown:
        raise pytest.UsageError(f"lxkns_no_leaks: unknown options {sorted(unknown)}")
    configured = set(item.config.getini("lxkns_leak_checks"))
    if configured - set(CHECKS):
        raise pytest.UsageError(f"lxkns_leak_checks: unknown checks {sorted(configured - set(CHECKS))}")
    timeout: Any = kwargs.get("timeout")
    if timeout is None:
        timeout = float(item.config.getini("lxkns_leak_timeout"))
    item.stash[_GUARD] = Guard([c for c in CHECKS if kwargs.get(c, c in configured)], float(timeout))


@pytest.hookimpl(tryfirst=True)
def pytest_fixture_setup(fixturedef: Any, request: pytest.FixtureRequest) -> None:
    """The guard's snapshot comes before the test's first function-scoped fixture (and after
    the wider-scoped ones, which outlive the test)."""
    if fixturedef.scope == "function":
        guard = request.node.stash.get(_GUARD, None)
        if guard is not None and guard.before is None:
            guard.start()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    guard = item.stash.get(_GUARD, None)
    if guard is not None and guard.before is None:
        guard.start()


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """After every fixture of the test is torn down: what is still there?"""
    guard = item.stash.get(_GUARD, None)
    if guard is None:
        return
    del item.stash[_GUARD]
    left = guard.finish()
    if left:
        from lxkns.testing.guard import message

        pytest.fail(message(item.name, left), pytrace=False)


def pytest_assertrepr_compare(config: pytest.Config, op: str, left: object,
                               right: object) -> list[str] | None:
    if not (_ours(left) or _ours(right)):
        return None
    from lxkns.testing.explain import explain

    return explain(op, left, right)


def _ours(obj: object) -> bool:
    return type(obj).__module__.startswith("lxkns.")


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def lxkns_discover() -> Callable[..., Discovery]:
    """A factory of discoveries: ``lxkns_discover(**options)`` or ``lxkns_discover(lxkns.FULL,
    with_containers=False)``; usable from fixtures of any scope."""
    import lxkns

    def discover(preset: lxkns.DiscoveryOptions | None = None, /, **options: Any) -> Discovery:
        return lxkns.discover(preset if preset is not None else lxkns.STANDARD, **options)

    return discover


@pytest.fixture
def lxkns_discovery(request: pytest.FixtureRequest, lxkns_discover: Callable[..., Discovery]) -> Discovery:
    """A discovery taken for this test (STANDARD, or what its ``lxkns_options`` marker says)."""
    marker = request.node.get_closest_marker("lxkns_options")
    if marker is None:
        return lxkns_discover()
    if len(marker.args) > 1:
        raise pytest.UsageError("lxkns_options takes one preset and keyword options")
    return lxkns_discover(*marker.args, **marker.kwargs)


@pytest.fixture
def lxkns_netns() -> Iterator[Callable[..., Namespace]]:
    """``lxkns_netns(name=None)``: a throw-away network namespace; with a name, bind-mounted at
    /run/netns/NAME like ``ip netns add`` (root only). Removed after the test."""
    from lxkns.testing import Throwaways

    with Throwaways() as made:
        yield made.netns


@pytest.fixture
def lxkns_userns() -> Iterator[Callable[..., UserNamespace]]:
    """``lxkns_userns(uid_map=None, gid_map=None)``: a throw-away user namespace with these ID
    maps, lists of (inside, outside, count); default: root inside is the test's user."""
    from lxkns.testing import Throwaways

    with Throwaways() as made:
        def userns(uid_map: IDMap | None = None, gid_map: IDMap | None = None) -> UserNamespace:
            return made.userns(uid_map, gid_map)

        yield userns


@pytest.fixture
def lxkns_mntns() -> Iterator[Callable[..., MountNamespace]]:
    """``lxkns_mntns()``: a throw-away mount namespace (inside a new user namespace without root)."""
    from lxkns.testing import Throwaways

    with Throwaways() as made:
        yield made.mntns


@pytest.fixture
def lxkns_pidns() -> Iterator[Callable[..., HierarchicalNamespace]]:
    """``lxkns_pidns()``: a throw-away PID namespace with a process in it (its ealdorman)."""
    from lxkns.testing import Throwaways

    with Throwaways() as made:
        yield made.pidns
