"""The change feed and the live streams' slots without MongoDB or Redis; tests/contract/ holds them to the real ones."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from taskflow.domain.changes.feed import Change, ChangeCursor, ChangeFeed, FeedPosition, HistoryLostError
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

    def publish(self, change: Change) -> None:
        self.changes.append(change)
        self._published.set()

    def forget(self, count: int) -> None:
        self.forgotten = count

    @asynccontextmanager
    async def read(self, after: FeedPosition | None) -> AsyncIterator[ChangeCursor]:
        start = len(self.changes)
        if after is not None:
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
