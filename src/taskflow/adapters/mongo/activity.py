"""A task's history on MongoDB: inserted once per version, read newest first by the task's id."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bson import ObjectId
from pymongo import ReadPreference

from taskflow.adapters.mongo.errors import insert_new, translate_errors
from taskflow.adapters.mongo.schema.task_activity import TASK_ACTIVITY, activity_to_document, activity_to_entity
from taskflow.domain.ports.activity import ActivityEntry, TaskActivity

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pymongo.asynchronous.database import AsyncDatabase

    from taskflow.adapters.mongo.raw import Raw
    from taskflow.domain.values import TaskId


class MongoTaskActivity(TaskActivity):
    def __init__(self, database: AsyncDatabase[Raw]) -> None:
        self._entries = database.get_collection(TASK_ACTIVITY, read_preference=ReadPreference.PRIMARY_PREFERRED)

    async def record(self, entries: Sequence[ActivityEntry]) -> None:
        await insert_new(self._entries, [activity_to_document(entry) for entry in entries])

    async def page(self, task_id: TaskId, *, before_version: int | None, limit: int) -> Sequence[ActivityEntry]:
        query: Raw = {"task_id": ObjectId(task_id.value)}
        if before_version is not None:
            query["version"] = {"$lt": before_version}
        with translate_errors():
            raws = await self._entries.find(query).sort("version", -1).limit(limit).to_list()
        return [activity_to_entity(raw) for raw in raws]

    async def forget(self, task_id: TaskId) -> None:
        with translate_errors():
            await self._entries.delete_many({"task_id": ObjectId(task_id.value)})
