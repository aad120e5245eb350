"""The `invitations` collection: an open invitation (its token's digest only), and the mapping both ways."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import pymongo
from beanie import Document, PydanticObjectId
from bson import ObjectId
from pymongo import IndexModel

from taskflow.adapters.mongo.raw import Raw
from taskflow.domain.access.roles import ProjectRole
from taskflow.domain.model.projects import Invitation
from taskflow.domain.values import Email, ProjectId, UserId


class InvitationDocument(Document):
    """An open invitation (`_id` its hex id); only the token's SHA-256 is kept; gone once expired."""

    id: str  # type: ignore[assignment]  # the invitation id
    project_id: PydanticObjectId
    space: PydanticObjectId
    project_name: str
    email: str
    role: str
    invited_by: PydanticObjectId
    token_digest: str
    created_at: datetime
    expires_at: datetime

    class Settings:
        name = "invitations"
        indexes: ClassVar = [
            IndexModel([("token_digest", pymongo.ASCENDING)], name="token_digest", unique=True),
            IndexModel([("expires_at", pymongo.ASCENDING)], name="expires_ttl", expireAfterSeconds=0),
        ]


INVITATIONS = InvitationDocument.Settings.name


def invitation_to_entity(raw: Raw) -> Invitation:
    return Invitation(
        id=raw["_id"],
        project_id=ProjectId(str(raw["project_id"])),
        space=UserId(str(raw["space"])),
        project_name=raw["project_name"],
        email=Email(raw["email"]),
        role=ProjectRole(raw["role"]),
        invited_by=UserId(str(raw["invited_by"])),
        token_digest=raw["token_digest"],
        created_at=raw["created_at"],
        expires_at=raw["expires_at"],
    )


def invitation_to_document(invitation: Invitation) -> Raw:
    return {
        "_id": invitation.id,
        "project_id": ObjectId(invitation.project_id.value),
        "space": ObjectId(invitation.space.value),
        "project_name": invitation.project_name,
        "email": invitation.email.value,
        "role": invitation.role.value,
        "invited_by": ObjectId(invitation.invited_by.value),
        "token_digest": invitation.token_digest,
        "created_at": invitation.created_at,
        "expires_at": invitation.expires_at,
    }
