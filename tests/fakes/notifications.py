"""Inboxes, notification settings and mail windows without MongoDB (tests/contract/test_notifications.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from taskflow.domain.changes.feed import NotificationCreated
from taskflow.domain.errors import UnavailableError
from taskflow.domain.model.notifications import InboxPosition, MailState, Notification, NotificationSettings
from taskflow.domain.ports.notifications import Inbox, MailWindows, NotificationPreferences
from taskflow.domain.values import UserId
from tests.fakes.changes import InMemoryChangeFeed


def _newest_first(notification: Notification) -> tuple[datetime, str]:
    return notification.at, notification.id


class InMemoryInbox(Inbox):
    """`down` plays a database that takes nothing (the consumer must replay); with a `feed`, publishes as MongoDB."""

    def __init__(self, feed: InMemoryChangeFeed | None = None) -> None:
        self.notifications: dict[str, Notification] = {}
        self.down = False
        self._feed = feed

    def _check(self) -> None:
        if self.down:
            raise UnavailableError

    def of(self, user: UserId) -> list[Notification]:
        """Every one of the person's, inbox or mail only, newest first."""
        found = [item for item in self.notifications.values() if item.user == user]
        return sorted(found, key=_newest_first, reverse=True)

    async def add(self, notifications: Sequence[Notification]) -> set[str]:
        self._check()
        stored = set()
        for notification in notifications:
            if notification.id in self.notifications:
                continue
            self.notifications[notification.id] = notification
            stored.add(notification.id)
            if self._feed is not None and notification.in_inbox:  # as MongoDB's change stream carries it
                self._feed.publish(NotificationCreated(self._feed.next_position(), notification))
        return stored

    async def page(
        self, user: UserId, *, unread_only: bool, after: InboxPosition | None, limit: int
    ) -> list[Notification]:
        self._check()
        return [
            item
            for item in self.of(user)
            if item.in_inbox
            and not (unread_only and item.read)
            and (after is None or _newest_first(item) < (after.at, after.id))
        ][:limit]

    async def find(self, user: UserId, notification_id: str) -> Notification | None:
        self._check()
        found = self.notifications.get(notification_id)
        return found if found is not None and found.user == user else None

    async def mark_read(self, user: UserId, ids: Sequence[str]) -> None:
        self._check()
        for notification_id in ids:
            found = await self.find(user, notification_id)
            if found is not None:
                self.notifications[notification_id] = replace(found, read=True)

    async def mark_read_up_to(self, user: UserId, position: InboxPosition) -> None:
        self._check()
        for item in self.of(user):
            if _newest_first(item) <= (position.at, position.id):
                self.notifications[item.id] = replace(item, read=True)

    async def unread_count(self, user: UserId) -> int:
        self._check()
        return sum(1 for item in self.of(user) if item.in_inbox and not item.read)

    async def pending_mail(self, user: UserId, *, made_before: datetime) -> list[Notification]:
        self._check()
        return [item for item in reversed(self.of(user)) if item.mail is MailState.PENDING and item.at < made_before]

    async def mailed(self, user: UserId, notifications: Sequence[Notification]) -> list[str]:
        self._check()
        sent = []
        for notification_id in (notification.id for notification in notifications):
            found = await self.find(user, notification_id)
            if found is not None and found.mail is MailState.PENDING:
                self.notifications[notification_id] = replace(found, mail=MailState.SENT)
                sent.append(notification_id)
        return sent


class InMemoryNotificationPreferences(NotificationPreferences):
    def __init__(self) -> None:
        self.settings: dict[UserId, NotificationSettings] = {}

    async def get(self, user: UserId) -> NotificationSettings:
        return self.settings.get(user, NotificationSettings())

    async def save(self, user: UserId, settings: NotificationSettings) -> None:
        self.settings[user] = settings


class InMemoryMailWindows(MailWindows):
    def __init__(self) -> None:
        self.windows: dict[UserId, tuple[str, datetime]] = {}

    async def open(self, user: UserId, opener: str, *, now: datetime, until: datetime) -> datetime | None:
        current = self.windows.get(user)
        if current is not None and (current[0] == opener or current[1] > now):
            return current[1] if current[0] == opener else None
        self.windows[user] = (opener, until)
        return until
