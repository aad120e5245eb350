"""Jobs that must happen (a welcome mail) are stored before they are enqueued.

Rules:
- an entry is stored before the change that calls for it, so no change is left without
  its job (a change that then fails leaves an entry whose job finds nothing to do);
- enqueueing right after is best effort: with Redis away the sweeper finds the entry;
- the sweeper enqueues entries still pending after a grace period (the first enqueue's
  job may simply not have run yet); the job id is the entry id, so a queued job is not
  queued twice;
- the job marks its entry done when it has done its work, and skips a done entry.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Final

from taskflow.domain.errors import UnavailableError
from taskflow.domain.ports.jobs import OutboxEntry

if TYPE_CHECKING:
    from datetime import datetime, timedelta

    from taskflow.domain.ports.jobs import JobQueue, Outbox
    from taskflow.domain.ports.time_and_ids import Clock

SWEEP_BATCH: Final = 500


class NotDueError(Exception):
    """A job run before its time (the sweeper queues every entry to run at once): again in `retry_after` s."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"not before {retry_after:.1f} s")
        self.retry_after = retry_after


class OutboxService:
    def __init__(self, outbox: Outbox, jobs: JobQueue, clock: Clock, *, grace: timedelta) -> None:
        self._outbox = outbox
        self._jobs = jobs
        self._clock = clock
        self._grace = grace

    async def record(self, entry_id: str, job: str, **args: str) -> OutboxEntry:
        entry = OutboxEntry(id=entry_id, job=job, args=args, created_at=self._clock.now())
        await self._outbox.add(entry)
        return entry

    async def record_once(self, entry_id: str, job: str, **args: str) -> OutboxEntry | None:
        """None if this entry was recorded before: its job ran, or the sweeper will see to it."""
        entry = OutboxEntry(id=entry_id, job=job, args=args, created_at=self._clock.now())
        return entry if await self._outbox.add(entry) else None

    async def dispatch(self, entry: OutboxEntry, *, run_at: datetime | None = None) -> None:
        """Enqueue now (to run not before `run_at`) if Redis answers; otherwise the sweeper will.

        The sweeper queues it to run at once: a job that must wait checks for itself.
        """
        with contextlib.suppress(UnavailableError):
            await self._jobs.enqueue(entry.job, entry.args, job_id=entry.id, run_at=run_at)

    async def is_done(self, entry_id: str) -> bool:
        return await self._outbox.is_done(entry_id)

    async def mark_done(self, entry_id: str) -> None:
        await self._outbox.mark_done(entry_id, at=self._clock.now())

    async def sweep(self) -> int:
        """Enqueue every entry pending for longer than the grace period; how many."""
        pending = await self._outbox.pending(created_before=self._clock.now() - self._grace, limit=SWEEP_BATCH)
        for entry in pending:
            await self._jobs.enqueue(entry.job, entry.args, job_id=entry.id)
        return len(pending)
