"""Task statistics recomputed in the background after writes, at most once per user and window.

Rules:
- a change to a user's own tasks, whatever wrote it, schedules a recompute for the end of
  the current window (`debounce`), from the durable change consumer; more changes in the
  same window share that one job (its id names the user and the window), so a replayed
  change schedules nothing new;
- scheduling is best effort: without it, the next read computes live;
- a process that scheduled a window's job does not ask the queue again in that window
  (the queue would refuse the duplicate, after three round trips to find out);
- the recompute stores the figures where reads find them (the task cache), stamped with
  `computed_at`, and only if no write came in while it computed.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final

from taskflow.domain.changes.feed import TaskChanged
from taskflow.domain.errors import UnavailableError

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import timedelta

    from taskflow.domain.changes.feed import Change
    from taskflow.domain.ports.jobs import JobQueue
    from taskflow.domain.ports.time_and_ids import Clock
    from taskflow.domain.values import UserId

STATS_JOB: Final = "refresh_stats"
_REMEMBERED: Final = 4096


class StatsRefresh:
    def __init__(self, jobs: JobQueue, clock: Clock, *, debounce: timedelta) -> None:
        self._jobs = jobs
        self._clock = clock
        self._window = debounce.total_seconds()
        self._scheduled: dict[str, int] = {}
        """Job ids this process queued, by window."""

    async def schedule(self, owner: UserId) -> None:
        window = int(self._clock.now().timestamp() // self._window)
        job_id = f"stats:{owner}:{window}"
        if job_id in self._scheduled:
            return
        run_at = datetime.fromtimestamp((window + 1) * self._window, UTC)
        with contextlib.suppress(UnavailableError):
            await self._jobs.enqueue(STATS_JOB, {"owner": owner.value}, job_id=job_id, run_at=run_at)
            self._remember(job_id, window)

    def _remember(self, job_id: str, window: int) -> None:
        if len(self._scheduled) >= _REMEMBERED:
            self._scheduled = {known: w for known, w in self._scheduled.items() if w >= window}
            if len(self._scheduled) >= _REMEMBERED:  # that many users in one window: forget the oldest
                self._scheduled.pop(next(iter(self._scheduled)))
        self._scheduled[job_id] = window


class StatsOnChange:
    """The statistics refresh as a reaction to the change feed: the places a change touched, if someone's own."""

    name = "stats"

    def __init__(self, refresh: StatsRefresh) -> None:
        self._refresh = refresh

    async def handle(self, changes: Sequence[Change]) -> None:
        spaces = {
            place.space
            for change in changes
            if isinstance(change, TaskChanged)
            for place in (change.before, change.after)
            if place is not None and place.project is None  # a project's figures are computed when asked
        }
        for space in spaces:
            await self._refresh.schedule(space)
