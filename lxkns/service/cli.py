"""``lxkns serve``: the lxkns REST service with its web UI.

``main(argv)`` is what the ``lxkns`` console script's ``serve`` subcommand
calls with the remaining arguments; ``python -m lxkns.service`` calls it too.
"""

from __future__ import annotations

import argparse
import errno
import ipaddress
import logging
import os
import stat
import sys
from collections.abc import Sequence
from pathlib import Path

from .._version import __version__
from .config import DEFAULT_WEB_ROOT, DiscoverFunction, ServiceConfig

DESCRIPTION = """\
Serve this host's namespaces, processes, mounts and containers as JSON (the
lxkns wire format) on /api/namespaces, /api/processes and /api/pidmap, with
Prometheus metrics on /metrics, health checks on /healthz and /readyz, the
OpenAPI document on /api/openapi.json and the web UI on every other path.
Concurrent requests share one discovery; its result is served again for
--max-age seconds.
"""


def _address(text: str) -> tuple[str, int]:
    """``ADDR:PORT``, ``[V6ADDR]:PORT``, ``:PORT`` (every address) or ``PORT``."""
    host, sep, port_text = text.rpartition(":")
    if not sep:
        host, port_text = "127.0.0.1", text
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    host = host or "0.0.0.0"
    try:
        port = int(port_text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: the port must be a number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r}: the port must be 0-65535")
    if host != "localhost":
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r}: expected an IP address (or localhost)") from None
    return host, port


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 <= value <= 86400:
        raise argparse.ArgumentTypeError(f"{text!r}: expected 0 to 86400 seconds")
    return value


def parser() -> argparse.ArgumentParser:
    """The argument parser of ``lxkns serve``."""
    ap = argparse.ArgumentParser(prog="lxkns serve", description=DESCRIPTION,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--http", type=_address, default=("127.0.0.1", 5010), metavar="ADDR:PORT",
                    help="where to listen (default 127.0.0.1:5010; ':5010' or '0.0.0.0:5010' for every "
                         "IPv4 address, '[::]:5010' for every address)")
    ap.add_argument("--max-age", type=_seconds, default=1.0, metavar="S",
                    help="serve a discovery again for S seconds (default 1; 0: every request that "
                         "finds no discovery running starts one)")
    ap.add_argument("--stale", type=_seconds, default=0.0, metavar="S",
                    help="past --max-age, serve the last discovery S seconds longer while a new one "
                         "runs, instead of waiting for it (default 0: wait)")
    ap.add_argument("--timeout", type=_seconds, default=30.0, metavar="S",
                    help="answer 503 with Retry-After when a discovery takes longer than S seconds "
                         "(default 30); it goes on, and later requests share it")
    ap.add_argument("--grace", "--shutdown", type=_seconds, default=15.0, metavar="S",
                    help="on SIGTERM/SIGINT, wait up to S seconds for requests in progress (default 15)")
    ap.add_argument("--web-root", type=Path, metavar="DIR",
                    help="serve the web UI from DIR (any build of the lxkns web UI, the Go one's "
                         "included; default: the one installed with this package)")
    ap.add_argument("--no-containers", action="store_true",
                    help="do not ask container engines for their containers")
    ap.add_argument("--initial-cgroup", action="store_true",
                    help="switch to the initial cgroup namespace first (when the service runs in a "
                         "cgroup namespace of its own, as in a pod without cgroup: host)")
    ap.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                    help="also accept this Host header name (repeatable; '.example.com' for every name "
                         "under it; '*' for any). Loopback names, IP literals and this machine's host "
                         "name are always accepted; other names get 421 (DNS rebinding guard)")
    ap.add_argument("--per-namespace-metrics", action="store_true",
                    help="add a series per namespace to /metrics (lxkns_namespace_processes)")
    ap.add_argument("--hung-after", type=_seconds, default=300.0, metavar="S",
                    help="/healthz fails while a discovery has been running longer than S seconds "
                         "(default 300)")
    ap.add_argument("--max-running", type=int, default=4, metavar="N",
                    help="discoveries with different options that may run at once (default 4)")
    ap.add_argument("--discovery-per-request", action="store_true",
                    help="no sharing and no cache: one discovery for every request, as the Go lxkns "
                         "does (for comparisons)")
    ap.add_argument("--python", action="store_true", help="use the pure-Python scanner")
    ap.add_argument("--no-access-log", action="store_true", help="no log line per request")
    ap.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"],
                    help="log level (default info)")
    ap.add_argument("--version", action="version", version=f"lxkns {__version__}")
    return ap


def config_of(args: argparse.Namespace) -> ServiceConfig:
    """The service settings the parsed arguments ask for."""
    host, port = args.http
    return ServiceConfig(
        host=host, port=port, max_age=args.max_age, timeout=max(args.timeout, 0.001), grace=args.grace,
        hung_after=max(args.hung_after, 0.001), max_running=max(1, args.max_running),
        per_request=args.discovery_per_request, containers=not args.no_containers, stale=args.stale,
        web_root=args.web_root or DEFAULT_WEB_ROOT, web_root_given=args.web_root is not None,
        allow_hosts=tuple(args.allow_host), per_namespace_metrics=args.per_namespace_metrics,
        access_log=not args.no_access_log, native=False if args.python else None)


def _logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("lxkns")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False
    uv = logging.getLogger("uvicorn")
    uv.handlers[:] = [handler]
    uv.setLevel(logging.WARNING)
    uv.propagate = False


def main(argv: Sequence[str] | None = None, *, discover: DiscoverFunction | None = None) -> int:
    """Run the service until SIGTERM/SIGINT; 0 after a clean stop, 1 if it could not start,
    2 for bad arguments."""
    ap = parser()
    args = ap.parse_args(list(argv) if argv is not None else None)
    if args.web_root is not None:
        try:
            if not stat.S_ISDIR(os.stat(args.web_root).st_mode):
                ap.error(f"--web-root {args.web_root}: not a directory")
        except OSError as exc:
            why = "no such directory" if exc.errno == errno.ENOENT else exc.strerror
            ap.error(f"--web-root {args.web_root}: {why}")
    if args.max_running < 1:
        ap.error("--max-running must be at least 1")
    _logging(args.log_level)
    log = logging.getLogger("lxkns.service")
    from .privileges import raise_permitted

    try:
        raise_permitted()  # file capabilities of the image's interpreter come permitted only
    except OSError as exc:
        log.warning("cannot raise the permitted capabilities: %s", exc)
    if args.initial_cgroup:
        from .cgroupns import CgroupSwitchError, switch_to_initial

        try:
            if switch_to_initial():
                log.info("switched to the initial cgroup namespace")
        except CgroupSwitchError as exc:
            print(f"lxkns serve: --initial-cgroup: {exc.strerror or exc}", file=sys.stderr)
            return 1
    try:
        import prometheus_client  # noqa: F401
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        print(f"lxkns serve: {exc.name} is missing; install lxkns[service]", file=sys.stderr)
        return 1
    from .app import create_app
    from .server import run

    service = create_app(config_of(args), discover)
    try:
        started = run(service)
    except SystemExit:  # uvicorn exits when it cannot bind; it has logged why
        print(f"lxkns serve: cannot serve on {args.http[0]}:{args.http[1]}", file=sys.stderr)
        return 1
    return 0 if started else 1
