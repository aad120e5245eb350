"""Sending mail with aiosmtplib to whatever `TASKFLOW_SMTP_URL` names."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import urlsplit

import aiosmtplib

from taskflow.domain.errors import UnavailableError
from taskflow.domain.ports.mail import Mailer, MailMessage

SENDER = "taskflow <no-reply@taskflow.local>"


class SmtpMailer(Mailer):
    """smtp://host:port, or smtps:// for implicit TLS; user:password in the URL if needed."""

    def __init__(self, url: str, *, timeout_seconds: float = 10.0) -> None:
        parts = urlsplit(url)
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port or (465 if parts.scheme == "smtps" else 25)
        self._tls = parts.scheme == "smtps"
        self._username = parts.username
        self._password = parts.password
        self._timeout = timeout_seconds

    async def send(self, message: MailMessage) -> None:
        mail = EmailMessage()
        mail["From"] = SENDER
        mail["To"] = message.to
        mail["Subject"] = message.subject
        mail["Message-ID"] = message.message_id
        mail["Date"] = formatdate(usegmt=True)
        mail.set_content(message.text)
        mail.add_alternative(message.html, subtype="html")
        try:
            await aiosmtplib.send(
                mail,
                hostname=self._host,
                port=self._port,
                use_tls=self._tls,
                username=self._username,
                password=self._password,
                timeout=self._timeout,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise UnavailableError from exc
