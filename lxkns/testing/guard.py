"""The leak guard as a context manager (any test framework) and as the pytest plugin
uses it: a snapshot before, leftovers after."""

from __future__ import annotations

import contextlib
import ctypes
from collections.abc import Iterable, Iterator

from ..errors import LxknsError
from .leaks import CHECKS, Snapshot, settle, snapshot

PR_SET_CHILD_SUBREAPER = 36
#: seconds to wait for leftovers to go away, unless told otherwise
TIMEOUT = 2.0


class LeakError(AssertionError):
    """Something was left behind; ``leftovers`` names each thing, one per line."""

    def __init__(self, what: str, leftovers: list[str]) -> None:
        self.leftovers: list[str] = leftovers
        super().__init__(message(what, leftovers))


def message(what: str, leftovers: list[str]) -> str:
    """The leak guard's report: what left how many things behind, one per line."""
    noun = "thing" if len(leftovers) == 1 else "things"
    return f"lxkns leak guard: {what} left {len(leftovers)} {noun} behind:\n  " + "\n  ".join(leftovers)


class Guard:
    """A snapshot taken by :meth:`start`, compared by :meth:`finish`."""

    def __init__(self, checks: Iterable[str] = CHECKS, timeout: float = TIMEOUT) -> None:
        self.checks: tuple[str, ...] = tuple(checks)
        unknown = set(self.checks) - set(CHECKS)
        if unknown:
            raise ValueError(f"unknown leak checks {sorted(unknown)}: there are {', '.join(CHECKS)}")
        if timeout < 0:
            raise ValueError("the leak guard's timeout cannot be negative")
        self.timeout: float = timeout
        self.before: Snapshot | None = None

    def start(self) -> None:
        """Take the snapshot the leftovers are counted against."""
        self.before = snapshot()

    def finish(self) -> list[str]:
        """The leftovers since :meth:`start` ([] if none, or if never started)."""
        if self.before is None:
            return []
        before, self.before = self.before, None
        return settle(before, self.checks, self.timeout)


@contextlib.contextmanager
def no_leaks(checks: Iterable[str] = CHECKS, timeout: float = TIMEOUT,
             what: str = "the block") -> Iterator[None]:
    """LeakError if the ``with`` block leaves namespaces, processes, threads, fds or mounts
    behind (see :mod:`lxkns.testing.leaks` for what counts)."""
    guard = Guard(checks, timeout)
    guard.start()
    yield
    left = guard.finish()
    if left:
        raise LeakError(what, left)


def become_subreaper() -> None:
    """Make this process a child subreaper: orphaned descendants (daemons that double-fork)
    stay in its process tree, where the guard sees them, instead of going to init."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        err = ctypes.get_errno()
        raise LxknsError(f"prctl(PR_SET_CHILD_SUBREAPER) failed: errno {err}")
