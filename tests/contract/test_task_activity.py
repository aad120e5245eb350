"""One suite for a task's history store: the in-memory one and MongoDB's alike."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from taskflow.adapters.mongo.activity import MongoTaskActivity
from taskflow.domain.ports.activity import ActivityEntry, RecordedField, TaskActivity
from taskflow.domain.values import TaskId, UserId
from tests.conftest import MEMORY
from tests.contract.conftest import memory_or_mongo
from tests.fakes.history import InMemoryTaskActivity

AT = datetime(2026, 3, 1, 9, 0, 0, 123_000, tzinfo=UTC)
TASK, OTHER = TaskId("1" * 24), TaskId("2" * 24)
ADA = UserId("a" * 24)


@pytest.fixture(params=[MEMORY, "mongo"])
async def activity(request: pytest.FixtureRequest) -> AsyncIterator[TaskActivity]:
    async with memory_or_mongo(request, "activity", InMemoryTaskActivity, MongoTaskActivity) as store:
        yield store


def _entry(task: TaskId, version: int, *changes: RecordedField, kind: str = "updated") -> ActivityEntry:
    return ActivityEntry(task, version, AT, ADA if version % 2 else None, kind, changes)


async def test_entries_come_back_whole_newest_first_and_by_page(activity: TaskActivity) -> None:
    due = RecordedField("due_at", None, AT)
    tags = RecordedField("tags", ["a"], ["a", "b"])
    cut = RecordedField("description", "", "x" * 10, truncated=True)
    entries = [_entry(TASK, 1, kind="created"), _entry(TASK, 2, due, tags), _entry(TASK, 3, cut)]
    await activity.record(entries[:2])
    await activity.record([entries[2], _entry(OTHER, 1)])
    assert list(await activity.page(TASK, before_version=None, limit=10)) == entries[::-1]
    assert list(await activity.page(TASK, before_version=None, limit=2)) == entries[:0:-1]
    assert list(await activity.page(TASK, before_version=2, limit=10)) == entries[:1]
    assert list(await activity.page(TaskId("3" * 24), before_version=None, limit=10)) == []


async def test_an_entry_is_stored_once_even_in_a_replayed_batch_and_forgetting_leaves_the_rest(
    activity: TaskActivity,
) -> None:
    first = _entry(TASK, 1, kind="created")
    await activity.record([first])
    # A replayed batch, even a differing one, changes nothing stored already, and stores the rest.
    await activity.record([_entry(TASK, 1, kind="updated"), _entry(TASK, 2), _entry(OTHER, 1)])
    assert [entry.kind for entry in await activity.page(TASK, before_version=None, limit=10)] == ["updated", "created"]
    assert (await activity.page(TASK, before_version=2, limit=10))[0] == first
    await activity.record([])
    await activity.forget(TASK)
    assert list(await activity.page(TASK, before_version=None, limit=10)) == []
    assert len(await activity.page(OTHER, before_version=None, limit=10)) == 1
