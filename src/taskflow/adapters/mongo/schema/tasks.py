"""The `tasks` collection: a task (`user_id`, the shard key, leads every index) and the mapping both ways."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import pymongo
from beanie import Document, PydanticObjectId
from bson import ObjectId
from pydantic import Field
from pymongo import IndexModel

from taskflow.adapters.mongo.raw import Raw
from taskflow.adapters.mongo.task_listing import TASK_SORT_INDEXES
from taskflow.domain.model.task_queries import PRIORITY_RANK
from taskflow.domain.model.tasks import Task
from taskflow.domain.values import Priority, ProjectId, TaskId, TaskStatus, UserId


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

    class Settings:
        name = "tasks"
        # The reminder cron's query across users (scatter-gather on a sharded cluster).
        indexes: ClassVar = [*TASK_SORT_INDEXES, IndexModel([("due_at", pymongo.ASCENDING)], name="due_at")]


TASKS = TaskDocument.Settings.name


def task_to_entity(raw: Raw) -> Task:
    return Task(
        id=TaskId(str(raw["_id"])),
        owner_id=UserId(str(raw["user_id"])),
        project_id=None if raw.get("project_id") is None else ProjectId(str(raw["project_id"])),
        assignee_id=None if raw.get("assignee_id") is None else UserId(str(raw["assignee_id"])),
        title=raw["title"],
        description=raw["description"],
        status=TaskStatus(raw["status"]),
        priority=Priority(raw["priority"]),
        due_at=raw.get("due_at"),
        tags=tuple(raw["tags"]),
        created_at=raw["created_at"],
        updated_at=raw["updated_at"],
        completed_at=raw.get("completed_at"),
        version=raw["version"],
    )


def task_to_document(task: Task) -> Raw:
    return {
        "_id": ObjectId(task.id.value),
        "user_id": ObjectId(task.owner_id.value),
        "project_id": None if task.project_id is None else ObjectId(task.project_id.value),
        "assignee_id": None if task.assignee_id is None else ObjectId(task.assignee_id.value),
        "title": task.title,
        "description": task.description,
        "status": task.status.value,
        "priority": task.priority.value,
        "priority_rank": PRIORITY_RANK[task.priority],
        "due_at": task.due_at,
        "tags": list(task.tags),
        "created_at": task.created_at,
        "updated_at": task.updated_at,
        "completed_at": task.completed_at,
        "version": task.version,
    }
