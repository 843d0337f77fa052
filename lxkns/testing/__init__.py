"""Testing with lxkns: matchers for assertions, throw-away namespaces and the leak guard.

Everything here works in any test framework; the pytest plugin (loaded
automatically when lxkns is installed, see the manual's "Testing with lxkns")
wraps it into fixtures and markers and explains failed assertions.
"""

from __future__ import annotations

from .guard import LeakError, no_leaks
from .leaks import CHECKS, Snapshot, leftovers, snapshot
from .matchers import (
    ContainerMatcher,
    GroupMatcher,
    LabelMatcher,
    Matcher,
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
from .throwaway import IDMap, ThrowawayError, Throwaways

__all__ = [
    "CHECKS", "ContainerMatcher", "GroupMatcher", "IDMap", "LabelMatcher", "LeakError", "Matcher",
    "Snapshot", "ThrowawayError", "Throwaways", "a_container", "a_docker_container", "a_group", "a_pod",
    "assert_that", "has_label", "in_a_group", "in_a_pod", "leftovers", "no_leaks", "paused",
    "same_namespace", "same_process", "same_process_table", "same_process_tree", "similar_task",
    "snapshot", "the_one",
]
