"""Asking every engine at once, each within its own deadline.

Each engine process (with all the sockets it listens on) is asked in a
thread of its own, so that the whole costs as long as the slowest engine,
and at most the timeout: every socket operation and every gRPC call gets the
time left until the engine's deadline. Threads are joined before this
returns, and so are grpcio's own threads.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import NamedTuple

from . import containerd, cri, docker, grpcunix
from .errors import Deadline, EngineDenied, EngineError, EngineTimeout, EngineUnsupported, GrpcMissing
from .records import Endpoint, EngineReport

_JOIN_GRACE = 0.5  # seconds past the deadline a worker may need to notice it


class Outcome(NamedTuple):
    """What asking the engine behind some endpoints gave: reports, and the errors
    met on the way (per endpoint; an EngineUnsupported on an endpoint that did
    answer another API is not reported)."""

    endpoints: tuple[Endpoint, ...]
    reports: tuple[EngineReport, ...]
    errors: tuple[tuple[Endpoint, EngineError], ...]


def _grpc_apis(ep: Endpoint, deadline: Deadline, want_containerd: bool,
               reports: list[EngineReport], errors: list[tuple[Endpoint, EngineError]]) -> bool:
    """containerd and/or the CRI on one socket; True if either answered. When both do,
    a failure of one is recorded in ``errors`` and the other is still reported."""
    with grpcunix.Channel(ep, deadline) as channel:
        has_containerd = False
        if want_containerd:
            try:
                containerd.version(channel)
                has_containerd = True
            except EngineUnsupported:
                pass
        cri_version: tuple[str, str] | None = None
        try:
            cri_version = cri.runtime_version(channel)
        except EngineUnsupported:
            pass
        except EngineError as exc:
            if not has_containerd:
                raise
            errors.append((ep, exc))  # containerd then lists its k8s.io namespace itself
        ctrd_id = ""
        if has_containerd:
            skip = {containerd.MOBY, containerd.CRI_NAMESPACE} if cri_version else {containerd.MOBY}
            try:
                report = containerd.query(ep, deadline, skip=skip, channel=channel)
                reports.append(report)
                ctrd_id = report.id
            except EngineError as exc:
                if cri_version is None:
                    raise
                errors.append((ep, exc))
        if cri_version is not None:
            # the CRI served by containerd is the same instance: same ID, marked
            engine_id = f"{ctrd_id}/cri" if ctrd_id and ctrd_id != ep.api else ""
            try:
                reports.append(cri.query(ep, deadline, channel=channel, engine_id=engine_id,
                                         version=cri_version))
            except EngineError as exc:
                if not reports:
                    raise
                errors.append((ep, exc))
        return has_containerd or cri_version is not None


def ask(eps: Sequence[Endpoint], timeout: float) -> Outcome:
    """Ask the engine behind ``eps`` (the sockets of one process) until one answers."""
    deadline = Deadline(timeout)
    reports: list[EngineReport] = []
    errors: list[tuple[Endpoint, EngineError]] = []
    for ep in eps:
        try:
            if ep.kind in ("docker", "podman"):
                reports.append(docker.query(ep, deadline))
            elif ep.kind in ("containerd", "cri"):
                if not _grpc_apis(ep, deadline, ep.kind == "containerd", reports, errors):
                    raise EngineUnsupported("neither the containerd nor the CRI API answered")
            else:  # explicit, kind unknown: HTTP first, then gRPC
                try:
                    reports.append(docker.query(ep, deadline))
                except (EngineTimeout, EngineDenied):
                    raise  # no other API would fare better
                except EngineError:
                    if not _grpc_apis(ep, deadline, True, reports, errors):
                        raise EngineUnsupported(
                            "speaks none of the Docker, containerd or CRI APIs") from None
        except EngineError as exc:
            errors.append((ep, exc))
            if isinstance(exc, (EngineTimeout, GrpcMissing)):
                break  # no time left, or no grpcio: the other sockets would fare no better
            continue
        if reports:
            # an engine found: its other sockets are the same engine (or not APIs at all)
            return Outcome(tuple(eps), tuple(reports), tuple(errors))
    return Outcome(tuple(eps), tuple(reports), tuple(errors))


def ask_all(groups: Sequence[Sequence[Endpoint]], timeout: float) -> list[Outcome]:
    """Ask every group of endpoints in parallel; at most ``timeout`` (plus a grace)."""
    if not groups:
        return []
    grpc_before = grpcunix.grpc_threads()
    results: list[Outcome | None] = [None] * len(groups)

    def work(i: int) -> None:
        try:
            results[i] = ask(groups[i], timeout)
        except Exception as exc:  # a bug must not take the discovery down
            err = EngineError(f"{type(exc).__name__}: {exc}")
            results[i] = Outcome(tuple(groups[i]), (), ((groups[i][0], err),))

    if len(groups) == 1:
        work(0)
    else:
        threads = [threading.Thread(target=work, args=(i,), name=f"lxkns-engine-{i}", daemon=True)
                   for i in range(len(groups))]
        for t in threads:
            t.start()
        join_by = Deadline(timeout + _JOIN_GRACE)
        for t in threads:
            try:
                t.join(join_by.left())
            except EngineTimeout:
                break
    if grpcunix.grpc_threads() > grpc_before:
        grpcunix.settle(grpc_before, timeout=5.0)  # a busy host may take a while to end them
    out = []
    for i, r in enumerate(results):
        if r is None:
            err = EngineTimeout(f"no answer within {timeout:g} s")
            r = Outcome(tuple(groups[i]), (), ((groups[i][0], err),))
        out.append(r)
    return out
