"""Task statistics recomputed in the background after writes, at most once per user and window.

Rules:
- a write to a user's tasks schedules a recompute for the end of the current window
  (`debounce`); more writes in the same window share that one job (its id names the user
  and the window);
- scheduling is best effort: without it, the next read computes live;
- the recompute stores the figures where reads find them (the task cache), stamped with
  `computed_at`, and only if no write came in while it computed.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final

from taskflow.domain.errors import UnavailableError

if TYPE_CHECKING:
    from datetime import timedelta

    from taskflow.domain.ports import Clock, JobQueue
    from taskflow.domain.values import UserId

STATS_JOB: Final = "refresh_stats"


class StatsRefresh:
    def __init__(self, jobs: JobQueue, clock: Clock, *, debounce: timedelta) -> None:
        self._jobs = jobs
        self._clock = clock
        self._window = debounce.total_seconds()

    async def schedule(self, owner: UserId) -> None:
        window = int(self._clock.now().timestamp() // self._window)
        run_at = datetime.fromtimestamp((window + 1) * self._window, UTC)
        with contextlib.suppress(UnavailableError):
            await self._jobs.enqueue(STATS_JOB, {"owner": owner.value}, job_id=f"stats:{owner}:{window}", run_at=run_at)
