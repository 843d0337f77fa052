"""Running the app on uvicorn, with a graceful stop on SIGTERM and SIGINT.

On the signal, uvicorn stops accepting connections and waits up to the
grace period for the requests in progress; requests that wait for a
discovery are answered 503 at once, so none of them holds the stop up.
Discoveries run in daemon threads: one that never returns does not keep
the process alive. The process exits 0 after a stop by signal.
"""

from __future__ import annotations

import asyncio
import logging
import math
from types import FrameType

import uvicorn

from .app import Service

log: logging.Logger = logging.getLogger("lxkns.service")


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, service: Service) -> None:
        super().__init__(config)
        self.service = service
        self.loop: asyncio.AbstractEventLoop | None = None

    async def serve(self, sockets: list[object] | None = None) -> None:  # type: ignore[override]
        self.loop = asyncio.get_running_loop()
        await super().serve(sockets)  # type: ignore[arg-type]

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if not self.should_exit:
            log.info("stopping (signal %d), grace %gs", sig, self.config.timeout_graceful_shutdown or 0)
        super().handle_exit(sig, frame)
        self._captured_signals.clear()  # a stop by signal is a clean exit, not a death by it
        if self.loop is not None:
            self.loop.call_soon_threadsafe(self.service.stop)


def run(service: Service) -> bool:
    """Serve until stopped; False if the server could not start (e.g. the port is taken)."""
    c = service.config
    config = uvicorn.Config(
        service.app, host=c.host, port=c.port, log_config=None, access_log=False, lifespan="on",
        timeout_graceful_shutdown=math.ceil(c.grace), server_header=False, proxy_headers=False,
        forwarded_allow_ips="", timeout_keep_alive=30, ws="none")
    server = _Server(config, service)
    server.run()
    return bool(server.started)
