"""The `invitations` collection: an open invitation (its token's digest only), and the mapping both ways."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Final

import pymongo
from beanie import Document, PydanticObjectId
from pymongo import IndexModel

from taskflow.adapters.mongo.mapping import EntityMapping
from taskflow.domain.model.projects import Invitation


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


_MAPPING: Final = EntityMapping(Invitation, renamed={"id": "_id"})
invitation_to_entity: Final = _MAPPING.to_entity
invitation_to_document: Final = _MAPPING.to_document
