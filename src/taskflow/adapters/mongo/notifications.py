"""Inboxes, notification settings and mail windows on MongoDB; every inbox command names its person (the shard key)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bson import ObjectId
from pymongo import ReadPreference
from pymongo.errors import DuplicateKeyError

from taskflow.adapters.mongo.errors import insert_new, translate_errors
from taskflow.adapters.mongo.schema.notifications import (
    MAIL_WINDOWS,
    NOTIFICATION_SETTINGS,
    NOTIFICATIONS,
    notification_to_document,
    notification_to_entity,
    settings_to_document,
    settings_to_entity,
)
from taskflow.domain.model.notifications import MailState, NotificationSettings
from taskflow.domain.ports.notifications import Inbox, MailWindows, NotificationPreferences

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from pymongo.asynchronous.database import AsyncDatabase

    from taskflow.adapters.mongo.raw import Raw
    from taskflow.domain.model.notifications import InboxPosition, Notification
    from taskflow.domain.values import UserId

_NEWEST_FIRST = [("at", -1), ("_id", -1)]


def _person(user: UserId) -> Raw:
    return {"user_id": ObjectId(user.value)}


def _at_or_before(position: InboxPosition, *, inclusive: bool) -> Raw:
    same_moment = {"at": position.at, "_id": {"$lte" if inclusive else "$lt": position.id}}
    return {"$or": [{"at": {"$lt": position.at}}, same_moment]}


class MongoInbox(Inbox):
    def __init__(self, database: AsyncDatabase[Raw]) -> None:
        # The primary while there is one: a person reads what they just marked.
        self._notifications = database.get_collection(NOTIFICATIONS, read_preference=ReadPreference.PRIMARY_PREFERRED)

    async def add(self, notifications: Sequence[Notification]) -> set[str]:
        inserted = await insert_new(self._notifications, [notification_to_document(n) for n in notifications])
        return {notifications[index].id for index in inserted}

    async def page(
        self, user: UserId, *, unread_only: bool, after: InboxPosition | None, limit: int
    ) -> list[Notification]:
        query: Raw = {**_person(user), "in_inbox": True}
        if unread_only:
            query["read"] = False
        if after is not None:
            query |= _at_or_before(after, inclusive=False)
        with translate_errors():
            raws = await self._notifications.find(query).sort(_NEWEST_FIRST).limit(limit).to_list()
        return [notification_to_entity(raw) for raw in raws]

    async def find(self, user: UserId, notification_id: str) -> Notification | None:
        with translate_errors():
            raw = await self._notifications.find_one({**_person(user), "_id": notification_id})
        return None if raw is None else notification_to_entity(raw)

    async def mark_read(self, user: UserId, ids: Sequence[str]) -> None:
        with translate_errors():
            await self._notifications.update_many(
                {**_person(user), "_id": {"$in": list(ids)}, "read": False}, {"$set": {"read": True}}
            )

    async def mark_read_up_to(self, user: UserId, position: InboxPosition) -> None:
        query = {**_person(user), "in_inbox": True, "read": False} | _at_or_before(position, inclusive=True)
        with translate_errors():
            await self._notifications.update_many(query, {"$set": {"read": True}})

    async def unread_count(self, user: UserId) -> int:
        with translate_errors():
            return await self._notifications.count_documents({**_person(user), "in_inbox": True, "read": False})

    async def pending_mail(self, user: UserId, *, made_before: datetime) -> list[Notification]:
        query = {**_person(user), "mail": MailState.PENDING.value, "at": {"$lt": made_before}}
        with translate_errors():
            raws = await self._notifications.find(query).sort([("at", 1), ("_id", 1)]).to_list()
        return [notification_to_entity(raw) for raw in raws]

    async def mailed(self, user: UserId, notifications: Sequence[Notification]) -> list[str]:
        ids = [notification.id for notification in notifications]
        query = {**_person(user), "_id": {"$in": ids}, "mail": MailState.PENDING.value}
        with translate_errors():
            pending = [raw["_id"] for raw in await self._notifications.find(query, {"_id": 1}).to_list()]
            await self._notifications.update_many(
                {**query, "_id": {"$in": pending}}, {"$set": {"mail": MailState.SENT.value}}
            )
        return pending


class MongoNotificationPreferences(NotificationPreferences):
    def __init__(self, database: AsyncDatabase[Raw]) -> None:
        self._settings = database.get_collection(
            NOTIFICATION_SETTINGS, read_preference=ReadPreference.PRIMARY_PREFERRED
        )

    async def get(self, user: UserId) -> NotificationSettings:
        with translate_errors():
            raw = await self._settings.find_one({"_id": ObjectId(user.value)})
        return NotificationSettings() if raw is None else settings_to_entity(raw.get("chosen") or {})

    async def save(self, user: UserId, settings: NotificationSettings) -> None:
        with translate_errors():
            await self._settings.update_one(
                {"_id": ObjectId(user.value)}, {"$set": {"chosen": settings_to_document(settings)}}, upsert=True
            )


class MongoMailWindows(MailWindows):
    def __init__(self, database: AsyncDatabase[Raw]) -> None:
        self._windows = database.get_collection(MAIL_WINDOWS).with_options(read_preference=ReadPreference.PRIMARY)

    async def open(self, user: UserId, opener: str, *, now: datetime, until: datetime) -> datetime | None:
        person = ObjectId(user.value)
        with translate_errors():
            current = await self._windows.find_one({"_id": person})
            if current is not None and (current["opener"] == opener or current["until"] > now):
                return current["until"] if current["opener"] == opener else None
            try:
                await self._windows.update_one(
                    {"_id": person, "until": {"$lte": now}}, {"$set": {"opener": opener, "until": until}}, upsert=True
                )
            except DuplicateKeyError:  # another opened it meanwhile
                return None
        return until
