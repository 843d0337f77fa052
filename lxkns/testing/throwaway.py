"""Throw-away namespaces for tests: made by a helper process, handed back as the
discovered Namespace objects, and gone again when the test is over.

Each namespace is held by a small helper process (:mod:`lxkns.testing.nshelper`)
that waits until :meth:`Throwaways.close` closes its stdin; a network
namespace with a name is bind-mounted under ``/run/netns`` instead, like
``ip netns add`` does, so ``ip netns exec NAME`` and CNI plugins find it.
Without root (CAP_SYS_ADMIN), the namespaces are made inside a fresh user
namespace owned by the caller, so they work unprivileged too (where the
kernel allows user namespaces).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import select
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from .._discovery import discover
from ..errors import LxknsError
from ..model import (
    STANDARD,
    HierarchicalNamespace,
    MountNamespace,
    Namespace,
    NamespaceType,
    UserNamespace,
)
from .probes import privileged

HELPER = Path(__file__).with_name("nshelper.py")
NETNS_DIR = "/run/netns"
TIMEOUT = 30.0
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\Z")

#: one line of an ID map: (first ID inside, first ID outside, count)
IDMap = Sequence[tuple[int, int, int]]


class ThrowawayError(LxknsError):
    """A throw-away namespace could not be made; the message says why."""


def _map_text(idmap: IDMap) -> str:
    lines = []
    for entry in idmap:
        inside, outside, count = (int(x) for x in entry)
        if inside < 0 or outside < 0 or count < 1:
            raise ValueError(f"bad ID map line {entry!r}: IDs >= 0 and a count >= 1 needed")
        lines.append(f"{inside} {outside} {count}")
    if not lines:
        raise ValueError("an ID map needs at least one line")
    return "\n".join(lines) + "\n"


class Throwaways:
    """Makes throw-away namespaces and removes them all on :meth:`close`."""

    def __init__(self) -> None:
        self._helpers: list[subprocess.Popen[str]] = []
        self._bound: list[str] = []

    # ------------------------------------------------------------ the factories

    def netns(self, name: str | None = None, *, userns: bool | None = None) -> Namespace:
        """A network namespace; with ``name``, bind-mounted at ``/run/netns/NAME`` (needs root)."""
        if name is not None:
            if not _NAME.match(name):
                raise ValueError(f"{name!r} is no good network namespace name")
            if userns or not privileged():
                raise ThrowawayError("a named network namespace is bind-mounted under /run/netns, "
                                     "which needs root (CAP_SYS_ADMIN)")
            path = os.path.join(NETNS_DIR, name)
            if os.path.lexists(path):
                raise ThrowawayError(f"{path} exists already")
            facts = self._run({"types": ["net"], "bind": path}, hold=False)
            self._bound.append(path)
            return self._find(facts, NamespaceType.NET)
        facts = self._run({"user": self._userns(userns), "types": ["net"]})
        return self._find(facts, NamespaceType.NET)

    def userns(self, uid_map: IDMap | None = None, gid_map: IDMap | None = None) -> UserNamespace:
        """A user namespace with these ID maps (default: root inside is the caller outside,
        like ``unshare -r``). Without root only a map of the caller's own ID works."""
        facts = self._run({"user": True, "types": []}, uid_map=uid_map, gid_map=gid_map)
        ns = self._find(facts, NamespaceType.USER)
        assert isinstance(ns, UserNamespace)
        return ns

    def mntns(self, *, userns: bool | None = None) -> MountNamespace:
        """A mount namespace (a copy of the caller's mounts, propagating nowhere), with its
        mount table discovered."""
        facts = self._run({"user": self._userns(userns), "types": ["mnt"]})
        ns = self._find(facts, NamespaceType.MNT, with_mounts=True)
        assert isinstance(ns, MountNamespace)
        return ns

    def pidns(self, *, userns: bool | None = None) -> HierarchicalNamespace:
        """A PID namespace with a process in it (its PID 1, the namespace's ealdorman)."""
        facts = self._run({"user": self._userns(userns), "types": [], "pid": True})
        ns = self._find(facts, NamespaceType.PID)
        assert isinstance(ns, HierarchicalNamespace)
        return ns

    # ------------------------------------------------------------ cleaning up

    def close(self) -> None:
        """End every helper (taking its namespaces along) and remove every bind mount."""
        errors = []
        while self._helpers:
            proc = self._helpers.pop()
            _end(proc)
        while self._bound:
            path = self._bound.pop()
            out = subprocess.run([sys.executable, str(HELPER), "umount", path], capture_output=True,
                                 text=True, timeout=TIMEOUT)
            if out.returncode != 0:
                errors.append(f"{path}: {out.stdout.strip() or out.stderr.strip()}")
        if errors:
            raise ThrowawayError("could not remove throw-away namespaces: " + "; ".join(errors))

    def __enter__(self) -> Throwaways:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ inside

    @staticmethod
    def _userns(userns: bool | None) -> bool:
        return (not privileged()) if userns is None else bool(userns)

    def _run(self, spec: dict[str, object], *, hold: bool = True, uid_map: IDMap | None = None,
             gid_map: IDMap | None = None) -> dict[str, object]:
        uid_text = _map_text(uid_map if uid_map is not None else [(0, os.geteuid(), 1)])
        gid_text = _map_text(gid_map if gid_map is not None else [(0, os.getegid(), 1)])
        proc = subprocess.Popen([sys.executable, str(HELPER), json.dumps(spec)], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self._helpers.append(proc)
        assert proc.stdin is not None and proc.stdout is not None
        try:
            line = _readline(proc)
            if line.strip() == "user":
                self._write_maps(proc.pid, uid_text, gid_text)
                proc.stdin.write("go\n")
                proc.stdin.flush()
                line = _readline(proc)
            facts = json.loads(line) if line.strip() else {"error": _stderr(proc)}
        except BaseException:
            self._helpers.remove(proc)
            _end(proc)
            raise
        if "error" in facts:
            self._helpers.remove(proc)
            _end(proc)
            raise ThrowawayError(f"cannot make a throw-away namespace: {facts['error']}")
        if not hold:
            self._helpers.remove(proc)
            _end(proc)
        return dict(facts)

    @staticmethod
    def _write_maps(pid: int, uid_text: str, gid_text: str) -> None:
        try:
            with open(f"/proc/{pid}/uid_map", "w") as f:
                f.write(uid_text)
            if not privileged():
                with open(f"/proc/{pid}/setgroups", "w") as f:
                    f.write("deny")
            with open(f"/proc/{pid}/gid_map", "w") as f:
                f.write(gid_text)
        except OSError as e:
            hint = "" if privileged() else " (without root only a map of your own ID works)"
            raise ThrowawayError(f"cannot write the ID maps of a new user namespace: {e}{hint}") from None

    @staticmethod
    def _find(facts: dict[str, object], type: NamespaceType, *, with_mounts: bool = False) -> Namespace:
        made = facts["namespaces"]
        assert isinstance(made, dict)
        ino = int(made[type.type_name])
        d = discover(STANDARD, types=type | NamespaceType.USER, with_mounts=with_mounts,
                     with_cgroups=False, with_freezer=False)
        try:
            return d.namespace(ino, type)
        except LxknsError:
            raise ThrowawayError(f"made {type.type_name}:[{ino}], but discovery does not find it") from None


def _readline(proc: subprocess.Popen[str]) -> str:
    """The helper's next line (it writes one at a time, then waits for us): ThrowawayError
    if none comes within TIMEOUT seconds."""
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], TIMEOUT)
    if not ready:
        raise ThrowawayError(f"the namespace helper did not answer within {TIMEOUT:.0f} s")
    return proc.stdout.readline()


def _stderr(proc: subprocess.Popen[str]) -> str:
    try:
        _, err = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return "the helper did not answer"
    return err.strip().splitlines()[-1] if err.strip() else f"the helper ended ({proc.returncode})"


def _end(proc: subprocess.Popen[str]) -> None:
    """Close a helper's stdin (it then cleans up and ends), wait for it, and reap it."""
    if proc.stdin is not None and not proc.stdin.closed:
        with contextlib.suppress(BrokenPipeError):
            proc.stdin.close()
    try:
        proc.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()
