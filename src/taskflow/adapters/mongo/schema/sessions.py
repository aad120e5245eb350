"""The `refresh_tokens` collection: a sign-in and its refresh-token family, and the mapping both ways."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import pymongo
from beanie import Document, PydanticObjectId
from bson import ObjectId
from pymongo import IndexModel

from taskflow.adapters.mongo.raw import Raw
from taskflow.domain.model.accounts import Session
from taskflow.domain.values import SessionId, UserId


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


def session_to_entity(raw: Raw) -> Session:
    return Session(
        id=SessionId(raw["_id"]),
        user_id=UserId(str(raw["user_id"])),
        token_digest=raw["token_digest"],
        created_at=raw["created_at"],
        refreshed_at=raw["refreshed_at"],
        expires_at=raw["expires_at"],
        ends_at=raw["ends_at"],
        revoked_at=raw.get("revoked_at"),
        revoked_reason=raw.get("revoked_reason"),
    )


def session_to_document(session: Session) -> Raw:
    return {
        "_id": session.id.value,
        "user_id": ObjectId(session.user_id.value),
        "token_digest": session.token_digest,
        "created_at": session.created_at,
        "refreshed_at": session.refreshed_at,
        "expires_at": session.expires_at,
        "ends_at": session.ends_at,
        "revoked_at": session.revoked_at,
        "revoked_reason": session.revoked_reason,
    }
