"""Single-flight discoveries with a short cache, run in worker threads.

Requests for the same key (endpoint and options) share one running
discovery; its result is served again for ``max_age`` seconds (and, with
``stale``, up to ``stale`` seconds longer while a new one runs). A request
waits at most ``timeout`` seconds, then gets :class:`DiscoveryTimeout`
(503) while the discovery goes on, and the requests after it join the same
discovery instead of starting another: at most one runs per key, and at
most ``max_running`` in all. Discoveries run in daemon threads, so that
one stuck in the kernel never keeps the service from stopping; the event
loop only ever waits on futures.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, Generic, Protocol, TypeVar

import attrs

from .errors import ServiceError

T = TypeVar("T")


class FlightObserver(Protocol):
    """What the metrics learn about discoveries."""

    def started(self) -> None:
        """A discovery started."""
        ...

    def finished(self, seconds: float, ok: bool) -> None:
        """A discovery ended after ``seconds``, well or not."""
        ...

    def waiting(self, delta: int) -> None:
        """``delta`` more (or fewer) requests wait for a running discovery."""
        ...

    def timed_out(self) -> None:
        """A request gave up waiting for its discovery."""
        ...


class _NoObserver:
    def started(self) -> None:
        pass

    def finished(self, seconds: float, ok: bool) -> None:
        pass

    def waiting(self, delta: int) -> None:
        pass

    def timed_out(self) -> None:
        pass


class DiscoveryTimeout(ServiceError):
    """503: the discovery did not finish within the timeout (it goes on)."""

    def __init__(self, waited: float, retry_after: int) -> None:
        super().__init__(503, "discovery timeout",
                         f"the discovery did not finish within {waited:g} s; it goes on, try again later",
                         {"retry-after": str(retry_after)})


class TooBusy(ServiceError):
    """503: too many discoveries with other options run already."""

    def __init__(self, running: int, retry_after: int) -> None:
        super().__init__(503, "too busy", f"{running} discoveries with other options are running already",
                         {"retry-after": str(retry_after)})


class Stopping(ServiceError):
    """503: the service is shutting down."""

    def __init__(self) -> None:
        super().__init__(503, "stopping", "the service is shutting down",
                         {"retry-after": "5", "connection": "close"})


class DiscoveryFailed(ServiceError):
    """500: the discovery raised an error."""

    def __init__(self, exc: BaseException) -> None:
        super().__init__(500, "discovery failed", f"{type(exc).__name__}: {exc}")


@attrs.frozen
class Done(Generic[T]):
    """A finished discovery's result, with when it finished and how long it took."""

    value: T
    finished: float  #: time.monotonic() at its end
    seconds: float


@attrs.define(eq=False)
class _Flight(Generic[T]):
    future: asyncio.Future[Done[T]]
    started: float
    abandoned: bool = False  #: every request waiting for it gave up (per-request mode: do not start)


class Flights(Generic[T]):
    """Single-flight, max-age cache of jobs run in worker threads (see the module)."""

    def __init__(self, *, max_age: float, timeout: float, max_running: int, per_request: bool = False,
                 observer: FlightObserver | None = None, max_kept: int = 16, stale: float = 0.0) -> None:
        self.max_age = max_age
        self.stale = stale
        self.timeout = timeout
        self.max_running = max_running
        self.per_request = per_request
        self.observer: FlightObserver = observer or _NoObserver()
        self.max_kept = max_kept
        self._done: dict[Hashable, Done[T]] = {}
        self._running: dict[Hashable, _Flight[T]] = {}
        self._anonymous: set[_Flight[T]] = set()  # per-request flights
        self._last_seconds = 1.0
        self._stop: asyncio.Future[None] | None = None
        self._slots = threading.BoundedSemaphore(max_running)  # per-request mode only

    # --- what the health checks and metrics read
    def oldest_running(self) -> float:
        """Seconds the longest-running discovery has been running (0 if none is)."""
        starts = [f.started for f in (*self._running.values(), *self._anonymous)]
        return time.monotonic() - min(starts) if starts else 0.0

    def latest(self, key: Hashable) -> Done[T] | None:
        """The latest finished result for ``key``, if any."""
        return self._done.get(key)

    @property
    def running(self) -> int:
        return len(self._running) + len(self._anonymous)

    # --- stopping
    def stop(self) -> None:
        """Answer every waiting request now (Stopping), and every later one."""
        if self._stop is None:
            self._stop = asyncio.get_running_loop().create_future()
        if not self._stop.done():
            self._stop.set_result(None)

    def _stop_future(self) -> asyncio.Future[None]:
        if self._stop is None:
            self._stop = asyncio.get_running_loop().create_future()
        return self._stop

    def ensure(self, key: Hashable, job: Callable[[], T]) -> None:
        """Start a discovery for ``key`` unless a fresh result is kept or one is running;
        wait for nothing (the metrics refresh this way)."""
        stop = self._stop_future()
        if stop.done() or key in self._running:
            return
        if self.per_request:  # nothing is kept: refresh when nothing runs at all
            if not self._anonymous:
                self._start(key, job)
            return
        kept = self._done.get(key)
        if kept is not None and time.monotonic() - kept.finished < self.max_age:
            return
        if self.running < self.max_running:
            self._start(key, job)

    async def settle(self, key: Hashable, timeout: float) -> asyncio.Future[Done[T]] | None:
        """Wait up to ``timeout`` for the running discovery of ``key``; it (done or not), or None."""
        flight = self._running.get(key)
        if flight is None:
            return None
        await asyncio.wait({flight.future}, timeout=timeout)
        return flight.future

    # --- the main entry point
    async def get(self, key: Hashable, job: Callable[[], T], *, fresh: bool = True) -> Done[T]:
        """The result of ``job`` for ``key``: a kept one younger than max_age, the
        running one, or a new one. ``fresh=False`` takes a kept one of any age."""
        stop = self._stop_future()
        if stop.done():
            raise Stopping()
        arrived = time.monotonic()
        kept = None if self.per_request else self._done.get(key)
        if kept is not None and (not fresh or arrived - kept.finished < self.max_age):
            return kept
        flight = None if self.per_request else self._running.get(key)
        if kept is not None and arrived - kept.finished < self.max_age + self.stale:
            if flight is None and self.running < self.max_running:
                self._start(key, job)  # stale-while-revalidate: the next request gets the new one
            return kept
        if flight is None:
            if self.running >= self.max_running and not self.per_request:
                raise TooBusy(self.running, self._retry_after())
            flight = self._start(key, job)
        return await self._wait(flight, stop, arrived)

    async def _wait(self, flight: _Flight[T], stop: asyncio.Future[None], arrived: float) -> Done[T]:
        remaining = self.timeout - (time.monotonic() - arrived)
        self.observer.waiting(1)
        try:
            waited: set[asyncio.Future[Any]] = {flight.future, stop}
            await asyncio.wait(waited, timeout=max(remaining, 0.0),
                               return_when=asyncio.FIRST_COMPLETED)
        finally:
            self.observer.waiting(-1)
        if flight.future.done():
            exc = flight.future.exception()
            if exc is not None:
                raise DiscoveryFailed(exc)
            return flight.future.result()
        flight.abandoned = self.per_request
        if stop.done():
            raise Stopping()
        self.observer.timed_out()
        raise DiscoveryTimeout(self.timeout, self._retry_after(flight))

    def _retry_after(self, flight: _Flight[T] | None = None) -> int:
        expected = self._last_seconds
        if flight is not None:
            expected -= time.monotonic() - flight.started
        return max(1, math.ceil(expected))

    def _start(self, key: Hashable, job: Callable[[], T]) -> _Flight[T]:
        loop = asyncio.get_running_loop()
        flight: _Flight[T] = _Flight(loop.create_future(), time.monotonic())
        if self.per_request:
            self._anonymous.add(flight)
        else:
            self._running[key] = flight

        def work() -> None:
            if self.per_request:  # at most max_running at once; the others queue here
                with self._slots:
                    if flight.abandoned:
                        loop.call_soon_threadsafe(self._finish, key, flight, None, None, 0.0)
                        return
                    run()
            else:
                run()

        def run() -> None:
            self.observer.started()
            started = time.monotonic()
            try:
                value = job()
            except BaseException as exc:  # handed to the waiters, never lost in the thread
                ended = time.monotonic()
                loop.call_soon_threadsafe(self._finish, key, flight, None, exc, ended - started)
                return
            ended = time.monotonic()
            loop.call_soon_threadsafe(self._finish, key, flight, Done(value, ended, ended - started), None,
                                      ended - started)

        threading.Thread(target=work, name="lxkns-discovery", daemon=True).start()
        return flight

    def _finish(self, key: Hashable, flight: _Flight[T], done: Done[T] | None, exc: BaseException | None,
                seconds: float) -> None:
        if self.per_request:
            self._anonymous.discard(flight)
        elif self._running.get(key) is flight:
            del self._running[key]
        if done is None and exc is None:  # abandoned before it ran
            flight.future.cancel()
            return
        self.observer.finished(seconds, exc is None)
        if done is None:
            assert exc is not None
            flight.future.set_exception(exc)
            flight.future.exception()  # retrieved: waiters that timed out must not make it "never retrieved"
            return
        self._last_seconds = seconds
        if not self.per_request:
            self._keep(key, done)
        flight.future.set_result(done)

    def _keep(self, key: Hashable, done: Done[T]) -> None:
        self._done.pop(key, None)
        self._done[key] = done
        now = time.monotonic()
        for k in [k for k, d in self._done.items() if now - d.finished >= max(self.max_age, 60.0)]:
            if k != key:
                del self._done[k]
        while len(self._done) > self.max_kept:
            del self._done[next(iter(self._done))]
