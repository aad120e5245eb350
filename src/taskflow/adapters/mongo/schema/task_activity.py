"""The `task_activity` collection: a task's history, one document per version (issue 30).

`_id` is the task and the version (`<task>:<version>`), so a replayed change inserts
nothing new; `task_id` leads the shard key and the index: a task's history is read from
the shards holding that task, wherever the task has moved since.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

import pymongo
from beanie import Document, PydanticObjectId
from bson import ObjectId
from pydantic import Field
from pymongo import IndexModel

from taskflow.domain.ports.activity import ActivityEntry, RecordedField
from taskflow.domain.values import TaskId, UserId


class TaskActivityDocument(Document):
    """`changes`: `{field, from, to, truncated}` each."""

    id: str  # type: ignore[assignment]  # the task and the version, not Beanie's ObjectId
    task_id: PydanticObjectId
    version: int
    at: datetime
    actor: PydanticObjectId | None = None
    kind: str
    changes: list[dict[str, Any]] = Field(default_factory=list)

    class Settings:
        name = "task_activity"
        indexes: ClassVar = [
            IndexModel([("task_id", pymongo.ASCENDING), ("version", pymongo.DESCENDING)], name="task_version")
        ]


TASK_ACTIVITY = TaskActivityDocument.Settings.name


def activity_to_document(entry: ActivityEntry) -> dict[str, Any]:
    return {
        "_id": entry.id,
        "task_id": ObjectId(entry.task_id.value),
        "version": entry.version,
        "at": entry.at,
        "actor": None if entry.actor is None else ObjectId(entry.actor.value),
        "kind": entry.kind,
        "changes": [
            {"field": change.field, "from": change.before, "to": change.after, "truncated": change.truncated}
            for change in entry.changes
        ],
    }


def activity_to_entity(raw: dict[str, Any]) -> ActivityEntry:
    return ActivityEntry(
        task_id=TaskId(str(raw["task_id"])),
        version=raw["version"],
        at=raw["at"],
        actor=None if raw.get("actor") is None else UserId(str(raw["actor"])),
        kind=raw["kind"],
        changes=tuple(
            RecordedField(change["field"], change["from"], change["to"], truncated=change["truncated"])
            for change in raw["changes"]
        ),
    )
