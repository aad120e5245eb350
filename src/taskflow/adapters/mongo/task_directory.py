"""The task directory on MongoDB: one small document per task in a project, written and read by the task's id."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bson import ObjectId
from pymongo import DeleteOne, ReadPreference, UpdateOne
from pymongo.errors import BulkWriteError

from taskflow.adapters.mongo.errors import duplicates_of, translate_errors
from taskflow.adapters.mongo.schema.task_directory import TASK_DIRECTORY, project_of_document, route_to_document
from taskflow.domain.ports.tasks import TaskDirectory, TaskRoute

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pymongo.asynchronous.database import AsyncDatabase

    from taskflow.adapters.mongo.raw import Raw
    from taskflow.domain.values import ProjectId, TaskId


class MongoTaskDirectory(TaskDirectory):
    """Read from the primary: a route noted a moment ago (a task just created) is found at once."""

    def __init__(self, database: AsyncDatabase[Raw]) -> None:
        self._routes = database.get_collection(TASK_DIRECTORY, read_preference=ReadPreference.PRIMARY)

    async def note(self, routes: Sequence[TaskRoute]) -> None:
        """One unordered bulk write: each an upsert (or a removal) only over an older or equal version.

        A newer version already noted makes the upsert's filter miss and its insert collide
        on `_id`: that duplicate key is the "newer wins" answer, not an error.
        """
        if not routes:
            return
        writes: list[UpdateOne | DeleteOne] = [
            DeleteOne({"_id": ObjectId(route.task_id.value), "version": {"$lte": route.version}})
            if route.project is None
            else UpdateOne(
                {"_id": ObjectId(route.task_id.value), "version": {"$lte": route.version}},
                {"$set": route_to_document(route)},
                upsert=True,
            )
            for route in routes
        ]
        try:
            with translate_errors():
                await self._routes.bulk_write(writes, ordered=False)
        except BulkWriteError as error:
            duplicates_of(error)

    async def project_of(self, task_id: TaskId) -> ProjectId | None:
        with translate_errors():
            raw = await self._routes.find_one({"_id": ObjectId(task_id.value)}, {"project_id": 1})
        return None if raw is None else project_of_document(raw)

    async def forget(self, task_ids: Sequence[TaskId]) -> None:
        if not task_ids:
            return
        with translate_errors():
            await self._routes.delete_many({"_id": {"$in": [ObjectId(task_id.value) for task_id in task_ids]}})
