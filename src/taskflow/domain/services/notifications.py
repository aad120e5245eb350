"""Each person's notifications: delivered as their settings say, and read in their inbox.

Rules:
- a notification is stored once, whatever tells it again (its id is derived from its cause);
- it goes to the inbox, by mail, both or neither, as its person's settings for its kind say
  (inbox on for every kind, mail for assignments and due dates, unless they chose otherwise);
- mail goes through the outbox, at most one mail per notification: the first to be mailed
  opens the person's mail window and goes out at once; what follows within the window
  waits for its end and goes out as one digest;
- an inbox is its person's alone: another's notification is not found, and marking it read
  changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Final

from taskflow.domain.errors import InvalidValueError
from taskflow.domain.model.notifications import InboxPosition, MailState
from taskflow.domain.services.names import names_of

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from datetime import datetime, timedelta

    from taskflow.domain.access.principal import Principal
    from taskflow.domain.model.notifications import Notification, NotificationKind, NotificationSettings
    from taskflow.domain.ports.accounts import UserRepository
    from taskflow.domain.ports.notifications import Inbox, MailWindows, NotificationPreferences
    from taskflow.domain.ports.time_and_ids import Clock
    from taskflow.domain.services.outbox import OutboxService
    from taskflow.domain.values import UserId

NOTIFICATION_MAIL_JOB: Final = "send_notification_mail"
NOTIFICATION_DIGEST_JOB: Final = "send_notification_digest"
OPEN_REMEMBERED: Final = 10_000


def notification_mail_job_id(notification_id: str) -> str:
    return f"notify:{notification_id}"


def digest_job_id(user: UserId, until_ms: int) -> str:
    return f"digest:{user.value}:{until_ms}"


class Notifier:
    """Delivers notifications; the reactions to changes and the reminders call it."""

    def __init__(
        self,
        *,
        inbox: Inbox,
        preferences: NotificationPreferences,
        windows: MailWindows,
        outbox: OutboxService,
        clock: Clock,
        window: timedelta,
    ) -> None:
        self._inbox = inbox
        self._preferences = preferences
        self._windows = windows
        self._outbox = outbox
        self._clock = clock
        self._window = window
        self._windows_open: dict[UserId, tuple[str, datetime]] = {}
        """Each person's mail window as last opened here: its opener and end (a window never ends early)."""

    async def notify(self, notifications: Sequence[Notification]) -> None:
        """Stored together, in order; idempotent: told again (a replayed change), each stores and mails nothing new."""
        settings = {user: await self._preferences.get(user) for user in dict.fromkeys(n.user for n in notifications)}
        kept = []
        for notification in notifications:
            channels = settings[notification.user].of(notification.kind)
            if channels.inbox or channels.mail:
                mail = MailState.PENDING if channels.mail else MailState.UNWANTED
                kept.append(replace(notification, in_inbox=channels.inbox, mail=mail))
        stored = await self._inbox.add(kept)
        for notification in kept:
            if notification.mail is not MailState.PENDING:
                continue
            if notification.id not in stored:  # told before: mailed already, unless it is still to be
                before = await self._inbox.find(notification.user, notification.id)
                if before is None or before.mail is not MailState.PENDING:
                    continue
            await self._schedule_mail(notification)

    async def _schedule_mail(self, notification: Notification) -> None:
        now = self._clock.now()
        known = self._windows_open.get(notification.user)
        if known is not None and known[0] != notification.id and now < known[1]:
            return  # another's window is open: its digest gathers this one
        until = await self._windows.open(notification.user, notification.id, now=now, until=now + self._window)
        if until is None:  # another's window is open: its digest gathers this one
            return
        if len(self._windows_open) >= OPEN_REMEMBERED:
            self._windows_open = {user: window for user, window in self._windows_open.items() if window[1] > now}
        self._windows_open[notification.user] = (notification.id, until)
        user = notification.user.value
        single = await self._outbox.record_once(
            notification_mail_job_id(notification.id), NOTIFICATION_MAIL_JOB, user_id=user, notification=notification.id
        )
        if single is not None:
            await self._outbox.dispatch(single)
        until_ms = int(until.timestamp() * 1000)
        digest = await self._outbox.record_once(
            digest_job_id(notification.user, until_ms),
            NOTIFICATION_DIGEST_JOB,
            user_id=user,
            until=until.isoformat(),
            opener=notification.id,
        )
        if digest is not None:
            await self._outbox.dispatch(digest, run_at=until)


@dataclass(frozen=True, slots=True)
class InboxPage:
    items: list[Notification]
    names: dict[UserId, str]
    """The actors' names now; an actor missing here has no account any more."""
    next_after: InboxPosition | None


class InboxService:
    def __init__(self, inbox: Inbox, preferences: NotificationPreferences, users: UserRepository) -> None:
        self._inbox = inbox
        self._preferences = preferences
        self._users = users

    async def page(
        self, principal: Principal, *, unread_only: bool, after: InboxPosition | None, limit: int
    ) -> InboxPage:
        found = await self._inbox.page(principal.id, unread_only=unread_only, after=after, limit=limit + 1)
        items = found[:limit]
        names = await names_of(self._users, (item.actor for item in items))
        last = items[-1] if len(found) > limit else None
        return InboxPage(items, names, None if last is None else InboxPosition(last.at, last.id))

    async def unread_count(self, principal: Principal) -> int:
        return await self._inbox.unread_count(principal.id)

    async def mark_read(self, principal: Principal, ids: Sequence[str]) -> int:
        """These of the caller's (another's, or none, are passed over); how many stay unread."""
        await self._inbox.mark_read(principal.id, ids)
        return await self._inbox.unread_count(principal.id)

    async def mark_read_up_to(self, principal: Principal, notification_id: str) -> int:
        """The caller's notification named and every older one; how many stay unread."""
        newest = await self._inbox.find(principal.id, notification_id)
        if newest is None or not newest.in_inbox:
            msg = "no notification of yours has this id"
            raise InvalidValueError(msg, field="up_to")
        await self._inbox.mark_read_up_to(principal.id, InboxPosition(newest.at, newest.id))
        return await self._inbox.unread_count(principal.id)

    async def settings(self, principal: Principal) -> NotificationSettings:
        return await self._preferences.get(principal.id)

    async def change_settings(
        self, principal: Principal, changes: Mapping[NotificationKind, tuple[bool | None, bool | None]]
    ) -> NotificationSettings:
        """(inbox, mail) per kind; None leaves that one as it is. Applies to notifications made from now on."""
        changed = (await self._preferences.get(principal.id)).changed(changes)
        await self._preferences.save(principal.id, changed)
        return changed
