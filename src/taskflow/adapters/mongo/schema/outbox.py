"""The `outbox` collection: jobs that must run at least once (decision 0020)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import pymongo
from beanie import Document
from pymongo import IndexModel


class OutboxDocument(Document):
    """A job that must run at least once (decision 0020); `_id` is the job's id.

    MongoDB deletes an entry a week after it was done (a TTL index; pending ones stay).
    """

    id: str  # type: ignore[assignment]  # the job id, not Beanie's ObjectId
    job: str
    args: dict[str, str]
    state: str  # "pending" or "done"
    created_at: datetime
    done_at: datetime | None = None

    class Settings:
        name = "outbox"
        indexes: ClassVar = [
            IndexModel([("state", pymongo.ASCENDING), ("created_at", pymongo.ASCENDING)], name="state_created"),
            IndexModel([("done_at", pymongo.ASCENDING)], name="done_ttl", expireAfterSeconds=7 * 24 * 3600),
        ]


OUTBOX = OutboxDocument.Settings.name
