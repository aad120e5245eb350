"""The outbox on MongoDB: `_id` is the job id, so recording an entry twice keeps the first."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pymongo import ReadPreference
from pymongo.errors import DuplicateKeyError

from taskflow.adapters.mongo.errors import translate_errors
from taskflow.adapters.mongo.raw import Raw
from taskflow.adapters.mongo.schema.outbox import OUTBOX
from taskflow.domain.ports.jobs import Outbox, OutboxEntry

if TYPE_CHECKING:
    from datetime import datetime

    from pymongo.asynchronous.database import AsyncDatabase

PENDING, DONE = "pending", "done"


class MongoOutbox(Outbox):
    """Reads the primary: whether a job still has work decides whether a mail goes out."""

    def __init__(self, database: AsyncDatabase[Raw]) -> None:
        self._entries = database.get_collection(OUTBOX, read_preference=ReadPreference.PRIMARY)

    async def add(self, entry: OutboxEntry) -> bool:
        document = {
            "_id": entry.id,
            "job": entry.job,
            "args": entry.args,
            "state": PENDING,
            "created_at": entry.created_at,
            "done_at": None,
        }
        with translate_errors():
            try:
                await self._entries.insert_one(document)
            except DuplicateKeyError:
                return False
        return True

    async def mark_done(self, entry_id: str, *, at: datetime) -> None:
        with translate_errors():
            await self._entries.update_one(
                {"_id": entry_id, "state": PENDING}, {"$set": {"state": DONE, "done_at": at}}
            )

    async def is_done(self, entry_id: str) -> bool:
        with translate_errors():
            raw = await self._entries.find_one({"_id": entry_id}, {"state": 1})
        return raw is not None and raw["state"] == DONE

    async def pending(self, *, created_before: datetime, limit: int) -> list[OutboxEntry]:
        with translate_errors():
            raws = await (
                self._entries.find({"state": PENDING, "created_at": {"$lt": created_before}})
                .sort("created_at", 1)
                .limit(limit)
                .to_list()
            )
        return [
            OutboxEntry(id=raw["_id"], job=raw["job"], args=dict(raw["args"]), created_at=raw["created_at"])
            for raw in raws
        ]
