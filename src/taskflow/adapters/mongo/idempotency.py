"""Idempotency keys on MongoDB: a unique index, so the first of two racing requests wins."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bson import Binary, ObjectId
from pymongo import ReadPreference
from pymongo.errors import DuplicateKeyError

from taskflow.adapters.mongo.errors import translate_errors
from taskflow.adapters.mongo.raw import Raw
from taskflow.adapters.mongo.schema.idempotency_keys import IDEMPOTENCY_KEYS
from taskflow.domain.ports.idempotency import IdempotencyRecord, IdempotencyStore, RecordedResponse

if TYPE_CHECKING:
    from datetime import datetime

    from pymongo.asynchronous.database import AsyncDatabase

    from taskflow.domain.values import UserId


class MongoIdempotencyStore(IdempotencyStore):
    """Reads the primary: whether a request runs depends on the latest state of its key."""

    def __init__(self, database: AsyncDatabase[Raw]) -> None:
        self._keys = database.get_collection(IDEMPOTENCY_KEYS, read_preference=ReadPreference.PRIMARY)

    async def claim(
        self, owner: UserId, key: str, fingerprint: str, *, now: datetime, lease_until: datetime, expires_at: datetime
    ) -> IdempotencyRecord | None:
        ident = _ident(owner, key)
        with translate_errors():
            try:
                await self._keys.insert_one(
                    {
                        **ident,
                        "fingerprint": fingerprint,
                        "response": None,
                        "lease_until": lease_until,
                        "expires_at": expires_at,
                    }
                )
            except DuplicateKeyError:
                pass
            else:
                return None
            # Held by a request whose process died: the same request may take over once its lease is over.
            taken = await self._keys.update_one(
                {**ident, "fingerprint": fingerprint, "response": None, "lease_until": {"$lte": now}},
                {"$set": {"lease_until": lease_until}},
            )
            if taken.modified_count == 1:
                return None
            raw = await self._keys.find_one(ident)
        if raw is None:  # expired between the two calls: a retry will claim it
            return IdempotencyRecord(fingerprint=fingerprint, response=None, lease_until=now)
        return IdempotencyRecord(
            fingerprint=raw["fingerprint"], response=_response(raw["response"]), lease_until=raw["lease_until"]
        )

    async def complete(self, owner: UserId, key: str, response: RecordedResponse) -> None:
        stored = {
            "status": response.status,
            "headers": [list(h) for h in response.headers],
            "body": Binary(response.body),
        }
        with translate_errors():
            await self._keys.update_one(_ident(owner, key), {"$set": {"response": stored}})

    async def release(self, owner: UserId, key: str) -> None:
        with translate_errors():
            await self._keys.delete_one({**_ident(owner, key), "response": None})


def _ident(owner: UserId, key: str) -> Raw:
    return {"user_id": ObjectId(owner.value), "key": key}


def _response(raw: dict[str, Any] | None) -> RecordedResponse | None:
    if raw is None:
        return None
    return RecordedResponse(
        status=raw["status"], headers=tuple((name, value) for name, value in raw["headers"]), body=bytes(raw["body"])
    )
