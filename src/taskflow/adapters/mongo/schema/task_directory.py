"""The `task_directory` collection: the project of each task that is in one, by the task's id (decision 0039).

`_id` is the task's id, and the shard key hashes it: reaching a task by its id alone is
one targeted read here, then one in the task's own place. `version` is the task's version
the route was noted at, so an older note never overwrites a newer one.
"""

from __future__ import annotations

from typing import Any

from beanie import Document, PydanticObjectId
from bson import ObjectId

from taskflow.domain.ports.tasks import TaskRoute
from taskflow.domain.values import ProjectId


class TaskDirectoryDocument(Document):
    project_id: PydanticObjectId
    version: int

    class Settings:
        name = "task_directory"


TASK_DIRECTORY = TaskDirectoryDocument.Settings.name


def route_to_document(route: TaskRoute) -> dict[str, Any]:
    assert route.project is not None  # noqa: S101 - only a task in a project has a route stored
    return {"project_id": ObjectId(route.project.value), "version": route.version}


def project_of_document(raw: dict[str, Any]) -> ProjectId:
    return ProjectId(str(raw["project_id"]))
