"""The mails taskflow sends, composed here so wording and identity stay business rules."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from taskflow.domain.ports.mail import MailMessage

if TYPE_CHECKING:
    from datetime import datetime

    from taskflow.domain.model.accounts import User
    from taskflow.domain.model.projects import Invitation
    from taskflow.domain.values import ProjectId, TaskId, UserId

WELCOME_JOB = "send_welcome_mail"
REMINDER_JOB = "send_reminder"
INVITATION_JOB = "send_invitation"
ERASE_JOB = "erase_account"
VERIFICATION_JOB = "send_verification"
PASSWORD_RESET_JOB = "send_password_reset"  # noqa: S105 - a job's name
PROJECT_NOTICE_JOB = "send_project_notice"
MAIL_DOMAIN = "taskflow.local"


def web_page(web_url: str, route: str) -> str:
    """A page of the web app (`TASKFLOW_PUBLIC_URL`); the route is in the fragment, which no server is sent."""
    return f"{web_url.rstrip('/')}/#/{route}"


def welcome_job_id(user_id: UserId) -> str:
    """One welcome job (and outbox entry) per account, however often it is enqueued."""
    return f"welcome:{user_id}"


def welcome_mail(user: User, verification_token: str, *, web_url: str) -> MailMessage:
    link, call = _verify_link(verification_token, web_url)
    return MailMessage(
        to=user.email.value,
        subject="Welcome to taskflow",
        text=f"Hello {user.name},\n\nyour taskflow account is ready. To confirm this is your address, open this "
        f"link within 7 days:\n\n    {link}\n\nor, from another client:\n\n    {call}\n",
        html=f"<p>Hello {escape(user.name)},</p><p>your taskflow account is ready. "
        f'<a href="{escape(link)}">Confirm this is your address</a> within 7 days, or from another client:</p>'
        f"<pre>{escape(call)}</pre>",
        message_id=f"<welcome.{user.id}@{MAIL_DOMAIN}>",
    )


def verification_job_id(user_id: UserId, issued_at: str) -> str:
    return f"verify:{user_id}:{issued_at}"


def verification_mail(user: User, token: str, *, web_url: str) -> MailMessage:
    link, call = _verify_link(token, web_url)
    return MailMessage(
        to=user.email.value,
        subject="Confirm your e-mail address for taskflow",
        text=f"Hello {user.name},\n\nto confirm this is your address, open this link within 7 days:\n\n    "
        f"{link}\n\nor, from another client:\n\n    {call}\n",
        html=f'<p>Hello {escape(user.name)},</p><p><a href="{escape(link)}">Confirm this is your address</a> '
        f"within 7 days, or from another client:</p><pre>{escape(call)}</pre>",
        message_id=f"<verify.{token.rsplit('.', 1)[0]}@{MAIL_DOMAIN}>",
    )


def _verify_link(token: str, web_url: str) -> tuple[str, str]:
    """The web app's page that confirms the address (`TASKFLOW_PUBLIC_URL`), and the API call for other clients."""
    return web_page(web_url, f"verify/{token}"), f'POST /api/v1/auth/verify-email {{"token": "{token}"}}'


def reminder_job_id(task_id: TaskId, due_at: datetime) -> str:
    """One reminder per task and due date: a new `due_at` makes a new reminder."""
    return f"reminder:{task_id}:{int(due_at.timestamp() * 1000)}"


def invitation_job_id(invitation_id: str) -> str:
    return f"invitation:{invitation_id}"


def invitation_mail(invitation: Invitation, token: str, *, web_url: str) -> MailMessage:
    """The link opens the web app's acceptance page; the API call beside it is for other clients."""
    link = web_page(web_url, f"invitations/{token}")
    accept = f"POST /api/v1/invitations/{token}/accept"
    role = invitation.role.value
    name = invitation.project_name
    return MailMessage(
        to=invitation.email.value,
        subject=f"You are invited to {name} on taskflow",
        text=f'Hello,\n\nyou are invited to the project "{name}" as {role}. Sign in (or sign up) with this '
        f"address and accept within 7 days:\n\n    {link}\n\nor, from another client:\n\n    {accept}\n\n"
        "The link works once.\n",
        html=f"<p>Hello,</p><p>you are invited to the project <strong>{escape(name)}</strong> as {role}. Sign in "
        f'(or sign up) with this address and <a href="{escape(link)}">accept within 7 days</a>, or from another '
        f"client:</p><pre>{escape(accept)}</pre><p>The link works once.</p>",
        message_id=f"<invitation.{invitation.id}@{MAIL_DOMAIN}>",
    )


def erase_job_id(user_id: UserId) -> str:
    """One erasure per account, however often it is asked for."""
    return f"erase:{user_id}"


def project_notice_job_id(project_id: ProjectId, member: UserId) -> str:
    """One notice per member of a project whose owner deleted their account."""
    return f"owner-gone:{project_id}:{member}"


def project_notice_mail(member: User, project_id: ProjectId, project_name: str, heir: User | None) -> MailMessage:
    """A project's owner deleted their account: it passed to `heir`, or (none) was deleted with its tasks."""
    if heir is None:
        outcome = "was deleted with its tasks: it had no admin to pass to"
    elif heir.id == member.id:
        outcome = "is yours now: you were its longest-standing admin"
    else:
        outcome = f"now belongs to {heir.name}, its longest-standing admin"
    return MailMessage(
        to=member.email.value,
        subject=f"{project_name}: its owner left taskflow",
        text=f'Hello {member.name},\n\nthe owner of "{project_name}" deleted their account. The project {outcome}.\n',
        html=f"<p>Hello {escape(member.name)},</p><p>the owner of <strong>{escape(project_name)}</strong> deleted "
        f"their account. The project {escape(outcome)}.</p>",
        message_id=f"<owner-gone.{project_id}.{member.id}@{MAIL_DOMAIN}>",
    )


def password_reset_job_id(reset_id: str) -> str:
    return f"password-reset:{reset_id}"


def password_reset_mail(user: User, reset_id: str, token: str, *, expires_at: datetime, web_url: str) -> MailMessage:
    """The link opens the web app's page that sets the new password; the API call is for other clients."""
    until = expires_at.strftime("%H:%M UTC")
    link = web_page(web_url, f"reset/{token}")
    confirm = "POST /api/v1/auth/password-reset/confirm"
    body = f'{{"token": "{token}", "new_password": "..."}}'
    return MailMessage(
        to=user.email.value,
        subject="Reset your taskflow password",
        text=f"Hello {user.name},\n\nsomeone (we hope you) asked to reset your password. Until {until}, once, "
        f"open this link and choose a new one:\n\n    {link}\n\nor, from another client:\n\n    {confirm}\n"
        f"    {body}\n\nIf it was not you, do nothing: your password stays as it is.\n",
        html=f"<p>Hello {escape(user.name)},</p><p>someone (we hope you) asked to reset your password. Until "
        f'{until}, once, <a href="{escape(link)}">choose a new password</a>, or from another client:</p>'
        f"<pre>{confirm}\n{escape(body)}</pre><p>If it was not you, do nothing: your password stays as it is.</p>",
        message_id=f"<password-reset.{reset_id}@{MAIL_DOMAIN}>",
    )
