"""Every listing query a user can make is served by an index, in index order.

SecantusDB's Python server sorts in memory whatever the indexes (its plans say nothing
about a real mongod), so this checks shapes against the indexes `taskflow migrate`
actually created: `user_id` equality first, then exactly an index's remaining keys as the
sort, all forwards or all backwards. A user's own tasks and a project's are both one place:
`user_id` and `project_id` equality, which lead every sort index. Such a query makes a mongod walk the index with no
in-memory sort and stop after `limit` entries.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from pymongo.asynchronous.database import AsyncDatabase

from taskflow.adapters.mongo.projects import MongoMembershipRepository
from taskflow.adapters.mongo.task_listing import listing_query, listing_sort
from taskflow.adapters.stores.tasks.mongo import place_of
from taskflow.domain.access.grants import Grant
from taskflow.domain.access.principal import Principal
from taskflow.domain.access.roles import ProjectRole
from taskflow.domain.access.service import AccessService
from taskflow.domain.model.projects import Invitation
from taskflow.domain.model.task_queries import TaskFilter, TaskOrder, TaskPosition, TaskSortKey
from taskflow.domain.values import Email, Priority, ProjectId, Role, TaskId, TaskStatus, UserId

ADA = UserId("a" * 24)
NOW = datetime(2026, 3, 1, tzinfo=UTC)


def _places(database: AsyncDatabase[Any]) -> list[Grant]:
    """Ada's own tasks, and Bob's grant to a project in Ada's space (an invitation is one)."""
    invitation = Invitation(
        id="i",
        project_id=ProjectId("c" * 24),
        space=ADA,
        project_name="shared",
        email=Email("bob@example.com"),
        role=ProjectRole.VIEWER,
        invited_by=ADA,
        token_digest="",
        created_at=NOW,
        expires_at=NOW,
    )
    access = AccessService(MongoMembershipRepository(database))
    return [access.own(ADA), access.invited(Principal(UserId("b" * 24), Role.USER), invitation)]


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
    places = _places(database)
    shapes = 0
    for key, descending, task_filter, grant in itertools.product(TaskSortKey, (False, True), FILTERS, places):
        order = TaskOrder(key, descending)
        sort = listing_sort(order)
        reversed_sort = [(field, -direction) for field, direction in sort]
        for after in _positions(order):
            query = listing_query(place_of(grant), task_filter, order, after)
            assert query["user_id"] == ObjectId(ADA.value), "user_id equality routes to one shard"
            assert query["project_id"] == (grant.project and ObjectId(grant.project.value)), "one place"
            assert any(
                index[:2] == [("user_id", 1), ("project_id", 1)] and index[2:] in (sort, reversed_sort)
                for index in keys
            ), f"no index serves {order} ({sort})"
            shapes += 1
    assert shapes == (4 * 2 * len(FILTERS) * 2 + 2 * len(FILTERS)) * len(places)
