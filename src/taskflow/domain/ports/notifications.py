"""Ports for notifications: each person's inbox, their settings, and their mail windows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from taskflow.domain.model.notifications import InboxPosition, Notification, NotificationSettings
    from taskflow.domain.values import UserId


class Inbox(Protocol):
    """Notifications by person (the shard key), newest first."""

    async def add(self, notifications: Sequence[Notification]) -> set[str]:
        """The ids of those stored now: one whose id is there already (a replay) stays as it was."""
        ...

    async def page(
        self, user: UserId, *, unread_only: bool, after: InboxPosition | None, limit: int
    ) -> list[Notification]:
        """Up to `limit` of the person's inbox (not those kept only for mail), newest first, after `after`."""
        ...

    async def find(self, user: UserId, notification_id: str) -> Notification | None: ...

    async def mark_read(self, user: UserId, ids: Sequence[str]) -> None: ...

    async def mark_read_up_to(self, user: UserId, position: InboxPosition) -> None:
        """Every one at `position` or older."""
        ...

    async def unread_count(self, user: UserId) -> int: ...

    async def pending_mail(self, user: UserId, *, made_before: datetime) -> list[Notification]:
        """Those to be mailed still, made before `made_before`, oldest first."""
        ...

    async def mailed(self, user: UserId, notifications: Sequence[Notification]) -> list[str]:
        """Mark these sent, of those still to be mailed: the ids that were (a mail for each, at most)."""
        ...


class NotificationPreferences(Protocol):
    async def get(self, user: UserId) -> NotificationSettings:
        """The person's settings; the defaults when they chose none."""
        ...

    async def save(self, user: UserId, settings: NotificationSettings) -> None: ...


class MailWindows(Protocol):
    """When each person last got a notification mail: what follows within a window is gathered into one digest."""

    async def open(self, user: UserId, opener: str, *, now: datetime, until: datetime) -> datetime | None:
        """The end of a window `opener` opens now, when none is open (or `opener` opened it: a replay).

        None while another's window is open: the notification waits for that window's digest.
        """
        ...
