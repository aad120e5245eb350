"""Password resets on MongoDB: keyed by their token's digest, taken with one find-and-delete."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from bson import ObjectId
from pymongo import ReadPreference
from pymongo.errors import DuplicateKeyError

from taskflow.adapters.mongo.errors import translate_errors
from taskflow.adapters.mongo.schema.password_resets import PASSWORD_RESETS
from taskflow.domain.ports.accounts import PasswordReset, PasswordResetRepository
from taskflow.domain.values import UserId

if TYPE_CHECKING:
    from datetime import datetime

    from pymongo.asynchronous.database import AsyncDatabase

    from taskflow.adapters.mongo.raw import Raw


class MongoPasswordResetRepository(PasswordResetRepository):
    """On the primary: whether a token still works is decided by the latest state."""

    def __init__(self, database: AsyncDatabase[Raw]) -> None:
        self._resets = database.get_collection(PASSWORD_RESETS, read_preference=ReadPreference.PRIMARY)

    async def add(self, reset: PasswordReset) -> None:
        document = {"_id": reset.token_digest, "user_id": ObjectId(reset.user_id.value), "expires_at": reset.expires_at}
        # A duplicate is the same reset, stored by an earlier run of its job.
        with translate_errors(), contextlib.suppress(DuplicateKeyError):
            await self._resets.insert_one(document)

    async def take(self, token_digest: str, *, now: datetime) -> PasswordReset | None:
        # The TTL monitor removes expired ones only every minute or so: the filter decides.
        with translate_errors():
            raw = await self._resets.find_one_and_delete({"_id": token_digest, "expires_at": {"$gt": now}})
        if raw is None:
            return None
        return PasswordReset(token_digest=raw["_id"], user_id=UserId(str(raw["user_id"])), expires_at=raw["expires_at"])

    async def forget(self, user_id: UserId) -> int:
        with translate_errors():
            return (await self._resets.delete_many({"user_id": ObjectId(user_id.value)})).deleted_count
