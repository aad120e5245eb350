"""The durable consumer of the change feed: every reaction to a write hangs on it (issue 30).

Rules:
- one dispatcher at a time, elected by a lease in the database; another process takes
  over within one lease once the holder stops renewing it (it died, or lost the database);
- it reads from its checkpoint, runs every handler on each change, and moves the checkpoint
  only after their effects are stored: a change is handled at least once, and each
  handler's effect is keyed by what it reacts to (handler, task, version), so a replay
  stores nothing new;
- the checkpoint moves only while the lease is the dispatcher's (a fenced write): a holder
  that lost its lease cannot move it back or forth;
- a transient failure (the database, Redis) stops the batch: the dispatcher backs off and
  reads again from the checkpoint; a handler that fails otherwise is reported and passed
  over, so one change cannot stop every later one; a failure of the dispatcher itself is
  reported and it starts again from the checkpoint, as after a transient one;
- when the history no longer reaches the checkpoint, the gap is recorded (for admins and
  operators) and reading goes on from now: never a crash loop.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Protocol

from taskflow.domain.changes.feed import HistoryLostError
from taskflow.domain.errors import UnavailableError

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime, timedelta

    from taskflow.domain.changes.feed import Change, ChangeCursor, ChangeFeed, FeedPosition
    from taskflow.domain.ports.time_and_ids import Clock

CHANGE_CONSUMER: Final = "changes"
"""The durable consumer's name: one lease and one checkpoint for every reaction."""
CHECKPOINT_EVERY: Final = 100
"""Changes handled between two checkpoints at most; a quiet feed checkpoints what it has at once."""
BATCH_MAX: Final = 100
"""Changes handed to the handlers at once at most."""
BACKOFF_SECONDS: Final = (0.5, 1.0, 2.0, 5.0)
CLAIM_SHARE: Final = 1 / 3
"""A worker without the lease asks for it every this share of the lease; the holder renews it as often.

So a holder that died is replaced within `lease * (1 + CLAIM_SHARE)`."""
BEHIND_AFTER_SECONDS: Final = 2.0
"""A change handled this long after its commit means the consumer is behind: the rest is counted."""
BEHIND_EVERY_SECONDS: Final = 30.0
"""While behind, how often the changes still to handle are counted (a second read of the feed, a second at most)."""
BEHIND_COUNT_MAX: Final = 100_000
BEHIND_COUNT_SECONDS: Final = 1.0
"""Counting stops at either: "at least this many"."""


@dataclass(frozen=True, slots=True)
class Claim:
    """The lease, held until `until`, and where the last holder had got to (None: never started)."""

    until: datetime
    position: FeedPosition | None


class ConsumerState(Protocol):
    """A consumer's lease and checkpoint, in the database: written with majority concern."""

    async def claim(self, consumer: str, holder: str, *, now: datetime, until: datetime) -> Claim | None:
        """The lease, when it is free, has run out, or is `holder`'s already (then renewed); else None."""
        ...

    async def advance(self, consumer: str, holder: str, position: FeedPosition) -> bool:
        """Move the checkpoint, only while `holder` holds the lease; False when it does not any more."""
        ...

    async def release(self, consumer: str, holder: str) -> None:
        """Let another take the lease at once (a clean stop)."""
        ...


class ChangeHandler(Protocol):
    """One reaction to changes; idempotent: its effect is keyed by what it reacts to."""

    name: str

    async def handle(self, changes: Sequence[Change]) -> None:
        """These changes, in commit order. UnavailableError for a transient failure: they come again.

        Any other failure: each is handed again alone, and the one that fails is passed over.
        """
        ...


class ConsumerEvents(Protocol):
    """What the dispatcher tells operators: metrics and log lines; never raises, never a reason to stop."""

    async def checkpointed(self, consumer: str, position: FeedPosition, *, handled: int) -> None:
        """`handled` changes since the last checkpoint, the newest at `position`."""
        ...

    async def failed(self, handler: str, change: Change, error: Exception) -> None: ...

    async def behind(self, consumer: str, changes: int, *, seconds: float) -> None:
        """How far the consumer is from the feed's end, counted while it is behind.

        The changes still to handle (at most BEHIND_COUNT_MAX) and how long ago the oldest of
        them was committed; 0 and 0 once it has caught up.
        """
        ...

    async def gap(self, consumer: str, after: FeedPosition, *, now: datetime) -> None: ...

    async def stalled(self, consumer: str, error: Exception) -> None:
        """Reading stopped (`UnavailableError`: the database or Redis; anything else: a bug); it starts again."""
        ...


class ChangeDispatcher:
    def __init__(
        self,
        feed: ChangeFeed,
        state: ConsumerState,
        handlers: Sequence[ChangeHandler],
        events: ConsumerEvents,
        clock: Clock,
        *,
        consumer: str,
        holder: str,
        lease: timedelta,
    ) -> None:
        self._feed = feed
        self._state = state
        self._handlers = tuple(handlers)
        self._events = events
        self._clock = clock
        self._consumer = consumer
        self._holder = holder
        self._lease = lease

    async def run(self, stopping: asyncio.Event) -> None:
        """Until `stopping` is set: hold the lease when it is free, and dispatch while holding it."""
        failures = 0
        try:
            while not stopping.is_set():
                try:
                    claim = await self._claim()
                    if claim is None:
                        await _wait(stopping, self._lease.total_seconds() * CLAIM_SHARE)
                        continue
                    await self._dispatch(claim, stopping)
                    failures = 0
                except Exception as error:  # noqa: BLE001 - the database, or a bug: reported, never the end of it
                    await self._events.stalled(self._consumer, error)
                    await _wait(stopping, BACKOFF_SECONDS[min(failures, len(BACKOFF_SECONDS) - 1)])
                    failures += 1
        finally:
            with contextlib.suppress(UnavailableError):
                await self._state.release(self._consumer, self._holder)

    async def _claim(self) -> Claim | None:
        now = self._clock.now()
        return await self._state.claim(self._consumer, self._holder, now=now, until=now + self._lease)

    async def _dispatch(self, claim: Claim, stopping: asyncio.Event) -> None:
        """Handle changes from the checkpoint until the lease is lost or the process stops.

        With none yet (the first run), the checkpoint is where the history ends now, stored
        before anything is read: a consumer started later misses nothing written meanwhile.
        """
        position = claim.position
        if position is None:
            position = await self._feed.now()
            if not await self._state.advance(self._consumer, self._holder, position):
                return
        try:
            async with self._feed.read(position) as cursor:
                await self._follow(cursor, claim.until, position, stopping)
        except HistoryLostError:
            await self._events.gap(self._consumer, position, now=self._clock.now())
            await self._state.advance(self._consumer, self._holder, await self._feed.now())

    async def _follow(
        self, cursor: ChangeCursor, until: datetime, position: FeedPosition, stopping: asyncio.Event
    ) -> None:
        """Changes in batches: the next one, and those read with it already (BATCH_MAX at most).

        A batch's handlers write its effects together: one insert of a hundred entries, not a
        hundred inserts.
        """
        renew_at = until - self._lease * (1 - CLAIM_SHARE)
        pending = 0
        counted_at: datetime | None = None  # counted when found behind, then every BEHIND_EVERY_SECONDS
        while not stopping.is_set():
            changes = await _take(cursor)
            if changes:
                now = self._clock.now()
                late = now.timestamp() - changes[0].position.time >= BEHIND_AFTER_SECONDS
                if late and (counted_at is None or (now - counted_at).total_seconds() >= BEHIND_EVERY_SECONDS):
                    counted_at = now
                    await self._count_behind(changes[0])
                await self._handle(changes)
                position, pending = changes[-1].position, pending + len(changes)
            elif counted_at is not None:
                await self._events.behind(self._consumer, 0, seconds=0)
                counted_at = None
            if pending and (not changes or pending >= CHECKPOINT_EVERY):
                if not await self._state.advance(self._consumer, self._holder, position):
                    return  # another holds the lease now: it goes on from the checkpoint
                await self._events.checkpointed(self._consumer, position, handled=pending)
                pending = 0
            if self._clock.now() >= renew_at:
                renewed = await self._claim()
                if renewed is None:
                    return
                renew_at = renewed.until - self._lease * (1 - CLAIM_SHARE)
        if pending and await self._state.advance(self._consumer, self._holder, position):
            await self._events.checkpointed(self._consumer, position, handled=pending)

    async def _count_behind(self, first: Change) -> None:
        """The changes from `first` (not handled yet) to the history's end, and how long ago `first` was committed."""
        seconds = max(0.0, self._clock.now().timestamp() - first.position.time)
        ahead = await self._feed.count_after(first.position, limit=BEHIND_COUNT_MAX, within=BEHIND_COUNT_SECONDS)
        await self._events.behind(self._consumer, ahead + 1, seconds=seconds)

    async def _handle(self, changes: Sequence[Change]) -> None:
        for handler in self._handlers:
            try:
                await handler.handle(changes)
            except UnavailableError:
                raise
            except Exception:  # noqa: BLE001 - one change's fault: found by handling them one at a time
                for change in changes:
                    try:
                        await handler.handle([change])
                    except UnavailableError:
                        raise
                    except Exception as error:  # noqa: BLE001 - one handler's bug must not stop every later change
                        await self._events.failed(handler.name, change, error)


async def _take(cursor: ChangeCursor) -> list[Change]:
    """The next change (after a short wait), and every one read with it, BATCH_MAX at most; none when quiet."""
    first = await cursor.next()
    if first is None:
        return []
    changes = [first]
    while len(changes) < BATCH_MAX and cursor.ready():
        change = await cursor.next()
        if change is None:
            break
        changes.append(change)
    return changes


async def _wait(stopping: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stopping.wait(), seconds)
