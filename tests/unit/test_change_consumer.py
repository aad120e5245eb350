"""The durable consumer's rules, on fakes: one holder, checkpoints after effects, replays change nothing, gaps go on."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest

from taskflow.domain.changes.consumer import CLAIM_SHARE, ChangeDispatcher, ChangeHandler
from taskflow.domain.changes.feed import Change, FeedPosition, MembershipChanged
from taskflow.domain.errors import UnavailableError
from taskflow.domain.values import ProjectId, UserId
from tests.fakes.changes import InMemoryChangeFeed, InMemoryConsumerState, RecordingConsumerEvents
from tests.fakes.time_and_ids import FrozenClock
from tests.unit.conftest import SETTINGS, dispatching

BOB = UserId("b" * 24)
HOME = ProjectId("d" * 24)
LEASE = timedelta(seconds=10)
WAIT = 2.0


class Recording(ChangeHandler):
    """Keeps each change once by its position (an effect keyed by what it reacts to); can fail on demand."""

    def __init__(self, name: str = "recording") -> None:
        self.name = name
        self.effects: dict[FeedPosition, Change] = {}
        self.calls = 0
        self.fail_with: Exception | None = None

    async def handle(self, changes: Sequence[Change]) -> None:
        for change in changes:
            self.calls += 1
            if self.fail_with is not None:
                raise self.fail_with
            self.effects.setdefault(change.position, change)


def _publish(feed: InMemoryChangeFeed, count: int) -> list[Change]:
    changes: list[Change] = []
    for _ in range(count):
        change = MembershipChanged(feed.next_position(), BOB, HOME, member=True)
        feed.publish(change)
        changes.append(change)
    return changes


@asynccontextmanager
async def running(
    dispatcher: ChangeDispatcher, feed: InMemoryChangeFeed, *, reads: int = 1
) -> AsyncIterator[asyncio.Event]:
    stopping = asyncio.Event()
    async with dispatching(dispatcher, feed, stopping, reads=reads):
        yield stopping


async def _until(condition: object) -> None:
    for _ in range(int(WAIT / 0.01)):
        if condition():  # type: ignore[operator]  # a callable, checked by running it
            return
        await asyncio.sleep(0.01)
    pytest.fail("did not happen in time")


def _dispatcher(
    feed: InMemoryChangeFeed,
    state: InMemoryConsumerState,
    handlers: list[ChangeHandler],
    events: RecordingConsumerEvents,
    *,
    holder: str = "worker-1",
    clock: FrozenClock | None = None,
    lease: timedelta = LEASE,
) -> ChangeDispatcher:
    return ChangeDispatcher(
        feed, state, handlers, events, clock or FrozenClock(), consumer="changes", holder=holder, lease=lease
    )


async def test_it_checkpoints_what_it_handled_and_a_restart_goes_on_from_there() -> None:
    feed, state, events, handler = InMemoryChangeFeed(), InMemoryConsumerState(), RecordingConsumerEvents(), Recording()
    async with running(_dispatcher(feed, state, [handler], events), feed):
        first = _publish(feed, 3)
        await _until(lambda: len(handler.effects) == 3)
        await _until(lambda: state.positions.get("changes") == first[-1].position)
    assert "changes" not in state.holders  # released on a clean stop
    later = _publish(feed, 2)  # while no consumer runs
    async with running(_dispatcher(feed, state, [handler], events, holder="worker-2"), feed, reads=2):
        await _until(lambda: len(handler.effects) == 5)
    assert list(handler.effects) == [change.position for change in first + later]
    assert handler.calls == 5  # nothing handled twice after a clean stop


async def test_one_holder_at_a_time_and_another_takes_over_once_the_lease_runs_out() -> None:
    feed, state, events = InMemoryChangeFeed(), InMemoryConsumerState(), RecordingConsumerEvents()
    clock, lease = FrozenClock(), timedelta(seconds=0.3)  # a free lease is asked for every 0.1 s
    state.holders["changes"] = ("a dead worker", clock.now() + lease)
    state.positions["changes"] = await feed.now()  # where the dead worker had got to
    handler = Recording()
    async with running(_dispatcher(feed, state, [handler], events, clock=clock, lease=lease), feed, reads=0):
        changes = _publish(feed, 2)
        await asyncio.sleep(0.3)
        assert handler.calls == 0  # the lease is another's
        clock.advance(seconds=1)  # it was not renewed: it runs out
        await _until(lambda: len(handler.effects) == 2)  # from the dead holder's checkpoint: nothing missed
    assert state.positions["changes"] == changes[-1].position


async def test_a_transient_failure_handles_the_change_again_and_its_effect_stays_one() -> None:
    feed, state, events, handler = InMemoryChangeFeed(), InMemoryConsumerState(), RecordingConsumerEvents(), Recording()
    handler.fail_with = UnavailableError()
    async with running(_dispatcher(feed, state, [handler], events), feed):
        (change,) = _publish(feed, 1)
        await _until(lambda: len(events.stalls) >= 1)
        assert state.positions["changes"] != change.position  # not checkpointed past a change not handled
        handler.fail_with = None
        await _until(lambda: state.positions.get("changes") == change.position)
    assert list(handler.effects) == [change.position]
    assert handler.calls >= 2


async def test_a_handler_that_fails_otherwise_is_reported_and_passed_over() -> None:
    feed, state, events = InMemoryChangeFeed(), InMemoryConsumerState(), RecordingConsumerEvents()
    broken, working = Recording("broken"), Recording("working")
    broken.fail_with = ValueError("a bug")
    async with running(_dispatcher(feed, state, [broken, working], events), feed):
        changes = _publish(feed, 2)
        await _until(lambda: state.positions.get("changes") == changes[-1].position)
    assert [(name, change) for name, change, _ in events.failures] == [("broken", change) for change in changes]
    assert list(working.effects) == [change.position for change in changes]


async def test_a_checkpoint_older_than_the_history_is_a_gap_recorded_and_reading_goes_on() -> None:
    feed, state, events, handler = InMemoryChangeFeed(), InMemoryConsumerState(), RecordingConsumerEvents(), Recording()
    old = _publish(feed, 3)
    state.positions["changes"] = old[0].position
    feed.forget(2)  # the history starts after the checkpoint's change
    async with running(_dispatcher(feed, state, [handler], events), feed):
        await _until(lambda: events.gaps == [old[0].position])
        await _until(lambda: feed.reads_open == 1)
        later = _publish(feed, 1)
        await _until(lambda: list(handler.effects) == [later[0].position])


async def test_while_behind_it_counts_the_changes_still_to_handle_and_says_when_it_caught_up() -> None:
    feed, state, events, handler = InMemoryChangeFeed(), InMemoryConsumerState(), RecordingConsumerEvents(), Recording()
    state.positions["changes"] = await feed.now()  # the checkpoint `migrate` stores: before any change
    _publish(feed, 30)  # committed long before the clock's now: the consumer is behind
    async with running(_dispatcher(feed, state, [handler], events), feed, reads=2):
        await _until(lambda: len(handler.effects) == 30)
        await _until(lambda: events.behind_counts == [30, 0])


def test_by_default_another_worker_takes_over_within_ten_seconds_of_the_holder_dying() -> None:
    """The lease runs out, and a worker asking for it every CLAIM_SHARE of it gets it (issue 30: within 10 s)."""
    lease = SETTINGS.change_consumer_lease_seconds
    assert lease * (1 + CLAIM_SHARE) <= 10
