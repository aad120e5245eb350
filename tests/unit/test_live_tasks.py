"""Live task changes on fakes (decision 0034): one shared read, gap-free resumes, who sees what, the per-user cap."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from taskflow.domain.access.roles import ProjectRole
from taskflow.domain.changes.feed import (
    Change,
    FeedPosition,
    MembershipChanged,
    NotificationCreated,
    Place,
    TaskChanged,
)
from taskflow.domain.errors import TooManyRequestsError
from taskflow.domain.live.hub import RESET, ChangeHub, StreamBehindError, StreamClosedError, View
from taskflow.domain.model.accounts import User
from taskflow.domain.model.notifications import Notification, NotificationKind
from taskflow.domain.model.projects import Membership
from taskflow.domain.model.tasks import Task, TaskDraft
from taskflow.domain.services.live_tasks import (
    LiveTasks,
    NotificationEvent,
    StreamLimits,
    TaskEvent,
    TaskEventKind,
    TaskEvents,
)
from taskflow.domain.values import Email, ProjectId, TaskId, UserId
from tests.fakes.accounts import InMemoryUserRepository
from tests.fakes.changes import InMemoryChangeFeed, InMemoryStreamSlots
from tests.fakes.projects import InMemoryMemberships

ADA, BOB = UserId("a" * 24), UserId("b" * 24)
HOME = ProjectId("d" * 24)
NOW = datetime(2026, 3, 1, tzinfo=UTC)
WAIT = 0.2  # seconds a test waits for something that should come at once


class Everything(View[Change]):
    """A subscriber that keeps every change, for the hub's own rules."""

    def live(self, change: Change) -> Change:
        return change

    def past(self, change: Change) -> Change:
        return change


EVERYTHING = Everything()
_positions = itertools.count(1)
_ids = itertools.count(1)


def _position() -> FeedPosition:
    increment = next(_positions)
    return FeedPosition(1_800_000_000, increment, f"token-{increment}")


def _task(space: UserId, project: ProjectId | None = None, version: int = 1) -> Task:
    task = Task.create(TaskId(f"{next(_ids):024x}"), space, TaskDraft(title="t"), now=NOW, project_id=project)
    return dataclasses.replace(task, version=version)


def created(task: Task) -> TaskChanged:
    return TaskChanged(_position(), task.id, None, task, task.version)


def changed(task: Task, *, before: Place | None = None) -> TaskChanged:
    newer = dataclasses.replace(task, version=task.version + 1)
    was = before or Place(task.owner_id, task.project_id)
    return TaskChanged(_position(), task.id, was, newer, newer.version)


def deleted(task: Task) -> TaskChanged:
    return TaskChanged(_position(), task.id, Place(task.owner_id, task.project_id), None, task.version)


def membership(user: UserId, project: ProjectId, *, member: bool) -> MembershipChanged:
    return MembershipChanged(_position(), user, project, member=member)


@pytest.fixture
def feed() -> InMemoryChangeFeed:
    return InMemoryChangeFeed()


@pytest.fixture
def slots() -> InMemoryStreamSlots:
    return InMemoryStreamSlots()


@pytest.fixture
def memberships() -> InMemoryMemberships:
    return InMemoryMemberships()


@pytest.fixture
async def hub(feed: InMemoryChangeFeed) -> ChangeHub:
    return ChangeHub(feed, buffer=8, open_timeout=1.0)


@pytest.fixture
def live(hub: ChangeHub, memberships: InMemoryMemberships, slots: InMemoryStreamSlots) -> LiveTasks:
    return LiveTasks(hub, memberships, InMemoryUserRepository(), slots, StreamLimits(per_user=2, renew_seconds=0.05))


async def _drain(events: TaskEvents, within: float = WAIT) -> list[TaskEvent]:
    """Every event that comes before `within` seconds pass with none."""
    taken = []
    while (event := await events.next(within)) is not None:
        assert isinstance(event, TaskEvent)
        taken.append(event)
    return taken


async def test_one_shared_read_serves_every_subscriber(hub: ChangeHub, feed: InMemoryChangeFeed) -> None:
    subscriptions = [await hub.subscribe(EVERYTHING, None) for _ in range(5)]
    task = _task(ADA)
    feed.publish(created(task))
    for subscription in subscriptions:
        change = await subscription.next(WAIT)
        assert isinstance(change, TaskChanged)
        assert change.task_id == task.id
    assert feed.reads_opened == 1  # however many subscribe
    for subscription in subscriptions:
        await subscription.close()
    await hub.close()
    assert feed.reads_open == 0


async def test_a_resume_gets_exactly_what_came_after_its_position_then_the_live_ones(
    hub: ChangeHub, feed: InMemoryChangeFeed
) -> None:
    await (await hub.subscribe(EVERYTHING, None)).close()  # the shared read is open, as in a running process
    missed = [created(_task(ADA)) for _ in range(4)]
    for change in missed:
        feed.publish(change)
    subscription = await hub.subscribe(EVERYTHING, missed[0].position)
    live = created(_task(ADA))
    feed.publish(live)  # while the catch-up has not begun: the inbox holds it too
    seen = []
    while (item := await subscription.next(WAIT)) is not None:
        seen.append(item)
    assert seen == [*missed[1:], live]  # in order, none twice, none lost
    assert feed.reads_open == 1  # the catch-up's read closed at the hand-over; the shared one stays
    await subscription.close()
    await hub.close()


async def test_a_catch_up_ahead_of_the_shared_read_hands_over_without_repeats(
    hub: ChangeHub, feed: InMemoryChangeFeed
) -> None:
    first = await hub.subscribe(EVERYTHING, None)
    start = created(_task(ADA))
    feed.publish(start)
    assert await first.next(WAIT) == start
    subscription = await hub.subscribe(EVERYTHING, start.position)
    burst = [created(_task(ADA)) for _ in range(6)]
    for change in burst:  # the catch-up and the shared read race over these
        feed.publish(change)
        await asyncio.sleep(0)
    seen = []
    while (item := await subscription.next(WAIT)) is not None:
        seen.append(item)
    assert seen == burst
    await first.close()
    await subscription.close()
    await hub.close()


async def test_a_position_older_than_the_history_gets_one_reset_then_the_live_changes(
    hub: ChangeHub, feed: InMemoryChangeFeed
) -> None:
    warm = await hub.subscribe(EVERYTHING, None)
    old, newer = created(_task(ADA)), created(_task(ADA))
    feed.publish(old)
    feed.publish(newer)
    assert [await warm.next(WAIT), await warm.next(WAIT)] == [old, newer]  # the shared read is past both
    feed.forget(2)
    subscription = await hub.subscribe(EVERYTHING, old.position)
    assert await subscription.next(WAIT) is RESET
    live = created(_task(ADA))
    feed.publish(live)
    assert await subscription.next(WAIT) == live
    for each in (warm, subscription):
        await each.close()
    await hub.close()


async def test_a_subscriber_that_falls_behind_its_buffer_is_told_to_resume(
    hub: ChangeHub, feed: InMemoryChangeFeed
) -> None:
    slow = await hub.subscribe(EVERYTHING, None)
    for _ in range(9):  # one past the buffer of 8
        feed.publish(created(_task(ADA)))
    await asyncio.sleep(WAIT)
    with pytest.raises(StreamBehindError):
        await slow.next(WAIT)
    await slow.close()
    await hub.close()


async def test_closing_the_hub_tells_every_subscriber_to_resume_elsewhere(hub: ChangeHub) -> None:
    subscription = await hub.subscribe(EVERYTHING, None)
    await hub.close()
    with pytest.raises(StreamClosedError):
        await subscription.next(WAIT)


async def test_a_user_sees_their_own_tasks_and_not_anothers(live: LiveTasks, feed: InMemoryChangeFeed) -> None:
    events = await live.follow(ADA, None)
    mine, bobs = _task(ADA), _task(BOB)
    for change in (created(bobs), created(mine), changed(mine), changed(bobs), deleted(bobs), deleted(mine)):
        feed.publish(change)
    taken = await _drain(events)
    assert [(event.kind, event.task_id, event.version) for event in taken] == [
        (TaskEventKind.CREATED, mine.id, 1),
        (TaskEventKind.UPDATED, mine.id, 2),
        (TaskEventKind.DELETED, mine.id, 1),
    ]
    assert taken[0].task == mine
    assert taken[2].task is None
    await events.close()


async def test_a_user_is_shown_their_own_new_notifications_with_who_made_them(feed: InMemoryChangeFeed) -> None:
    users = InMemoryUserRepository()
    await users.add(User(id=ADA, email=Email("ada@example.com"), name="Ada", password_hash="x", created_at=NOW,
                         updated_at=NOW))  # fmt: skip
    hub = ChangeHub(feed, buffer=10, open_timeout=1)
    live = LiveTasks(
        hub, InMemoryMemberships(), users, InMemoryStreamSlots(), StreamLimits(per_user=2, renew_seconds=1)
    )
    events = await live.follow(BOB, None)
    told = Notification(id="1" * 24, user=BOB, kind=NotificationKind.ASSIGNED, at=NOW, actor=ADA)
    for notification in (told, replace(told, id="2" * 24, user=ADA)):
        feed.publish(NotificationCreated(feed.next_position(), notification))
    event = await events.next(WAIT)
    assert isinstance(event, NotificationEvent)
    assert (event.notification, event.names) == (told, {ADA: "Ada"})
    assert await events.next(WAIT) is None  # Ada's is not Bob's
    await events.close()
    await hub.close()


async def test_a_member_sees_the_projects_tasks_from_joining_until_leaving(
    live: LiveTasks, feed: InMemoryChangeFeed
) -> None:
    events = await live.follow(BOB, None)
    before, during, after = _task(ADA, HOME), _task(ADA, HOME), _task(ADA, HOME)
    feed.publish(created(before))
    feed.publish(membership(BOB, HOME, member=True))
    feed.publish(created(during))
    feed.publish(membership(BOB, HOME, member=False))
    feed.publish(created(after))  # committed after the removal: never shown
    feed.publish(changed(during))
    assert [event.task_id for event in await _drain(events)] == [during.id]
    await events.close()


async def test_a_task_moved_out_of_sight_is_deleted_for_the_watcher_and_one_moved_in_created(
    live: LiveTasks, feed: InMemoryChangeFeed
) -> None:
    events = await live.follow(ADA, None)
    mine = _task(ADA)
    moved_out = dataclasses.replace(mine, owner_id=BOB)
    feed.publish(created(mine))
    feed.publish(changed(moved_out, before=Place(ADA, None)))
    feed.publish(changed(mine, before=Place(BOB, None)))
    kinds = [event.kind for event in await _drain(events)]
    assert kinds == [TaskEventKind.CREATED, TaskEventKind.DELETED, TaskEventKind.CREATED]
    await events.close()


async def test_the_projects_a_user_is_in_when_following_count_from_the_start(
    live: LiveTasks, feed: InMemoryChangeFeed, memberships: InMemoryMemberships
) -> None:
    memberships.join(Membership(user_id=BOB, project_id=HOME, space=ADA, role=ProjectRole.VIEWER, joined_at=NOW))
    events = await live.follow(BOB, None)
    shared = _task(ADA, HOME)
    feed.publish(created(shared))
    assert [event.task_id for event in await _drain(events)] == [shared.id]
    await events.close()


async def test_streams_per_user_are_capped_and_a_closed_one_frees_its_slot(
    live: LiveTasks, slots: InMemoryStreamSlots
) -> None:
    first, second = await live.follow(ADA, None), await live.follow(ADA, None)
    with pytest.raises(TooManyRequestsError):
        await live.follow(ADA, None)
    other = await live.follow(BOB, None)  # the cap is per user
    await first.close()
    third = await live.follow(ADA, None)
    assert len(slots.held[ADA]) == 2
    for events in (second, third, other):
        await events.close()
    assert not slots.held[ADA]
    assert not slots.held[BOB]


async def test_an_open_stream_renews_its_slot(live: LiveTasks, slots: InMemoryStreamSlots) -> None:
    events = await live.follow(ADA, None)
    for _ in range(3):
        assert await events.next(0.06) is None
    assert len(slots.renewed) >= 2
    await events.close()


async def test_others_changes_never_fill_a_users_buffer(live: LiveTasks, feed: InMemoryChangeFeed) -> None:
    events = await live.follow(ADA, None)
    for _ in range(50):  # far past the buffer of 8, all Bob's
        feed.publish(created(_task(BOB)))
    mine = _task(ADA)
    feed.publish(created(mine))
    await asyncio.sleep(WAIT)
    assert [event.task_id for event in await _drain(events)] == [mine.id]
    await events.close()


async def test_a_quiet_stream_settles_past_others_changes_and_resumes_from_there_without_loss(
    live: LiveTasks, feed: InMemoryChangeFeed
) -> None:
    warm = await live.follow(ADA, None)  # the shared read is open and has read something
    feed.publish(created(_task(BOB)))
    await asyncio.sleep(WAIT)
    events = await live.follow(ADA, None)
    assert events.position == feed.changes[-1].position  # where it began: a client can resume from there
    bobs = created(_task(BOB))
    feed.publish(bobs)
    assert await events.next(WAIT) is None
    assert events.settle() == bobs.position
    await events.close()
    mine = created(_task(ADA))
    feed.publish(mine)
    resumed = await live.follow(ADA, bobs.position)
    assert [event.task_id for event in await _drain(resumed)] == [mine.task_id]
    for stream in (warm, resumed):
        await stream.close()


async def test_a_resume_whose_catch_up_outlasts_the_buffer_reads_on_instead_of_falling_behind(
    hub: ChangeHub, feed: InMemoryChangeFeed
) -> None:
    await (await hub.subscribe(EVERYTHING, None)).close()
    start = created(_task(ADA))
    feed.publish(start)
    subscription = await hub.subscribe(EVERYTHING, start.position)
    burst = [created(_task(ADA)) for _ in range(20)]  # more than the buffer of 8, before the catch-up began
    for change in burst:
        feed.publish(change)
    await asyncio.sleep(WAIT)
    seen = []
    while (item := await subscription.next(WAIT)) is not None:
        seen.append(item)
    assert seen == burst
    await subscription.close()
    await hub.close()
