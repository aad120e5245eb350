"""Tasks on MongoDB, each read by a `ReadRule`, each write in a session whose token is recorded.

Every operation carries `user_id`, the shard key. A change stores the whole document
(`replace_one`), so its change event carries the task as it now is (decision 0034).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bson import ObjectId
from pymongo.errors import BulkWriteError, DuplicateKeyError

from taskflow.adapters.mongo.errors import duplicates_of, translate_errors
from taskflow.adapters.mongo.raw import Raw
from taskflow.adapters.mongo.schema.tasks import TASKS, task_to_document, task_to_entity
from taskflow.adapters.mongo.task_listing import listing_query, listing_sort
from taskflow.adapters.stores.tasks.causal import CausalCollection
from taskflow.adapters.stores.tasks.consistency import ANY_MEMBER, NEWEST, PRIMARY, ReadRule
from taskflow.domain.errors import (
    TaskIdTakenError,
    TaskNotFoundError,
)
from taskflow.domain.model.task_queries import TaskOrder, TaskSortKey, TaskStats
from taskflow.domain.ports.tasks import TaskRepository
from taskflow.domain.values import Priority, TaskStatus

STREAM_BATCH = 500

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from datetime import datetime

    from pymongo.asynchronous.database import AsyncDatabase

    from taskflow.domain.access.grants import Grant
    from taskflow.domain.model.task_queries import TaskFilter, TaskPosition
    from taskflow.domain.model.tasks import Task
    from taskflow.domain.values import TaskId, UserId


class MongoTaskRepository(TaskRepository):
    """Tasks, always filtered by the grant's space so mongos routes each call to one shard.

    Reads take a `ReadRule` (any member by default); writes record their token for
    read-your-writes. `get_latest` reads the primary: it decides a compare-and-set.
    """

    def __init__(self, database: AsyncDatabase[Raw]) -> None:
        self._tasks = CausalCollection(database.get_collection(TASKS))

    async def add(self, grant: Grant, task: Task) -> None:
        _check_place(grant, task)
        with translate_errors():
            async with self._tasks.writing() as session:
                try:
                    await self._tasks.collection.insert_one(task_to_document(task), session=session)
                except DuplicateKeyError:
                    raise TaskIdTakenError from None

    async def add_many(self, grant: Grant, tasks: list[Task]) -> None:
        """Unordered, so one taken id does not stop the rest; taken ids are what a re-run meets."""
        if not tasks:
            return
        documents = [task_to_document(task) for task in tasks if grant.holds(task)]
        with translate_errors():
            async with self._tasks.writing() as session:
                try:
                    await self._tasks.collection.insert_many(documents, ordered=False, session=session)
                except BulkWriteError as error:
                    duplicates_of(error)

    async def get(self, grant: Grant, task_id: TaskId, *, rule: ReadRule = ANY_MEMBER) -> Task:
        with translate_errors():
            async with self._tasks.reading(rule) as (tasks, session):
                raw = await tasks.find_one({"_id": ObjectId(task_id.value), **place_of(grant)}, session=session)
        if raw is None:
            raise TaskNotFoundError
        return task_to_entity(raw)

    async def get_latest(self, grant: Grant, task_id: TaskId) -> Task:
        return await self.get(grant, task_id, rule=PRIMARY)

    async def replace(self, grant: Grant, task: Task, *, expected_version: int) -> bool:
        _check_place(grant, task)
        document = task_to_document(task)
        key = {"_id": document["_id"], "user_id": document["user_id"]}
        with translate_errors():
            async with self._tasks.writing() as session:
                result = await self._tasks.collection.replace_one(
                    {**key, "version": expected_version}, document, session=session
                )
        return result.matched_count == 1

    async def move(self, source: Grant, target: Grant, task: Task, *, expected_version: int) -> bool:
        """The filter names the source's full shard key, as MongoDB needs to change its value."""
        _check_place(target, task)
        document = task_to_document(task)
        query = {"_id": document["_id"], **place_of(source), "version": expected_version}
        with translate_errors():
            async with self._tasks.writing() as session:
                result = await self._tasks.collection.replace_one(query, document, session=session)
        return result.matched_count == 1

    async def delete(self, grant: Grant, task_id: TaskId, *, expected_version: int | None) -> bool:
        query: Raw = {"_id": ObjectId(task_id.value), **place_of(grant)}
        if expected_version is not None:
            query["version"] = expected_version
        with translate_errors():
            async with self._tasks.writing() as session:
                result = await self._tasks.collection.delete_one(query, session=session)
        return result.deleted_count == 1

    async def delete_all(self, grant: Grant) -> int:
        with translate_errors():
            async with self._tasks.writing() as session:
                result = await self._tasks.collection.delete_many(place_of(grant), session=session)
        return result.deleted_count

    async def unassign(self, grant: Grant, user: UserId, *, now: datetime) -> int:
        query = {**place_of(grant), "assignee_id": ObjectId(user.value)}
        change = {"$set": {"assignee_id": None, "updated_at": now, "updated_by": None}, "$inc": {"version": 1}}
        with translate_errors():
            async with self._tasks.writing() as session:
                result = await self._tasks.collection.update_many(query, change, session=session)
        return result.modified_count

    async def list_page(
        self,
        grant: Grant,
        task_filter: TaskFilter,
        order: TaskOrder,
        *,
        after: TaskPosition | None,
        limit: int,
        rule: ReadRule = ANY_MEMBER,
    ) -> list[Task]:
        query = listing_query(place_of(grant), task_filter, order, after)
        with translate_errors():
            async with self._tasks.reading(rule) as (tasks, session):
                raws = await tasks.find(query, session=session).sort(listing_sort(order)).limit(limit).to_list()
        return [task_to_entity(raw) for raw in raws]

    async def list_across(
        self, grants: list[Grant], task_filter: TaskFilter, order: TaskOrder, *, after: TaskPosition | None, limit: int
    ) -> list[Task]:
        """Each place names its space: a bounded `$or` that mongos sends to those shards only."""
        if not grants:
            return []
        query = listing_query({"$or": [place_of(grant) for grant in grants]}, task_filter, order, after)
        with translate_errors():
            async with self._tasks.reading(NEWEST) as (tasks, session):
                raws = await tasks.find(query, session=session).sort(listing_sort(order)).limit(limit).to_list()
        return [task_to_entity(raw) for raw in raws]

    async def stream(self, grant: Grant, *, rule: ReadRule = ANY_MEMBER) -> AsyncIterator[Task]:
        oldest_first = TaskOrder(TaskSortKey.CREATED_AT, descending=False)
        with translate_errors():
            async with self._tasks.reading(rule) as (tasks, session):
                cursor = tasks.find(place_of(grant), batch_size=STREAM_BATCH, session=session)
                async with cursor.sort(listing_sort(oldest_first)) as rows:
                    async for raw in rows:
                        yield task_to_entity(raw)

    async def stats(
        self, grant: Grant, *, now: datetime, done_since: datetime, rule: ReadRule = ANY_MEMBER
    ) -> TaskStats:
        def count_if(condition: Raw) -> Raw:
            return {"$sum": {"$cond": [condition, 1, 0]}}

        is_done: Raw = {"$eq": ["$status", TaskStatus.DONE.value]}
        group: Raw = {
            "_id": None,
            "total": {"$sum": 1},
            # Comparisons order null below every date: `$gt null` keeps undated tasks out.
            "overdue": count_if({"$and": [{"$not": [is_done]}, {"$gt": ["$due_at", None]}, {"$lt": ["$due_at", now]}]}),
            "done_since": count_if({"$and": [is_done, {"$gte": ["$completed_at", done_since]}]}),
        }
        for status in TaskStatus:
            group[f"status_{status.value}"] = count_if({"$eq": ["$status", status.value]})
        for priority in Priority:
            group[f"priority_{priority.value}"] = count_if({"$eq": ["$priority", priority.value]})
        pipeline: list[Raw] = [{"$match": place_of(grant)}, {"$group": group}]
        with translate_errors():
            async with self._tasks.reading(rule) as (tasks, session):
                rows = await (await tasks.aggregate(pipeline, session=session)).to_list()
        row: Raw = rows[0] if rows else {}
        return TaskStats(
            total=row.get("total", 0),
            by_status={status: row.get(f"status_{status.value}", 0) for status in TaskStatus},
            by_priority={priority: row.get(f"priority_{priority.value}", 0) for priority in Priority},
            overdue=row.get("overdue", 0),
            done_since=row.get("done_since", 0),
            computed_at=now,
        )


def place_of(grant: Grant) -> Raw:
    """The grant's place as a filter: its space (the shard key) and its project, or none."""
    return {
        "user_id": ObjectId(grant.space.value),
        "project_id": None if grant.project is None else ObjectId(grant.project.value),
    }


def _check_place(grant: Grant, task: Task) -> None:
    if not grant.holds(task):  # a task written outside its grant is a bug, never a client's doing
        msg = "the task is not in the grant's place"
        raise ValueError(msg)
