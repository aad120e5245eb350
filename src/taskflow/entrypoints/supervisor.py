"""Keeps the embedded stack's children running: one that exits is started again, with backoff.

No part takes another down (DESIGN §2): a crashed worker, mail sink or database is
restarted on its own port while the rest go on; only Ctrl-C or SIGTERM stops the stack.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from taskflow.entrypoints.processes import Child

FIRST_DELAY_SECONDS: Final = 1.0
MAX_DELAY_SECONDS: Final = 30.0
STABLE_SECONDS: Final = 60.0
"""A child up this long has recovered: its next exit starts the backoff from the beginning."""


@dataclass
class _Watched:
    child: Child
    started_at: float
    failures: int = 0
    restarts: int = 0
    restart_at: float | None = None
    replacing: bool = False


class Supervisor:
    """Call `tick()` often; it restarts what exited, 1 s after the first exit, doubling to 30 s."""

    def __init__(
        self,
        children: Iterable[Child],
        *,
        clock: Callable[[], float] = time.monotonic,
        say: Callable[[str], None] = lambda line: print(line, file=sys.stderr, flush=True),  # noqa: T201 - CLI output
    ) -> None:
        self._clock = clock
        self._say = say
        self._watched = [_Watched(child, clock()) for child in children]

    def replace(self, child: Child) -> None:
        """A planned restart: SIGTERM now (an API process drains), started again as soon as it exits."""
        watched = next(watched for watched in self._watched if watched.child is child)
        watched.replacing = True
        if child.running():
            child.process.terminate()

    @property
    def restarts(self) -> dict[str, int]:
        return {watched.child.name: watched.restarts for watched in self._watched}

    def tick(self) -> None:
        now = self._clock()
        for watched in self._watched:
            child = watched.child
            if watched.restart_at is None:
                if child.running():
                    if watched.failures and now - watched.started_at >= STABLE_SECONDS:
                        watched.failures = 0
                    continue
                if watched.replacing:
                    child.respawn()
                    watched.replacing, watched.started_at = False, now
                    self._say(f"taskflow: {child.name} stopped and was started again")
                    continue
                delay = min(MAX_DELAY_SECONDS, FIRST_DELAY_SECONDS * 2**watched.failures)
                watched.failures += 1
                watched.restart_at = now + delay
                self._say(
                    f"taskflow: {child.name} exited ({child.process.returncode}); "
                    f"restarting it in {delay:.0f} s (restart {watched.restarts + 1})"
                )
            elif now >= watched.restart_at:
                child.respawn()
                watched.restarts += 1
                watched.started_at, watched.restart_at = now, None
