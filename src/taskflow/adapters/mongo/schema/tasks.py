"""The `tasks` collection: a task (`user_id`, the shard key, leads every index) and the mapping both ways."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Final

import pymongo
from beanie import Document, PydanticObjectId
from pydantic import Field
from pymongo import IndexModel

from taskflow.adapters.mongo.mapping import EntityMapping
from taskflow.adapters.mongo.task_listing import TASK_SORT_INDEXES
from taskflow.domain.model.task_queries import PRIORITY_RANK
from taskflow.domain.model.tasks import Task
from taskflow.domain.values import Priority, TaskStatus


class TaskDocument(Document):
    """A task; `user_id` is the shard key and leads every index."""

    user_id: PydanticObjectId
    project_id: PydanticObjectId | None = None
    assignee_id: PydanticObjectId | None = None
    title: str
    description: str = ""
    status: str = TaskStatus.TODO.value
    priority: str = Priority.MEDIUM.value
    priority_rank: int = PRIORITY_RANK[Priority.MEDIUM]  # what "sort by priority" walks
    due_at: datetime | None = None
    tags: list[str] = Field(default_factory=list)
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None = None
    version: int = 1
    updated_by: PydanticObjectId | None = None  # who made this version; none: the system

    class Settings:
        name = "tasks"
        # The reminder cron's query across users (scatter-gather on a sharded cluster).
        indexes: ClassVar = [*TASK_SORT_INDEXES, IndexModel([("due_at", pymongo.ASCENDING)], name="due_at")]


TASKS = TaskDocument.Settings.name


_MAPPING: Final = EntityMapping(
    Task,
    renamed={"id": "_id", "owner_id": "user_id"},
    derived={"priority_rank": lambda task: PRIORITY_RANK[task.priority]},
)
task_to_entity: Final = _MAPPING.to_entity
task_to_document: Final = _MAPPING.to_document
