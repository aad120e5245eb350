"""The change feed, its consumer's lease and checkpoint, and the live streams' slots, without MongoDB or Redis.

tests/contract/ holds each to the real one.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from taskflow.domain.changes.consumer import Claim, ConsumerEvents, ConsumerState
from taskflow.domain.changes.feed import Change, ChangeCursor, ChangeFeed, FeedPosition, HistoryLostError
from taskflow.domain.errors import UnavailableError
from taskflow.domain.ports.streams import StreamSlots
from taskflow.domain.values import UserId


class InMemoryChangeFeed(ChangeFeed):
    """Changes in a list; `forget` drops history as a database trims it. Counts the reads open."""

    def __init__(self) -> None:
        self.changes: list[Change] = []
        self.forgotten = 0  # changes before this index are gone
        self.reads_open = 0
        self.reads_opened = 0
        self._published = asyncio.Event()

    def next_position(self) -> FeedPosition:
        """A position after every one published so far, for a change about to be."""
        return FeedPosition(0, len(self.changes) + 1, f"memory-{len(self.changes) + 1}")

    def publish(self, change: Change) -> None:
        self.changes.append(change)
        self._published.set()

    def forget(self, count: int) -> None:
        self.forgotten = count

    @asynccontextmanager
    async def read(self, after: FeedPosition | None) -> AsyncIterator[ChangeCursor]:
        start = len(self.changes)
        if after is not None and not after.token:  # a moment: the changes after it
            if after.increment < self.forgotten:
                raise HistoryLostError
            start = after.increment
        elif after is not None:
            found = [index for index, change in enumerate(self.changes) if change.position == after]
            if not found or found[0] < self.forgotten:
                raise HistoryLostError
            start = found[0] + 1
        self.reads_open += 1
        self.reads_opened += 1
        try:
            yield _InMemoryCursor(self, start)
        finally:
            self.reads_open -= 1

    async def now(self) -> FeedPosition:
        return FeedPosition(0, len(self.changes), "")

    async def count_after(self, after: FeedPosition, *, limit: int, within: float) -> int:  # noqa: ARG002 - at once
        return min(limit, sum(1 for change in self.changes if change.position > after))

    async def wait_for_change(self) -> None:
        self._published.clear()
        try:
            await asyncio.wait_for(self._published.wait(), 0.01)
        except TimeoutError:
            return


class _InMemoryCursor(ChangeCursor):
    def __init__(self, feed: InMemoryChangeFeed, start: int) -> None:
        self._feed = feed
        self._next = start

    async def next(self) -> Change | None:
        if self._next >= len(self._feed.changes):
            await self._feed.wait_for_change()
            if self._next >= len(self._feed.changes):
                return None
        change = self._feed.changes[self._next]
        self._next += 1
        return change

    def ready(self) -> bool:
        return self._next < len(self._feed.changes)


class InMemoryStreamSlots(StreamSlots):
    """Leases per user, as in Redis: one not renewed within `lease_seconds` frees itself.

    `held` maps each user's streams to the end of their leases (on `clock`); `renewed` lists the renewals.
    """

    def __init__(self, *, lease_seconds: float = 30.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._lease_seconds = lease_seconds
        self._clock = clock
        self.held: dict[UserId, dict[str, float]] = {}
        self.renewed: list[tuple[UserId, str]] = []

    def _leased(self, user: UserId) -> dict[str, float]:
        now = self._clock()
        held = self.held[user] = {stream: end for stream, end in self.held.get(user, {}).items() if end > now}
        return held

    async def take(self, user: UserId, stream: str, *, limit: int) -> bool:
        held = self._leased(user)
        if len(held) >= limit:
            return False
        held[stream] = self._clock() + self._lease_seconds
        return True

    async def renew(self, user: UserId, stream: str) -> None:
        self.renewed.append((user, stream))
        self._leased(user)[stream] = self._clock() + self._lease_seconds

    async def release(self, user: UserId, stream: str) -> None:
        self._leased(user).pop(stream, None)


class InMemoryConsumerState(ConsumerState):
    """Leases and checkpoints by consumer name, as the MongoDB collection keeps them."""

    def __init__(self) -> None:
        self.holders: dict[str, tuple[str, datetime]] = {}
        self.positions: dict[str, FeedPosition | None] = {}
        self.down = False

    def _answering(self) -> None:
        if self.down:
            raise UnavailableError

    async def claim(self, consumer: str, holder: str, *, now: datetime, until: datetime) -> Claim | None:
        self._answering()
        current = self.holders.get(consumer)
        if current is not None and current[0] != holder and current[1] > now:
            return None
        self.holders[consumer] = (holder, until)
        return Claim(until, self.positions.get(consumer))

    async def advance(self, consumer: str, holder: str, position: FeedPosition) -> bool:
        self._answering()
        current = self.holders.get(consumer)
        if current is None or current[0] != holder:
            return False
        self.positions[consumer] = position
        return True

    async def release(self, consumer: str, holder: str) -> None:
        self._answering()
        if self.holders.get(consumer, ("", None))[0] == holder:
            del self.holders[consumer]


class RecordingConsumerEvents(ConsumerEvents):
    """What the dispatcher reported, for a test to read."""

    def __init__(self) -> None:
        self.checkpoints: list[tuple[FeedPosition, int]] = []
        self.failures: list[tuple[str, Change, Exception]] = []
        self.gaps: list[FeedPosition] = []
        self.stalls: list[Exception] = []
        self.behind_counts: list[int] = []

    async def checkpointed(self, consumer: str, position: FeedPosition, *, handled: int) -> None:  # noqa: ARG002 - one consumer
        self.checkpoints.append((position, handled))

    async def failed(self, handler: str, change: Change, error: Exception) -> None:
        self.failures.append((handler, change, error))

    async def behind(self, consumer: str, changes: int, *, seconds: float) -> None:  # noqa: ARG002 - one consumer
        self.behind_counts.append(changes)

    async def gap(self, consumer: str, after: FeedPosition, *, now: datetime) -> None:  # noqa: ARG002 - one consumer
        self.gaps.append(after)

    async def stalled(self, consumer: str, error: Exception) -> None:  # noqa: ARG002 - one consumer
        self.stalls.append(error)
