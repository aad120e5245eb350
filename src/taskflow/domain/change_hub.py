"""One read of the change feed per process, fanned out to its subscribers (decision 0034).

The database sees one open change stream per process however many clients follow it,
plus a short-lived one per resuming client while it catches up. The hand-over from that
catch-up to the shared read loses and repeats nothing: the subscriber is registered
first, so every change the shared read meets from then on lands in its inbox; the
catch-up runs until it reaches the inbox's first change (or the end of what there is),
and from the inbox the subscriber skips what it already has, by position.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import deque
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from taskflow.domain.errors import StorageUnavailableError, TaskflowError
from taskflow.domain.ports.changes import HistoryLostError

if TYPE_CHECKING:
    from taskflow.domain.ports.changes import Change, ChangeCursor, ChangeFeed, FeedPosition

_log = logging.getLogger(__name__)

READ_RETRY_SECONDS: Final = 1.0


class StreamBehindError(TaskflowError):
    """The subscriber fell more than its buffer behind: it resumes from the last change it took."""


class StreamClosedError(TaskflowError):
    """The process is stopping: the subscriber resumes elsewhere from the last change it took."""


@dataclass(frozen=True, slots=True)
class Reset:
    """Changes were lost to the subscriber (its position is older than the history kept): start over."""


RESET: Final = Reset()


class _Inbox:
    """What the shared read has handed one subscriber and it has not taken yet, up to `capacity`."""

    def __init__(self, capacity: int) -> None:
        self._items: deque[Change | Reset] = deque()
        self._capacity = capacity
        self._arrived = asyncio.Event()
        self.overflowed = False
        self.closed = False

    def put(self, item: Change | Reset) -> None:
        if self.overflowed or self.closed:
            return
        if len(self._items) >= self._capacity:
            self.overflowed = True
            self._items.clear()  # what it held is read again by the resume
        else:
            self._items.append(item)
        self._arrived.set()

    def close(self) -> None:
        self.closed = True
        self._arrived.set()

    def head(self) -> Change | Reset | None:
        return self._items[0] if self._items else None

    async def take(self, within: float) -> Change | Reset | None:
        if not self._items and not self.overflowed and not self.closed:
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), within)
            except TimeoutError:
                return None
        if self.overflowed:
            raise StreamBehindError
        if self._items:
            return self._items.popleft()
        if self.closed:
            raise StreamClosedError
        return None


class Subscription:
    """One subscriber's changes after its position, in order, each once; `close` when done."""

    def __init__(self, feed: ChangeFeed, inbox: _Inbox, after: FeedPosition | None) -> None:
        self._feed = feed
        self._inbox = inbox
        self._resume_from = after
        self._last = after
        self._catch_up: ChangeCursor | None = None
        self._exit = AsyncExitStack()

    @property
    def position(self) -> FeedPosition | None:
        """The last change handed out (or the position it started from)."""
        return self._last

    async def next(self, within: float) -> Change | Reset | None:
        """The next change or a reset; None when none came `within` seconds.

        StreamBehindError when the inbox overflowed, StreamClosedError when the hub closed.
        """
        if self._resume_from is not None:
            after, self._resume_from = self._resume_from, None
            try:
                self._catch_up = await self._exit.enter_async_context(self._feed.read(after))
            except HistoryLostError:
                return RESET
        if self._catch_up is not None:
            change = await self._catch_up.next()
            if change is None or _reached(change, self._inbox.head()):
                self._catch_up = None  # from here on the inbox has every change
                await self._exit.aclose()
            else:
                self._last = change.position
                return change
        while True:
            item = await self._inbox.take(within)
            if isinstance(item, Reset) or item is None:
                return item
            if self._last is None or item.position > self._last:
                self._last = item.position
                return item

    async def close(self) -> None:
        self._inbox.close()
        await self._exit.aclose()


def _reached(change: Change, head: Change | Reset | None) -> bool:
    """Whether a catch-up's change is where the inbox begins (or past it: it ran ahead of the shared read)."""
    return head is not None and not isinstance(head, Reset) and change.position >= head.position


class ChangeHub:
    """Reads the feed once, from when the first subscriber comes until `close`.

    `buffer` bounds each subscriber's inbox: one that falls further behind is told to
    resume (StreamBehindError) rather than hold more memory.
    """

    def __init__(self, feed: ChangeFeed, *, buffer: int, open_timeout: float) -> None:
        self._feed = feed
        self._buffer = buffer
        self._open_timeout = open_timeout
        self._inboxes: weakref.WeakSet[_Inbox] = weakref.WeakSet()
        self._reader: asyncio.Task[None] | None = None
        self._reading = asyncio.Event()

    @property
    def subscribers(self) -> int:
        return sum(1 for inbox in self._inboxes if not inbox.closed)

    async def subscribe(self, after: FeedPosition | None) -> Subscription:
        """Registered before it returns: no change committed from now on is missed.

        StorageUnavailableError when the shared read cannot be opened in time.
        """
        if self._reader is None:
            self._reader = asyncio.create_task(self._read(), name="change-hub")
        try:
            await asyncio.wait_for(self._reading.wait(), self._open_timeout)
        except TimeoutError:
            raise StorageUnavailableError from None
        inbox = _Inbox(self._buffer)
        # Held weakly: a subscription dropped without `close` (its client gone before it began)
        # leaves the hub with it.
        self._inboxes.add(inbox)
        return Subscription(self._feed, inbox, after)

    async def close(self) -> None:
        """Every subscriber is told to resume elsewhere; the shared read stops."""
        for inbox in list(self._inboxes):
            inbox.close()
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)
            self._reader = None
        self._reading.clear()

    async def _read(self) -> None:
        after: FeedPosition | None = None
        while True:
            try:
                async with self._feed.read(after) as cursor:
                    self._reading.set()
                    while True:
                        change = await cursor.next()
                        if change is not None:
                            after = change.position
                            for inbox in list(self._inboxes):
                                inbox.put(change)
            except HistoryLostError:
                # Reopened after an outage longer than the history: subscribers missed an unknown part.
                after = None
                for inbox in list(self._inboxes):
                    inbox.put(RESET)
            except Exception:  # noqa: BLE001 - whatever failed, the process's one reader must go on
                _log.exception("change feed read failed; reopening from the last change")
                await asyncio.sleep(READ_RETRY_SECONDS)
