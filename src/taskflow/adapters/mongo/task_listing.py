"""Task listings as MongoDB filters and sorts that an index serves.

Every filter starts with a place: `user_id` equality (the shard key, the space) and
`project_id` equality (null for a user's own tasks); every sort is `(key, _id)` in one
direction, which `TASK_SORT_INDEXES` hold after those two, so a mongod walks one place's
slice of the index in order and never sorts in memory, however many projects share the
space. Keyset pagination: the
next page is "after the last (key, _id)", never a skip.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final

import pymongo
from bson import ObjectId
from pymongo import IndexModel

from taskflow.domain.model.task_queries import TaskFilter, TaskOrder, TaskPosition, TaskSortKey

if TYPE_CHECKING:
    from taskflow.adapters.mongo.raw import Raw

SORT_FIELD: Final = {
    TaskSortKey.CREATED_AT: "created_at",
    TaskSortKey.UPDATED_AT: "updated_at",
    TaskSortKey.DUE_AT: "due_at",
    TaskSortKey.PRIORITY: "priority_rank",
}

# One per sort key; a mongod scans each forwards or backwards, so it serves both directions.
# Ascending on purpose: SecantusDB 0.7.0b3 drops the boundary of an inclusive `$gte` on a
# descending middle key of a compound index (the due-date filter hit it).
TASK_SORT_INDEXES: Final = [
    IndexModel(
        [
            ("user_id", pymongo.ASCENDING),
            ("project_id", pymongo.ASCENDING),
            (field, pymongo.ASCENDING),
            ("_id", pymongo.ASCENDING),
        ],
        name=f"place_{key.value}_id",
    )
    for key, field in SORT_FIELD.items()
]
# What they replaced (led by `user_id` alone, so a project's listing filtered a whole space);
# Beanie keeps any index with `_id` in its key, so `taskflow migrate` drops these by name.
RETIRED_TASK_INDEXES: Final = tuple(f"user_{key.value}_id" for key in SORT_FIELD)

Sort = list[tuple[str, int]]
ONE_MILLISECOND: Final = timedelta(milliseconds=1)


def listing_query(place: Raw, task_filter: TaskFilter, order: TaskOrder, after: TaskPosition | None) -> Raw:
    """`place` names the space (`user_id`, the shard key) and the project, or none."""
    clauses: list[Raw] = [place, *_filter_clauses(task_filter)]
    if after is not None:
        clauses.append(_after(order, after))
    return _all_of(clauses)


def listing_sort(order: TaskOrder) -> Sort:
    direction = pymongo.DESCENDING if order.descending else pymongo.ASCENDING
    return [(SORT_FIELD[order.key], direction), ("_id", direction)]


def _filter_clauses(task_filter: TaskFilter) -> list[Raw]:
    clauses: list[Raw] = []
    for field, values in (
        ("status", task_filter.statuses),
        ("priority", task_filter.priorities),
        ("tags", task_filter.tags),
    ):
        if values:
            clauses.append({field: {"$in": sorted(str(value) for value in values)}})
    due: Raw = {}
    if task_filter.due_after is not None:
        due["$gte"] = task_filter.due_after
    if task_filter.due_before is not None:
        due["$lt"] = task_filter.due_before
    if due:
        clauses.append({"due_at": due})
    if task_filter.assignee is not None:
        clauses.append({"assignee_id": ObjectId(task_filter.assignee.value)})
    if task_filter.text is not None:
        # The client's text is escaped: a literal substring, never a pattern of theirs.
        pattern = {"$regex": re.escape(task_filter.text), "$options": "i"}
        clauses.append({"$or": [{"title": pattern}, {"description": pattern}]})
    return clauses


def _after(order: TaskOrder, position: TaskPosition) -> Raw:
    """Strictly after `position` in `order`; a missing `due_at` sorts before any date.

    Where it can, this is one range on the sort key plus a residual filter for ties, so any
    planner gets tight index bounds without having to push an `$or` down.
    """
    field = SORT_FIELD[order.key]
    task_id = ObjectId(position.task_id.value)
    value = position.value
    if value is None:
        beyond = "$lt" if order.descending else "$gt"
        same_then_id: Raw = {field: None, "_id": {beyond: task_id}}
        return same_then_id if order.descending else {"$or": [same_then_id, {field: {"$ne": None}}]}
    if order.descending and order.key is TaskSortKey.DUE_AT:  # undated tasks come last, and no range holds null
        return {"$or": [{field: {"$lt": value}}, {field: value, "_id": {"$lt": task_id}}, {field: None}]}
    if order.descending:
        # `<= value`, written `< value + 1 ms` (or + 1 rank): stored values are whole
        # milliseconds, and SecantusDB 0.7.0b3 drops the boundary of an inclusive upper bound.
        return {field: {"$lt": _successor(value)}, "$or": [{field: {"$lt": value}}, {"_id": {"$lt": task_id}}]}
    return {field: {"$gte": value}, "$or": [{field: {"$gt": value}}, {"_id": {"$gt": task_id}}]}


def _successor(value: datetime | int) -> datetime | int:
    return value + ONE_MILLISECOND if isinstance(value, datetime) else value + 1


def _all_of(clauses: list[Raw]) -> Raw:
    merged: Raw = {}
    rest: list[Raw] = []
    for clause in clauses:
        if merged.keys().isdisjoint(clause):
            merged.update(clause)
        else:
            rest.append(clause)
    return {**merged, "$and": rest} if rest else merged
