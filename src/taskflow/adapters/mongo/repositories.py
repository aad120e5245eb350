"""Repositories on MongoDB. Every task operation carries `user_id`, the shard key."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bson import ObjectId
from pymongo import ReadPreference, ReturnDocument
from pymongo.errors import DuplicateKeyError

from taskflow.adapters.mongo.errors import translate_errors
from taskflow.adapters.mongo.raw import Raw
from taskflow.adapters.mongo.schema.sessions import SESSIONS, session_to_document, session_to_entity
from taskflow.adapters.mongo.schema.users import USERS, user_to_document, user_to_entity
from taskflow.domain.errors import (
    EmailAlreadyRegisteredError,
    UserNotFoundError,
)
from taskflow.domain.ports.accounts import SessionRepository, UserCounts, UserFilter, UserRepository
from taskflow.domain.values import Role, UserId

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from pymongo.asynchronous.database import AsyncDatabase

    from taskflow.domain.model.accounts import Session, User
    from taskflow.domain.values import Email, SessionId


class MongoUserRepository(UserRepository):
    """Accounts. Reads here decide logins and token checks, so they read the primary.

    While there is none (an election) they read a secondary rather than fail every
    signed-in request: decision 0018.
    """

    def __init__(self, database: AsyncDatabase[Raw]) -> None:
        self._users = database.get_collection(USERS)
        self._primary = self._users.with_options(read_preference=ReadPreference.PRIMARY_PREFERRED)

    async def add(self, user: User) -> None:
        with translate_errors():
            try:
                await self._users.insert_one(user_to_document(user))
            except DuplicateKeyError:
                raise EmailAlreadyRegisteredError from None

    async def get(self, user_id: UserId) -> User:
        found = await self._find_one({"_id": ObjectId(user_id.value)})
        if found is None:
            raise UserNotFoundError
        return found

    async def find_by_email(self, email: Email) -> User | None:
        return await self._find_one({"email": email.value})

    async def names(self, user_ids: Sequence[UserId]) -> dict[UserId, str]:
        query = {"_id": {"$in": [ObjectId(user_id.value) for user_id in user_ids]}}
        with translate_errors():
            raws = await self._users.find(query, {"name": 1}).to_list()
        return {UserId(str(raw["_id"])): str(raw["name"]) for raw in raws}

    async def save(self, user: User, *, fields: frozenset[str]) -> None:
        document = user_to_document(user)
        with translate_errors():
            result = await self._users.update_one(
                {"_id": ObjectId(user.id.value)}, {"$set": {name: document[name] for name in fields}}
            )
        if result.matched_count == 0:
            raise UserNotFoundError

    async def invalidate_tokens(self, user_id: UserId, *, issued_before: datetime) -> None:
        with translate_errors():
            result = await self._users.update_one(
                {"_id": ObjectId(user_id.value)}, {"$set": {"tokens_valid_after": issued_before}}
            )
        if result.matched_count == 0:
            raise UserNotFoundError

    async def list_page(self, user_filter: UserFilter, *, after: UserId | None, limit: int) -> list[User]:
        query: Raw = {}
        if user_filter.email_prefix:
            # An anchored, escaped prefix: the email index serves it, no client regex runs.
            query["email"] = {"$regex": "^" + re.escape(user_filter.email_prefix.lower())}
        if user_filter.role is not None:
            query["role"] = user_filter.role.value
        if user_filter.is_active is not None:
            query["is_active"] = user_filter.is_active
        if after is not None:
            query["_id"] = {"$gt": ObjectId(after.value)}
        with translate_errors():
            raws = await self._users.find(query).sort("_id", 1).limit(limit).to_list()
        return [user_to_entity(raw) for raw in raws]

    async def counts(self) -> UserCounts:
        pipeline: list[Raw] = [
            {
                "$group": {
                    "_id": None,
                    "total": {"$sum": 1},
                    "active": {"$sum": {"$cond": ["$is_active", 1, 0]}},
                    "admins": {"$sum": {"$cond": [{"$eq": ["$role", Role.ADMIN.value]}, 1, 0]}},
                }
            }
        ]
        with translate_errors():
            rows = await (await self._users.aggregate(pipeline)).to_list()
        row = rows[0] if rows else {"total": 0, "active": 0, "admins": 0}
        return UserCounts(total=row["total"], active=row["active"], admins=row["admins"])

    async def delete(self, user_id: UserId) -> None:
        with translate_errors():
            await self._users.delete_one({"_id": ObjectId(user_id.value)})

    async def _find_one(self, query: Raw) -> User | None:
        with translate_errors():
            raw = await self._primary.find_one(query)
        return None if raw is None else user_to_entity(raw)


class MongoSessionRepository(SessionRepository):
    """Refresh-token families, read on the primary (while there is one): they decide access.

    Writes inherit the client's majority, journaled write concern.
    """

    def __init__(self, database: AsyncDatabase[Raw]) -> None:
        self._sessions = database.get_collection(SESSIONS, read_preference=ReadPreference.PRIMARY_PREFERRED)

    async def add(self, session: Session) -> None:
        with translate_errors():
            await self._sessions.insert_one(session_to_document(session))

    async def get(self, session_id: SessionId) -> Session | None:
        with translate_errors():
            raw = await self._sessions.find_one({"_id": session_id.value})
        return None if raw is None else session_to_entity(raw)

    async def rotate(
        self, session_id: SessionId, *, presented: str, replacement: str, now: datetime, expires_at: datetime
    ) -> Session | None:
        # The filter is the compare, the update the set: one document, so one atomic step.
        with translate_errors():
            raw = await self._sessions.find_one_and_update(
                {
                    "_id": session_id.value,
                    "token_digest": presented,
                    "revoked_at": None,
                    "expires_at": {"$gt": now},
                    "ends_at": {"$gt": now},
                },
                {"$set": {"token_digest": replacement, "refreshed_at": now, "expires_at": expires_at}},
                return_document=ReturnDocument.AFTER,
            )
        return None if raw is None else session_to_entity(raw)

    async def revoke(self, session_id: SessionId, *, now: datetime, reason: str) -> None:
        with translate_errors():
            await self._sessions.update_one(
                {"_id": session_id.value, "revoked_at": None},
                {"$set": {"revoked_at": now, "revoked_reason": reason}},
            )

    async def revoke_all(self, user_id: UserId, *, now: datetime, reason: str) -> None:
        with translate_errors():
            await self._sessions.update_many(
                {"user_id": ObjectId(user_id.value), "revoked_at": None},
                {"$set": {"revoked_at": now, "revoked_reason": reason}},
            )
