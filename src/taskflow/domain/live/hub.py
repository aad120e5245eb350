"""One read of the change feed per process, fanned out to its subscribers (decision 0034).

The database sees one open change stream per process however many clients follow it,
plus a short-lived one per resuming client while it catches up. Each subscriber brings a
`View`: what of a change it keeps (its user's events), decided as the shared read hands
the change over, so an inbox holds only what its client will be sent.

The hand-over from a catch-up to the shared read loses and repeats nothing: the
subscriber is registered first, so every change the shared read offers from then on
passes its view; the catch-up delivers what came before the first of those, and from
the inbox the subscriber skips whatever it has delivered already, by position.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import deque
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Generic, Protocol, TypeVar

from taskflow.domain.changes.feed import HistoryLostError
from taskflow.domain.errors import StorageUnavailableError, TaskflowError

if TYPE_CHECKING:
    from taskflow.domain.changes.feed import Change, ChangeCursor, ChangeFeed, FeedPosition

_log = logging.getLogger(__name__)

READ_RETRY_SECONDS: Final = 1.0


class StreamBehindError(TaskflowError):
    """The subscriber fell more than its buffer behind: it resumes from the last item it took."""


class StreamClosedError(TaskflowError):
    """The process is stopping: the subscriber resumes elsewhere from the last item it took."""


@dataclass(frozen=True, slots=True)
class Reset:
    """Changes were lost to the subscriber (its position is older than the history kept): start over."""


RESET: Final = Reset()


class Positioned(Protocol):
    @property
    def position(self) -> FeedPosition: ...


T = TypeVar("T", bound=Positioned)
T_co = TypeVar("T_co", bound=Positioned, covariant=True)


class View(Protocol[T_co]):
    """What one subscriber makes of changes; None: nothing for it."""

    def live(self, change: Change) -> T_co | None:
        """A change as the shared read offers it, in commit order, each once: it may update the view."""
        ...

    def past(self, change: Change) -> T_co | None:
        """A change from before the subscriber came (its catch-up), judged as things are now."""
        ...


class _Inbox(Generic[T]):
    """What the shared read kept for one subscriber and it has not taken yet, up to `capacity`."""

    def __init__(self, view: View[T], capacity: int) -> None:
        self._view = view
        self._items: deque[T | Reset] = deque()
        self._capacity = capacity
        self._arrived = asyncio.Event()
        self.first: FeedPosition | None = None
        """The first change offered after the subscriber came: the catch-up delivers what is before it."""
        self.offered: FeedPosition | None = None
        """The last change offered, kept or not."""
        self.catching_up = False
        """While a catch-up runs, a full inbox is emptied and the catch-up goes further, rather than overflow."""
        self.overflowed = False
        self.closed = False

    def offer(self, change: Change) -> None:
        if self.first is None:
            self.first = change.position
        self.offered = change.position
        if self.overflowed or self.closed:
            return
        item = self._view.live(change)
        if item is not None:
            self.put(item)

    def put(self, item: T | Reset) -> None:
        if len(self._items) < self._capacity:
            self._items.append(item)
        elif self.catching_up:
            # The catch-up reads these from the database too: it goes on past them instead.
            self._items.clear()
            self.first = None
        else:
            self.overflowed = True
            self._items.clear()  # what it held is read again by the resume
        self._arrived.set()

    def close(self) -> None:
        self.closed = True
        self._arrived.set()

    @property
    def empty(self) -> bool:
        return not self._items

    async def take(self, within: float) -> T | Reset | None:
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


class Subscription(Generic[T]):
    """One subscriber's items after its position, in commit order, each once; `close` when done."""

    def __init__(
        self, feed: ChangeFeed, inbox: _Inbox[T], view: View[T], after: FeedPosition | None, now: FeedPosition | None
    ) -> None:
        self._feed = feed
        self._inbox = inbox
        self._view = view
        self._resume_from = after
        self._last = after or now
        self._catch_up: ChangeCursor | None = None
        self._exit = AsyncExitStack()
        inbox.catching_up = after is not None

    @property
    def position(self) -> FeedPosition | None:
        """Where the subscriber is: resuming from here later loses and repeats nothing (None: not known yet)."""
        return self._last

    def settle(self) -> FeedPosition | None:
        """When it has taken all there is, the last change offered: resuming from there skips only others' changes.

        Keeps an idle subscriber's position from ageing out of the history. None while it has more to take.
        """
        if self._catch_up is not None or self._resume_from is not None or not self._inbox.empty:
            return None
        offered = self._inbox.offered
        if offered is not None and (self._last is None or offered > self._last):
            self._last = offered
        return self._last

    async def next(self, within: float) -> T | Reset | None:
        """The next item or a reset; None when none came `within` seconds.

        StreamBehindError when the inbox overflowed, StreamClosedError when the hub closed.
        """
        if self._resume_from is not None:
            after, self._resume_from = self._resume_from, None
            try:
                self._catch_up = await self._exit.enter_async_context(self._feed.read(after))
            except HistoryLostError:
                self._inbox.catching_up = False
                return RESET
        loop = asyncio.get_running_loop()
        until = loop.time() + within
        while self._catch_up is not None:
            item = await self._caught_up()
            if item is not None:
                return item
            if loop.time() >= until:
                return None  # a catch-up through others' changes still lets a heartbeat out
        while True:
            taken = await self._inbox.take(within)
            if taken is None or isinstance(taken, Reset):
                return taken
            if self._last is None or taken.position > self._last:
                self._last = taken.position
                return taken

    async def _caught_up(self) -> T | None:
        """The catch-up's next item; None when it has none (yet), or has ended."""
        assert self._catch_up is not None  # noqa: S101 - the caller checked
        change = await self._catch_up.next()
        first = self._inbox.first
        if change is None or (first is not None and change.position >= first):
            self._catch_up = None  # from here on the shared read offers every change
            self._inbox.catching_up = False
            await self._exit.aclose()
            return None
        self._last = change.position
        return self._view.past(change)

    async def close(self) -> None:
        self._inbox.close()
        await self._exit.aclose()


class ChangeHub:
    """Reads the feed once, from when the first subscriber comes until `close`.

    `buffer` bounds each subscriber's inbox: one that falls further behind is told to
    resume (StreamBehindError) rather than hold more memory.
    """

    def __init__(self, feed: ChangeFeed, *, buffer: int, open_timeout: float) -> None:
        self._feed = feed
        self._buffer = buffer
        self._open_timeout = open_timeout
        self._inboxes: weakref.WeakSet[_Inbox[Positioned]] = weakref.WeakSet()
        self._reader: asyncio.Task[None] | None = None
        self._reading = asyncio.Event()
        self._read_up_to: FeedPosition | None = None

    async def subscribe(self, view: View[T], after: FeedPosition | None) -> Subscription[T]:
        """Registered before it returns: every change committed from now on passes `view`.

        StorageUnavailableError when the shared read cannot be opened in time.
        """
        if self._reader is None:
            self._reader = asyncio.create_task(self._read(), name="change-hub")
        try:
            await asyncio.wait_for(self._reading.wait(), self._open_timeout)
        except TimeoutError:
            raise StorageUnavailableError from None
        inbox = _Inbox(view, self._buffer)
        # Held weakly: a subscription dropped without `close` (its client gone before it began)
        # leaves the hub with it.
        self._inboxes.add(inbox)  # type: ignore[arg-type]  # each inbox holds its own view's items
        return Subscription(self._feed, inbox, view, after, self._read_up_to)

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
                            after = self._read_up_to = change.position
                            for inbox in list(self._inboxes):
                                inbox.offer(change)
                            # A batch is read at once: let subscribers send between its changes.
                            await asyncio.sleep(0)
            except HistoryLostError:
                # Reopened after an outage longer than the history: subscribers missed an unknown part.
                after = self._read_up_to = None
                for inbox in list(self._inboxes):
                    inbox.put(RESET)
            except Exception:  # noqa: BLE001 - whatever failed, the process's one reader must go on
                _log.exception("change feed read failed; reopening from the last change")
                await asyncio.sleep(READ_RETRY_SECONDS)
