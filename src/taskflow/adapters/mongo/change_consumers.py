"""A durable consumer's lease and checkpoint in MongoDB: one document per consumer, every write fenced by its holder.

A claim is one find-and-modify on the document: it succeeds when the lease is the
claimant's or has run out, and a claim racing another for a lease nobody holds meets a
duplicate key. The checkpoint moves only in a write that names the holder, so a process
that lost its lease cannot move it. Writes are majority-acknowledged, as the client's.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final

from pymongo import ReadPreference, ReturnDocument
from pymongo.errors import DuplicateKeyError

from taskflow.adapters.mongo.errors import translate_errors
from taskflow.adapters.mongo.schema.change_consumers import (
    CHANGE_CONSUMERS,
    position_to_document,
    position_to_entity,
)
from taskflow.domain.changes.consumer import Claim, ConsumerState
from taskflow.domain.changes.feed import FeedPosition

if TYPE_CHECKING:
    from pymongo.asynchronous.database import AsyncDatabase

    from taskflow.adapters.mongo.raw import Raw

_FREE: Final = datetime(1970, 1, 1, tzinfo=UTC)


class MongoConsumerState(ConsumerState):
    def __init__(self, database: AsyncDatabase[Raw]) -> None:
        self._consumers = database.get_collection(CHANGE_CONSUMERS).with_options(read_preference=ReadPreference.PRIMARY)

    async def claim(self, consumer: str, holder: str, *, now: datetime, until: datetime) -> Claim | None:
        try:
            with translate_errors():
                raw = await self._consumers.find_one_and_update(
                    {"_id": consumer, "$or": [{"holder": holder}, {"lease_until": {"$lte": now}}]},
                    {"$set": {"holder": holder, "lease_until": until}},
                    upsert=True,
                    return_document=ReturnDocument.AFTER,
                )
        except DuplicateKeyError:  # another holds it: the upsert met its document
            return None
        stored = raw.get("position") if raw else None
        return Claim(until, position_to_entity(stored))

    async def advance(self, consumer: str, holder: str, position: FeedPosition) -> bool:
        stored = position_to_document(position)
        with translate_errors():
            result = await self._consumers.update_one(
                {"_id": consumer, "holder": holder}, {"$set": {"position": stored}}
            )
        return result.matched_count == 1

    async def start_at(self, consumer: str, position: FeedPosition) -> bool:
        """A consumer never run starts reading here (`taskflow migrate`: every write after it reaches it).

        False when it has a checkpoint already, which stays.
        """
        stored = position_to_document(position)
        with translate_errors():
            result = await self._consumers.update_one(
                {"_id": consumer},
                {"$setOnInsert": {"holder": "", "lease_until": _FREE, "position": stored}},
                upsert=True,
            )
        return result.upserted_id is not None

    async def release(self, consumer: str, holder: str) -> None:
        with translate_errors():
            await self._consumers.update_one({"_id": consumer, "holder": holder}, {"$set": {"lease_until": _FREE}})
