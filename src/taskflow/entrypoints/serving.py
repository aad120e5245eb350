"""`taskflow serve`: uvicorn, with a drain before it stops.

On SIGTERM (what an orchestrator, or `taskflow dev`'s rolling restart, sends) the app's
readiness turns 503 at once while every request is still served, for `drain_seconds`:
long enough for a load balancer's health checks to take the process out. Then uvicorn
stops as it always does: no new connections, the requests in flight finished. SIGINT
(Ctrl-C, or a stack stopping whole, its balancer already gone) and a second SIGTERM skip
the drain.
"""

from __future__ import annotations

import signal
import time
from typing import TYPE_CHECKING

import uvicorn

if TYPE_CHECKING:
    from types import FrameType


class DrainingServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, *, drain_seconds: float) -> None:
        super().__init__(config)
        self._drain_seconds = drain_seconds
        self._drain_until: float | None = None

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
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
