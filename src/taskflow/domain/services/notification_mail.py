"""Notifications by mail: the first of a window alone and at once, the rest of it as one digest at its end.

Rules:
- each job runs at least once (the outbox); a mail sent again has the same Message-ID;
- a notification is mailed by one job only: the one that opened its window by its own job,
  every other by the digest of the window it came in (the digest leaves out the opener);
- a notification is marked mailed after its mail went: a job killed in between sends the
  same mail again, never a second one for the same notification in another mail;
- a person whose account is gone gets nothing.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from html import escape
from typing import TYPE_CHECKING, Final

from taskflow.domain.errors import UserNotFoundError
from taskflow.domain.model.notifications import MailState, Notification, NotificationKind
from taskflow.domain.ports.mail import MailMessage
from taskflow.domain.services.mail import MAIL_DOMAIN, web_page
from taskflow.domain.services.notifications import digest_job_id, notification_mail_job_id
from taskflow.domain.services.outbox import NotDueError

if TYPE_CHECKING:
    from taskflow.domain.model.accounts import User
    from taskflow.domain.ports.accounts import UserRepository
    from taskflow.domain.ports.mail import Mailer
    from taskflow.domain.ports.notifications import Inbox
    from taskflow.domain.ports.time_and_ids import Clock
    from taskflow.domain.services.outbox import OutboxService
    from taskflow.domain.values import UserId

DIGEST_MAX: Final = 200
SUBJECT_MAX: Final = 120
"""Notifications one digest lists at most; the rest are counted."""


class NotificationMail:
    def __init__(
        self,
        *,
        inbox: Inbox,
        users: UserRepository,
        outbox: OutboxService,
        mailer: Mailer,
        clock: Clock,
        web_url: str,
    ) -> None:
        self._inbox = inbox
        self._users = users
        self._outbox = outbox
        self._mailer = mailer
        self._clock = clock
        self._web_url = web_url

    async def send_one(self, user_id: UserId, notification_id: str) -> None:
        entry = notification_mail_job_id(notification_id)
        if await self._outbox.is_done(entry):
            return
        notification = await self._inbox.find(user_id, notification_id)
        if notification is not None and notification.mail is MailState.PENDING:
            with contextlib.suppress(UserNotFoundError):
                user = await self._users.get(user_id)
                await self._mailer.send(single_mail(user, notification, web_url=self._web_url))
                await self._inbox.mailed(user_id, [notification])
        await self._outbox.mark_done(entry)

    async def send_digest(self, user_id: UserId, until: datetime, opener: str) -> None:
        """NotDueError before `until` (the sweeper queues it at once)."""
        entry = digest_job_id(user_id, int(until.timestamp() * 1000))
        if await self._outbox.is_done(entry):
            return
        wait = (until - self._clock.now()).total_seconds()
        if wait > 0:
            raise NotDueError(wait)
        pending = [item for item in await self._inbox.pending_mail(user_id, made_before=until) if item.id != opener]
        if pending:
            with contextlib.suppress(UserNotFoundError):
                user = await self._users.get(user_id)
                mail = (
                    single_mail(user, pending[0], web_url=self._web_url)  # a digest of one is that one's mail
                    if len(pending) == 1
                    else digest_mail(user, pending, until=until, web_url=self._web_url)
                )
                await self._mailer.send(mail)
                await self._inbox.mailed(user_id, pending)
        await self._outbox.mark_done(entry)


def describe(notification: Notification) -> str:
    """One line of what happened, for mails (the web app words it itself)."""
    task = f'"{notification.task.title}"' if notification.task else "a task"
    project = notification.project.name if notification.project and notification.project.name else "a project"
    match notification.kind:
        case NotificationKind.ASSIGNED:
            return f"{task} in {project} was assigned to you"
        case NotificationKind.TASK_CHANGED:
            return f"{task}, assigned to you, changed: {', '.join(notification.fields)}"
        case NotificationKind.ROLE_CHANGED:
            role = notification.role.value if notification.role else "another role"
            return f"you are {role} in {project} now"
        case NotificationKind.REMOVED:
            return f"you were removed from {project}"
        case NotificationKind.DUE_SOON:
            return f"{task} is due {_due(notification)}"


def single_mail(user: User, notification: Notification, *, web_url: str) -> MailMessage:
    line = describe(notification)
    inbox = web_page(web_url, "notifications")
    subject = _subject(notification) or line[0].upper() + line[1:]
    return MailMessage(
        to=user.email.value,
        subject=subject if len(subject) <= SUBJECT_MAX else subject[: SUBJECT_MAX - 1] + "…",
        text=f"Hello {user.name},\n\n{line}.\n\nYour notifications: {inbox}\n",
        html=f"<p>Hello {escape(user.name)},</p><p>{escape(line)}.</p>"
        f'<p><a href="{escape(inbox)}">Your notifications</a></p>',
        message_id=f"<notification.{notification.id}@{MAIL_DOMAIN}>",
    )


def _subject(notification: Notification) -> str | None:
    """What a mail of one of these kinds has always been called."""
    if notification.kind is NotificationKind.DUE_SOON and notification.task is not None:
        return f"Due {_due(notification)}: {notification.task.title}"
    return None


def _due(notification: Notification) -> str:
    return notification.due_at.strftime("%Y-%m-%d %H:%M UTC") if notification.due_at else "soon"


def digest_mail(user: User, notifications: list[Notification], *, until: datetime, web_url: str) -> MailMessage:
    shown = notifications[:DIGEST_MAX]
    more = len(notifications) - len(shown)
    lines = [describe(notification) for notification in shown]
    tail = f"\n…and {more} more." if more else ""
    inbox = web_page(web_url, "notifications")
    return MailMessage(
        to=user.email.value,
        subject=f"{len(notifications)} new notifications on taskflow",
        text=f"Hello {user.name},\n\n" + "\n".join(f"- {line}" for line in lines) + tail
        + f"\n\nYour notifications: {inbox}\n",
        html=f"<p>Hello {escape(user.name)},</p><ul>" + "".join(f"<li>{escape(line)}</li>" for line in lines)
        + f"</ul>{escape(tail)}"
        + f'<p><a href="{escape(inbox)}">Your notifications</a></p>',
        message_id=f"<digest.{user.id}.{int(until.timestamp() * 1000)}@{MAIL_DOMAIN}>",
    )  # fmt: skip
