"""The `projects` collection: a project, in its creator's space, and the mapping both ways."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Final

import pymongo
from beanie import Document, PydanticObjectId
from pymongo import IndexModel

from taskflow.adapters.mongo.mapping import EntityMapping
from taskflow.domain.model.projects import Project


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


_MAPPING: Final = EntityMapping(Project, renamed={"id": "_id"})
project_to_entity: Final = _MAPPING.to_entity
project_to_document: Final = _MAPPING.to_document
