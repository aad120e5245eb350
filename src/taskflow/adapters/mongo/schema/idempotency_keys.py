"""The `idempotency_keys` collection: a keyed write's first request and its answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

import pymongo
from beanie import Document, PydanticObjectId
from pymongo import IndexModel


class IdempotencyKeyDocument(Document):
    """A key's first request; the unique (user, key) index decides which request is first.

    `response` is null while that request runs; MongoDB deletes the key at `expires_at`.
    """

    user_id: PydanticObjectId
    key: str
    fingerprint: str
    response: dict[str, Any] | None = None
    lease_until: datetime
    expires_at: datetime

    class Settings:
        name = "idempotency_keys"
        indexes: ClassVar = [
            IndexModel([("user_id", pymongo.ASCENDING), ("key", pymongo.ASCENDING)], name="user_key", unique=True),
            IndexModel([("expires_at", pymongo.ASCENDING)], name="expires_ttl", expireAfterSeconds=0),
        ]


IDEMPOTENCY_KEYS = IdempotencyKeyDocument.Settings.name
