"""Every listing query a user can make is served by an index, in index order.

SecantusDB's Python server sorts in memory whatever the indexes (its plans say nothing
about a real mongod), so this checks shapes against the indexes `taskflow migrate`
actually created: `user_id` equality first, then exactly an index's remaining keys as the
sort, all forwards or all backwards. Such a query makes a mongod walk the index with no
in-memory sort and stop after `limit` entries.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from pymongo.asynchronous.database import AsyncDatabase

from taskflow.adapters.mongo.task_listing import listing_query, listing_sort
from taskflow.adapters.task_store.mongo import place_of
from taskflow.domain.access import AccessService
from taskflow.domain.task_queries import TaskFilter, TaskOrder, TaskPosition, TaskSortKey
from taskflow.domain.values import Priority, TaskId, TaskStatus, UserId

ADA = UserId("a" * 24)
NOW = datetime(2026, 3, 1, tzinfo=UTC)
FILTERS = [
    TaskFilter(),
    TaskFilter(statuses=frozenset({TaskStatus.TODO})),
    TaskFilter(priorities=frozenset(Priority), tags=frozenset({"a", "b"})),
    TaskFilter(due_after=NOW, due_before=NOW.replace(year=2027), text="x"),
]


def _positions(order: TaskOrder) -> list[TaskPosition | None]:
    value = 2 if order.key is TaskSortKey.PRIORITY else NOW
    positions: list[TaskPosition | None] = [None, TaskPosition(value, TaskId("1" * 24))]
    if order.key is TaskSortKey.DUE_AT:
        positions.append(TaskPosition(None, TaskId("1" * 24)))
    return positions


async def test_every_listing_shape_has_its_index(database: AsyncDatabase[Any]) -> None:
    keys = [list(ix["key"].items()) async for ix in await database.tasks.list_indexes()]
    shapes = 0
    for key, descending, task_filter in itertools.product(TaskSortKey, (False, True), FILTERS):
        order = TaskOrder(key, descending)
        sort = listing_sort(order)
        reversed_sort = [(field, -direction) for field, direction in sort]
        for after in _positions(order):
            query = listing_query(place_of(AccessService.own(ADA)), task_filter, order, after)
            assert query["user_id"] == ObjectId(ADA.value), "user_id equality routes to one shard"
            assert any(index[0] == ("user_id", 1) and index[1:] in (sort, reversed_sort) for index in keys), (
                f"no index serves {order} ({sort})"
            )
            shapes += 1
    assert shapes == 4 * 2 * len(FILTERS) * 2 + 2 * len(FILTERS)
