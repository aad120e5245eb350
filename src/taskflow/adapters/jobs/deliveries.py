"""Notifications made, by kind and channel: counted in Redis where the worker makes them, shown on `/metrics`."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Final

from taskflow.adapters.redis_failures import REDIS_FAILURES
from taskflow.domain.model.notifications import MailState
from taskflow.domain.ports.notifications import Inbox

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from redis.asyncio import Redis

    from taskflow.domain.model.notifications import InboxPosition, Notification
    from taskflow.domain.values import UserId

DELIVERIES_KEY: Final = "taskflow:notifications:delivered"
"""A hash: `<kind>:inbox`, `<kind>:mail` (notifications made for each), `<kind>:mailed` (mails that went)."""


class CountedInbox(Inbox):
    """The inbox, counting what is stored new and what is mailed; a lost count never fails a delivery."""

    def __init__(self, inbox: Inbox, redis: Redis) -> None:
        self._inbox = inbox
        self._redis = redis

    async def add(self, notifications: Sequence[Notification]) -> set[str]:
        stored = await self._inbox.add(notifications)
        await self._count(
            [
                f"{notification.kind.value}:{name}"
                for notification in notifications
                if notification.id in stored
                for name, chosen in (("inbox", notification.in_inbox), ("mail", notification.mail is MailState.PENDING))
                if chosen
            ]
        )
        return stored

    async def page(
        self, user: UserId, *, unread_only: bool, after: InboxPosition | None, limit: int
    ) -> list[Notification]:
        return await self._inbox.page(user, unread_only=unread_only, after=after, limit=limit)

    async def find(self, user: UserId, notification_id: str) -> Notification | None:
        return await self._inbox.find(user, notification_id)

    async def mark_read(self, user: UserId, ids: Sequence[str]) -> None:
        await self._inbox.mark_read(user, ids)

    async def mark_read_up_to(self, user: UserId, position: InboxPosition) -> None:
        await self._inbox.mark_read_up_to(user, position)

    async def unread_count(self, user: UserId) -> int:
        return await self._inbox.unread_count(user)

    async def pending_mail(self, user: UserId, *, made_before: datetime) -> list[Notification]:
        return await self._inbox.pending_mail(user, made_before=made_before)

    async def mailed(self, user: UserId, notifications: Sequence[Notification]) -> list[str]:
        sent = await self._inbox.mailed(user, notifications)
        kinds = {notification.id: notification.kind.value for notification in notifications}
        await self._count([f"{kinds[each]}:mailed" for each in sent])
        return sent

    async def _count(self, fields: list[str]) -> None:
        if not fields:
            return
        with contextlib.suppress(*REDIS_FAILURES):
            async with self._redis.pipeline(transaction=False) as pipe:
                for field in fields:
                    pipe.hincrby(DELIVERIES_KEY, field, 1)
                await pipe.execute()
