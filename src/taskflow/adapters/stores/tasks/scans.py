"""Reads across every user's tasks, straight from MongoDB: scatter-gather on purpose, never cached."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from taskflow.adapters.mongo.client import SCATTER_GATHER
from taskflow.adapters.mongo.errors import translate_errors
from taskflow.adapters.mongo.raw import Raw
from taskflow.adapters.mongo.schema.tasks import TASKS, task_to_entity
from taskflow.domain.model.tasks import Task
from taskflow.domain.ports.tasks import TaskScans
from taskflow.domain.values import TaskStatus

if TYPE_CHECKING:
    from pymongo.asynchronous.database import AsyncDatabase


class MongoTaskScans(TaskScans):
    def __init__(self, database: AsyncDatabase[Raw]) -> None:
        self._tasks = database.get_collection(TASKS)

    async def coming_due(self, *, after: datetime, until: datetime, limit: int) -> list[Task]:
        """Scatter-gather on purpose, for the reminder cron: the `due_at` index serves it."""
        query: Raw = {"due_at": {"$gt": after, "$lte": until}, "status": {"$ne": TaskStatus.DONE.value}}
        with translate_errors():
            cursor = self._tasks.find(query, comment=SCATTER_GATHER)
            raws = await cursor.sort([("due_at", 1), ("_id", 1)]).limit(limit).to_list()
        return [task_to_entity(raw) for raw in raws]

    async def count_by_status(self) -> dict[TaskStatus, int]:
        """Scatter-gather on purpose: no `user_id`, so mongos asks every shard. Admin only."""
        pipeline: list[Raw] = [{"$group": {"_id": "$status", "count": {"$sum": 1}}}]
        with translate_errors():
            rows = await (await self._tasks.aggregate(pipeline, comment=SCATTER_GATHER)).to_list()
        return {TaskStatus(row["_id"]): row["count"] for row in rows}
