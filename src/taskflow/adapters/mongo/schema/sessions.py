"""The `refresh_tokens` collection: a sign-in and its refresh-token family, and the mapping both ways."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Final

import pymongo
from beanie import Document, PydanticObjectId
from pymongo import IndexModel

from taskflow.adapters.mongo.mapping import EntityMapping
from taskflow.domain.model.accounts import Session


class SessionDocument(Document):
    """A sign-in and its refresh-token family; `_id` is the 128-bit random session id.

    MongoDB deletes a session once it idles past `expires_at` (a TTL index); revoked ones
    stay until then, so the revocation fallback still finds them.
    """

    id: str  # type: ignore[assignment]  # a random hex id, not Beanie's ObjectId
    user_id: PydanticObjectId
    token_digest: str
    created_at: datetime
    refreshed_at: datetime
    expires_at: datetime
    ends_at: datetime
    revoked_at: datetime | None = None
    revoked_reason: str | None = None

    class Settings:
        name = "refresh_tokens"
        indexes: ClassVar = [
            IndexModel([("user_id", pymongo.ASCENDING)], name="user"),
            IndexModel([("expires_at", pymongo.ASCENDING)], name="expires_ttl", expireAfterSeconds=0),
        ]


SESSIONS = SessionDocument.Settings.name


_MAPPING: Final = EntityMapping(Session, renamed={"id": "_id"})
session_to_entity: Final = _MAPPING.to_entity
session_to_document: Final = _MAPPING.to_document
