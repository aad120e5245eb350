"""The `memberships` collection: one member of one project, in the member's partition, and the mapping both ways."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import pymongo
from beanie import Document, PydanticObjectId
from bson import ObjectId
from pymongo import IndexModel

from taskflow.adapters.mongo.raw import Raw
from taskflow.domain.access.roles import ProjectRole
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

    class Settings:
        name = "memberships"
        indexes: ClassVar = [
            IndexModel([("user_id", pymongo.ASCENDING), ("joined_at", pymongo.ASCENDING)], name="user_joined"),
            IndexModel([("project_id", pymongo.ASCENDING)], name="project"),
        ]


MEMBERSHIPS = MembershipDocument.Settings.name


def membership_to_entity(raw: Raw) -> Membership:
    return Membership(
        user_id=UserId(str(raw["user_id"])),
        project_id=ProjectId(str(raw["project_id"])),
        space=UserId(str(raw["space"])),
        role=ProjectRole(raw["role"]),
        joined_at=raw["joined_at"],
    )


def membership_id(user_id: UserId, project_id: ProjectId) -> str:
    return f"{user_id.value}:{project_id.value}"


def membership_to_document(membership: Membership) -> Raw:
    return {
        "_id": membership_id(membership.user_id, membership.project_id),
        "user_id": ObjectId(membership.user_id.value),
        "project_id": ObjectId(membership.project_id.value),
        "space": ObjectId(membership.space.value),
        "role": membership.role.value,
        "joined_at": membership.joined_at,
    }
