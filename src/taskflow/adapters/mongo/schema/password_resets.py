"""The `password_resets` collection: a mailed reset, its token's digest as its id."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import pymongo
from beanie import Document, PydanticObjectId
from pymongo import IndexModel


class PasswordResetDocument(Document):
    """A mailed password reset: `_id` is its token's SHA-256 (the token is stored nowhere); gone once expired."""

    id: str  # type: ignore[assignment]  # the token's digest
    user_id: PydanticObjectId
    expires_at: datetime

    class Settings:
        name = "password_resets"
        indexes: ClassVar = [
            IndexModel([("user_id", pymongo.ASCENDING)], name="user"),
            IndexModel([("expires_at", pymongo.ASCENDING)], name="expires_ttl", expireAfterSeconds=0),
        ]


PASSWORD_RESETS = PasswordResetDocument.Settings.name
