"""One suite for the change feed: the in-memory feed and a MongoDB change stream read alike (decision 0034).

Each run writes through its store's own path (MongoDB: the repositories the services use;
in memory: the changes the unit tests publish, made here by the port's rules) and reads
the changes back: in commit order, resumable from any position, quiet as None, and lost
history named as such.
"""

from __future__ import annotations

import dataclasses
import itertools
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from pymongo import AsyncMongoClient

from taskflow.adapters.mongo.change_feed import MongoChangeFeed
from taskflow.adapters.mongo.client import connect, create_indexes
from taskflow.adapters.mongo.migrations import record_change_images
from taskflow.adapters.mongo.notifications import MongoInbox
from taskflow.adapters.mongo.projects import MongoMembershipRepository
from taskflow.adapters.stores.tasks.mongo import MongoTaskRepository
from taskflow.domain.access.roles import ProjectRole
from taskflow.domain.access.service import AccessService
from taskflow.domain.changes.classification import ChangeKind, FieldChange, classify
from taskflow.domain.changes.feed import (
    Change,
    ChangeCursor,
    ChangeFeed,
    HistoryLostError,
    MembershipChanged,
    NotificationCreated,
    Place,
    TaskChanged,
)
from taskflow.domain.model.notifications import Notification, NotificationKind
from taskflow.domain.model.projects import Membership
from taskflow.domain.model.tasks import Task, TaskDraft
from taskflow.domain.ports.notifications import Inbox
from taskflow.domain.ports.projects import MembershipRepository
from taskflow.domain.ports.tasks import TaskRepository
from taskflow.domain.values import ProjectId, TaskId, UserId
from taskflow.entrypoints.processes import Child, start_secantus
from tests.conftest import MEMORY
from tests.fakes.changes import InMemoryChangeFeed
from tests.fakes.notifications import InMemoryInbox
from tests.fakes.projects import InMemoryMemberships
from tests.fakes.tasks import InMemoryTaskRepository

ADA, BOB = UserId("a" * 24), UserId("b" * 24)
HOME = ProjectId("d" * 24)
NOW = datetime(2026, 3, 1, tzinfo=UTC)
HISTORY = 30
"""Changes the short-history server keeps (its oplog)."""
_ids = itertools.count(1)


@dataclass
class Store:
    """A feed, and the repositories whose writes it carries: the same writes for each store."""

    feed: ChangeFeed
    tasks: TaskRepository
    memberships: MembershipRepository
    trim_history: Callable[[], Awaitable[None]]
    """Keep only the last HISTORY changes, as a database trims its history."""
    inbox: Inbox

    async def add(self, task: Task) -> None:
        await self.tasks.add(AccessService.own(task.owner_id), task)

    async def replace(self, old: Task, new: Task) -> None:
        """The stored task (`old`), replaced by `new`, one version newer, perhaps elsewhere."""
        source, target = AccessService.own(old.owner_id), AccessService.own(new.owner_id)
        if source == target:
            assert await self.tasks.replace(source, new, expected_version=old.version)
        else:
            assert await self.tasks.move(source, target, new, expected_version=old.version)

    async def delete(self, task: Task) -> None:
        assert await self.tasks.delete(AccessService.own(task.owner_id), task.id, expected_version=task.version)

    async def join(self, membership: Membership) -> None:
        assert await self.memberships.add(membership)

    async def promote(self, membership: Membership) -> None:
        promoted = await self.memberships.set_role(membership.user_id, membership.project_id, ProjectRole.ADMIN, by=ADA)
        assert promoted is not None

    async def leave(self, membership: Membership) -> None:
        assert await self.memberships.remove(membership.user_id, membership.project_id, by=ADA)


def _in_memory() -> Store:
    feed = InMemoryChangeFeed()

    async def trim_history() -> None:
        feed.forget(len(feed.changes) - HISTORY)

    return Store(feed, InMemoryTaskRepository(feed), InMemoryMemberships(feed), trim_history, InMemoryInbox(feed))


@pytest.fixture(scope="module")
def short_history() -> Iterator[Child]:
    """A SecantusDB of its own whose history is short: a position falls out of it after HISTORY writes."""
    child = start_secantus(storage=None, extra=["--oplog-max-entries", str(HISTORY)])
    yield child
    child.stop()


@pytest.fixture(params=[MEMORY, "mongo"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[Store]:
    if request.param == MEMORY:
        yield _in_memory()
        return
    server: Child = request.getfixturevalue("short_history")
    client: AsyncMongoClient[dict[str, object]] = connect(server.url, timeout_seconds=5)  # as the app connects
    database = client[f"feed_{uuid.uuid4().hex[:10]}"]
    await create_indexes(database)
    await record_change_images(database)  # as `taskflow migrate` does: deletions say whose task it was

    async def trim_history() -> None:
        assert (await client.admin.command({"secantusAdmin.pruneOplog": 1}))["pruned"] > 0

    try:
        feed = MongoChangeFeed(database, max_await_seconds=0.2)
        yield Store(
            feed,
            MongoTaskRepository(database),
            MongoMembershipRepository(database),
            trim_history,
            MongoInbox(database),
        )
    finally:
        await client.drop_database(database.name)
        await client.close()


def _task(owner: UserId = ADA, title: str = "t") -> Task:
    return Task.create(TaskId(f"{next(_ids):024x}"), owner, TaskDraft(title=title), now=NOW, by=owner)


def _renamed(task: Task, title: str) -> Task:
    """The next version, made by Bob."""
    return dataclasses.replace(task, title=title, version=task.version + 1, updated_by=BOB)


async def _next(cursor: ChangeCursor) -> Change:
    """The next change; None (a quiet while) is skipped a few times, no more."""
    for _ in range(20):
        change = await cursor.next()
        if change is not None:
            return change
    pytest.fail("no change came")


async def test_a_tasks_life_is_read_in_commit_order_with_where_it_was_and_its_version(store: Store) -> None:
    task = _task()
    renamed = _renamed(task, "renamed")
    async with store.feed.read(None) as cursor:
        await store.add(task)
        await store.replace(task, renamed)
        await store.delete(renamed)
        created, changed, deleted = [await _next(cursor) for _ in range(3)]
    assert isinstance(created, TaskChanged)
    assert (created.task_id, created.before, created.task, created.version) == (task.id, None, task, 1)
    assert isinstance(changed, TaskChanged)
    assert (changed.before, changed.task, changed.version) == (Place(ADA, None), renamed, 2)
    assert isinstance(deleted, TaskChanged)
    assert (deleted.task_id, deleted.before, deleted.task, deleted.version) == (task.id, Place(ADA, None), None, 2)
    assert created.position < changed.position < deleted.position
    # The task as it was rides with its change and its deletion, so both classify alike everywhere.
    assert changed.previous is not None
    assert deleted.previous is not None
    assert dataclasses.asdict(changed.previous) == dataclasses.asdict(task)
    assert dataclasses.asdict(deleted.previous) == dataclasses.asdict(renamed)
    assert [classify(change).kinds for change in (created, changed, deleted)] == [
        {ChangeKind.CREATED},
        {ChangeKind.UPDATED},
        {ChangeKind.DELETED},
    ]
    assert classify(changed).fields == (FieldChange("title", task.title, "renamed"),)
    assert (classify(created).actor, classify(changed).actor) == (ADA, BOB)


async def test_a_moved_task_says_where_it_was_and_where_it_is(store: Store) -> None:
    task = _task(ADA)
    moved = dataclasses.replace(_renamed(task, task.title), owner_id=BOB)
    await store.add(task)
    async with store.feed.read(None) as cursor:
        await store.replace(task, moved)
        change = await _next(cursor)
    assert isinstance(change, TaskChanged)
    assert (change.before, change.after, change.version) == (Place(ADA, None), Place(BOB, None), 2)


async def test_joining_a_new_role_and_leaving_are_changes_each_saying_who_and_what_it_was(store: Store) -> None:
    bob = Membership(user_id=BOB, project_id=HOME, space=ADA, role=ProjectRole.VIEWER, joined_at=NOW)
    marker = _task()
    async with store.feed.read(None) as cursor:
        await store.join(bob)
        await store.promote(bob)  # by Ada
        await store.promote(bob)  # the same role again: no change of it
        await store.leave(bob)  # removed by Ada
        await store.add(marker)  # so the test knows when every change before it has come
        changes = [await _next(cursor) for _ in range(4)]
    assert changes[:3] == [
        MembershipChanged(changes[0].position, BOB, HOME, member=True, role=ProjectRole.VIEWER),
        MembershipChanged(
            changes[1].position, BOB, HOME, member=True, role=ProjectRole.ADMIN, previous_role=ProjectRole.VIEWER,
            actor=ADA,
        ),
        MembershipChanged(changes[2].position, BOB, HOME, member=False, previous_role=ProjectRole.ADMIN, actor=ADA),
    ]  # fmt: skip
    assert isinstance(changes[1], MembershipChanged)
    assert changes[1].new_role
    assert isinstance(changes[3], TaskChanged)
    assert changes[3].task_id == marker.id


async def test_a_notification_for_an_inbox_is_a_change_and_one_kept_for_mail_or_marked_read_is_not(
    store: Store,
) -> None:
    told = Notification(id="1" * 24, user=BOB, kind=NotificationKind.ASSIGNED, at=NOW, actor=ADA)
    marker = _task()
    async with store.feed.read(None) as cursor:
        await store.inbox.add([dataclasses.replace(told, id="2" * 24, in_inbox=False)])  # mail only
        await store.inbox.add([told])
        await store.inbox.mark_read(BOB, [told.id])
        await store.add(marker)
        changes = [await _next(cursor) for _ in range(2)]
    assert changes[0] == NotificationCreated(changes[0].position, told)
    assert isinstance(changes[1], TaskChanged)
    assert changes[1].task_id == marker.id


async def test_what_is_read_already_is_ready_and_the_history_counts_what_is_after_a_position(store: Store) -> None:
    start = await store.feed.now()
    tasks = [_task() for _ in range(5)]
    for task in tasks:
        await store.add(task)
    assert await store.feed.count_after(start, limit=100, within=5) == 5
    assert await store.feed.count_after(start, limit=3, within=5) == 3
    async with store.feed.read(start) as cursor:
        first = await _next(cursor)
        assert cursor.ready()  # the rest came with it
        rest = [await cursor.next() for _ in range(4)]
        assert not cursor.ready()
    assert [change.task_id for change in [first, *rest] if isinstance(change, TaskChanged)] == [t.id for t in tasks]
    assert await store.feed.count_after(first.position, limit=100, within=5) == 4


async def test_a_read_from_now_has_none_of_the_past_and_a_quiet_feed_answers_none(store: Store) -> None:
    await store.add(_task())
    async with store.feed.read(None) as cursor:
        assert await cursor.next() is None
        later = _task()
        await store.add(later)
        change = await _next(cursor)
    assert isinstance(change, TaskChanged)
    assert change.task_id == later.id


async def test_a_read_from_a_position_has_exactly_the_changes_after_it(store: Store) -> None:
    tasks = [_task(title=f"task {n}") for n in range(4)]
    async with store.feed.read(None) as cursor:
        for task in tasks:
            await store.add(task)
        seen = [await _next(cursor) for _ in tasks]
    async with store.feed.read(seen[1].position) as cursor:
        again = [await _next(cursor) for _ in tasks[2:]]
        assert await cursor.next() is None
    assert again == seen[2:]


async def test_a_position_older_than_the_history_kept_is_history_lost(store: Store) -> None:
    first = _task()
    async with store.feed.read(None) as cursor:
        await store.add(first)
        position = (await _next(cursor)).position
    for n in range(HISTORY + 5):
        await store.add(_task(title=f"filler {n}"))
    await store.trim_history()
    with pytest.raises(HistoryLostError):
        async with store.feed.read(position):
            pass
