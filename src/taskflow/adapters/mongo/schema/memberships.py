"""The `memberships` collection: one member of one project, in the member's partition, and the mapping both ways."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Final

import pymongo
from beanie import Document, PydanticObjectId
from pymongo import IndexModel

from taskflow.adapters.mongo.mapping import EntityMapping
from taskflow.domain.model.projects import Membership
from taskflow.domain.values import ProjectId, UserId


class MembershipDocument(Document):
    """One member of one project, in the member's partition.

    `_id` is `<user_id>:<project_id>`, so joining twice is a duplicate key: on a sharded
    cluster a unique index beside a hashed shard key is not allowed, `_id` is.
    """

    id: str  # type: ignore[assignment]  # "<user_id>:<project_id>"
    user_id: PydanticObjectId
    project_id: PydanticObjectId
    space: PydanticObjectId
    role: str
    joined_at: datetime
    changed_by: PydanticObjectId | None = None  # who made its latest change (a role; its end)

    class Settings:
        name = "memberships"
        indexes: ClassVar = [
            IndexModel([("user_id", pymongo.ASCENDING), ("joined_at", pymongo.ASCENDING)], name="user_joined"),
            IndexModel([("project_id", pymongo.ASCENDING)], name="project"),
        ]


MEMBERSHIPS = MembershipDocument.Settings.name


def membership_id(user_id: UserId, project_id: ProjectId) -> str:
    return f"{user_id.value}:{project_id.value}"


# `_id` is "<user_id>:<project_id>": joining twice is a duplicate key.
_MAPPING: Final = EntityMapping(
    Membership, derived={"_id": lambda membership: membership_id(membership.user_id, membership.project_id)}
)
membership_to_entity: Final = _MAPPING.to_entity
membership_to_document: Final = _MAPPING.to_document
