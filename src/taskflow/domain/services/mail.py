"""The mails taskflow sends, composed here so wording and identity stay business rules."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from taskflow.domain.ports import MailMessage

if TYPE_CHECKING:
    from taskflow.domain.entities import User
    from taskflow.domain.values import UserId

WELCOME_JOB = "send_welcome_mail"
MAIL_DOMAIN = "taskflow.local"


def welcome_job_id(user_id: UserId) -> str:
    """One welcome job (and outbox entry) per account, however often it is enqueued."""
    return f"welcome:{user_id}"


def welcome_mail(user: User) -> MailMessage:
    return MailMessage(
        to=user.email.value,
        subject="Welcome to taskflow",
        text=f"Hello {user.name},\n\nyour taskflow account is ready.\n",
        html=f"<p>Hello {escape(user.name)},</p><p>your taskflow account is ready.</p>",
        message_id=f"<welcome.{user.id}@{MAIL_DOMAIN}>",
    )
