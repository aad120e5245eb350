"""The `projects` collection: a project, in its creator's space, and the mapping both ways."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import pymongo
from beanie import Document, PydanticObjectId
from bson import ObjectId
from pymongo import IndexModel

from taskflow.adapters.mongo.raw import Raw
from taskflow.domain.model.projects import Project
from taskflow.domain.values import ProjectId, UserId


class ProjectDocument(Document):
    """A project; `space` (its creator's id) holds its tasks and leads every query (decision 0028)."""

    space: PydanticObjectId
    name: str
    owner_id: PydanticObjectId
    created_at: datetime
    updated_at: datetime
    version: int = 1

    class Settings:
        name = "projects"
        indexes: ClassVar = [
            IndexModel([("space", pymongo.ASCENDING), ("_id", pymongo.ASCENDING)], name="space_id"),
        ]


PROJECTS = ProjectDocument.Settings.name


def project_to_entity(raw: Raw) -> Project:
    return Project(
        id=ProjectId(str(raw["_id"])),
        space=UserId(str(raw["space"])),
        name=raw["name"],
        owner_id=UserId(str(raw["owner_id"])),
        created_at=raw["created_at"],
        updated_at=raw["updated_at"],
        version=raw["version"],
    )


def project_to_document(project: Project) -> Raw:
    return {
        "_id": ObjectId(project.id.value),
        "space": ObjectId(project.space.value),
        "name": project.name,
        "owner_id": ObjectId(project.owner_id.value),
        "created_at": project.created_at,
        "updated_at": project.updated_at,
        "version": project.version,
    }
