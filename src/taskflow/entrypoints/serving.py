"""`taskflow serve`: uvicorn, with a drain before it stops.

On SIGTERM (what an orchestrator, or `taskflow dev`'s rolling restart, sends) the app's
readiness turns 503 at once while every request is still served, for `drain_seconds`:
long enough for a load balancer's health checks to take the process out. Then uvicorn
stops as it always does: no new connections, the requests in flight finished. SIGINT
(Ctrl-C, or a stack stopping whole, its balancer already gone) and a second SIGTERM skip
the drain.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from typing import TYPE_CHECKING

import uvicorn

from taskflow.adapters.observability import flush_logs

if TYPE_CHECKING:
    import socket
    from types import FrameType


class DrainingServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, *, drain_seconds: float) -> None:
        super().__init__(config)
        self._drain_seconds = drain_seconds
        self._drain_until: float | None = None

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        stop_streams = getattr(self.config.loaded_app, "stop_streams", None)
        if callable(stop_streams):  # live streams never end on their own: uvicorn would wait on them
            stop_streams()
        drain = getattr(self.config.loaded_app, "drain", None)
        if sig == signal.SIGTERM and self._drain_until is None and self._drain_seconds > 0 and callable(drain):
            drain()
            self._drain_until = time.monotonic() + self._drain_seconds
            return
        super().handle_exit(sig, frame)

    async def on_tick(self, counter: int) -> bool:
        if self._drain_until is not None and time.monotonic() >= self._drain_until:
            self.should_exit = True
        return await super().on_tick(counter)

    def run(self, sockets: list[socket.socket] | None = None) -> None:
        """As uvicorn's; after SIGINT the process ends by that signal, without a traceback.

        uvicorn raises the signal it caught again once it has shut down, and Python turns a
        SIGINT into a KeyboardInterrupt: every Ctrl-C of `taskflow dev` printed one per process.
        """
        try:
            super().run(sockets)
        except KeyboardInterrupt:
            flush_logs()
            sys.stdout.flush()  # a process ended by a signal does not flush its buffers
            sys.stderr.flush()
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGINT)
