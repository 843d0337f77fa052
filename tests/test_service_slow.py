"""The service with discoveries slowed down on purpose (tests/slowserve.py): timeouts,
single flight, a loop that never blocks, a stop while a discovery runs."""

from __future__ import annotations

import concurrent.futures
import os
import signal
import time

import httpx
from servicectl import Server, held, parse_metric


def _wait_for(predicate, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


def _settled(s: Server) -> Server:
    """The server once its first discovery has finished (on a busy host that can take a while)."""
    _wait_for(lambda: s.metric("lxkns_discoveries_in_flight") == 0, timeout=120)
    return s


def test_a_discovery_past_the_timeout_answers_503_and_none_piles_up() -> None:
    with Server(["--no-containers", "--timeout", "0.5", "--max-age", "60"], slow=True) as s:
        _settled(s)
        before = s.metric("lxkns_discoveries_total")
        with held(s):
            for _ in range(4):  # each waits its 0.5 s, then gives up; all share one discovery
                r = s.client.get("/api/pidmap")
                assert r.status_code == 503
                assert r.json()["error"] == "discovery timeout"
                assert int(r.headers["retry-after"]) >= 1
            text = s.client.get("/metrics").text
            assert parse_metric(text, "lxkns_discoveries_in_flight") == 1
            assert parse_metric(text, "lxkns_discovery_timeouts_total") == 4
            started = time.monotonic()  # the loop answers at once meanwhile
            assert s.client.get("/healthz").status_code == 200
            assert s.client.get("/readyz").status_code == 503  # busy past --timeout
            assert time.monotonic() - started < 2
        _wait_for(lambda: s.metric("lxkns_discoveries_in_flight") == 0)
        assert s.client.get("/api/pidmap").status_code == 200  # the shared one, finished
        assert s.metric("lxkns_discoveries_total") == before + 1
        assert s.client.get("/readyz").status_code == 200


def test_fifty_concurrent_requests_share_one_discovery() -> None:
    with Server(["--no-containers", "--timeout", "120", "--max-age", "60"], slow=True) as s:
        _settled(s)
        before = s.metric("lxkns_discoveries_total")
        with held(s), concurrent.futures.ThreadPoolExecutor(50) as pool, \
                httpx.Client(base_url=s.url, timeout=120, limits=httpx.Limits(max_connections=60)) as client:
            futures = [pool.submit(client.get, "/api/processes") for _ in range(50)]
            _wait_for(lambda: s.metric("lxkns_discovery_waiters") == 50)
            assert s.metric("lxkns_discoveries_in_flight") == 1
            os.unlink(s.hold)  # let the discovery go on
            answers = [f.result() for f in futures]
        assert [r.status_code for r in answers] == [200] * 50
        assert len({r.headers["etag"] for r in answers}) == 1
        assert s.metric("lxkns_discoveries_total") == before + 1


def test_different_options_do_not_share_and_are_bounded() -> None:
    with Server(["--no-containers", "--timeout", "0.3", "--max-running", "2", "--max-age", "60"],
                slow=True) as s, held(_settled(s)):
        assert s.client.get("/api/pidmap").status_code == 503           # discovery 1
        assert s.client.get("/api/pidmap?tasks=0").status_code == 503   # discovery 2
        r = s.client.get("/api/processes")                              # a third: refused at once
        assert r.status_code == 503 and r.json()["error"] == "too busy"
        assert "retry-after" in r.headers
        assert s.metric("lxkns_discoveries_in_flight") == 2


def test_sigterm_while_a_discovery_runs_stops_at_once_and_answers_the_waiters() -> None:
    s = Server(["--no-containers", "--timeout", "300", "--grace", "10", "--max-age", "0"], slow=True)
    try:
        _wait_for(lambda: s.client.get("/readyz").status_code == 200, timeout=120)  # the first one is done
        with held(s), concurrent.futures.ThreadPoolExecutor(2) as pool:
            waiting = pool.submit(httpx.get, f"{s.url}/api/namespaces", timeout=60)
            _wait_for(lambda: s.metric("lxkns_discovery_waiters") == 1)
            started = time.monotonic()
            s.proc.send_signal(signal.SIGTERM)
            r = waiting.result()
            assert r.status_code == 503 and r.json()["error"] == "stopping"
            assert s.proc.wait(10) == 0  # the hung discovery does not keep it alive
            assert time.monotonic() - started < 10
        assert "stopping (signal 15)" in s.log()
    finally:
        s.close()


def test_sigint_stops_cleanly() -> None:
    s = Server(["--no-containers"])
    try:
        assert s.client.get("/healthz").status_code == 200
        assert s.stop(signal.SIGINT) == 0
    finally:
        s.close()


def test_stale_answers_come_at_once_while_a_new_discovery_runs() -> None:
    with Server(["--no-containers", "--max-age", "0.2", "--stale", "600", "--timeout", "60"], slow=True) as s:
        first = s.client.get("/api/pidmap")  # a discovery, not held
        assert first.status_code == 200
        time.sleep(0.3)  # older than --max-age now
        with held(s):
            started = time.monotonic()
            again = s.client.get("/api/pidmap")  # the old one, at once; a new one starts
            assert again.status_code == 200 and again.headers["etag"] == first.headers["etag"]
            assert time.monotonic() - started < 5
            assert s.metric("lxkns_discoveries_in_flight") >= 1
            assert s.client.get("/api/pidmap").headers["etag"] == first.headers["etag"]
        _wait_for(lambda: s.metric("lxkns_discoveries_in_flight") == 0)
        assert s.client.get("/api/pidmap").status_code == 200
