"""Ports for sending mail."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True, kw_only=True)
class MailMessage:
    """A mail with a plain-text and an HTML part.

    `message_id` is deterministic, so a re-sent mail is recognisably the same one.
    """

    to: str
    subject: str
    text: str
    html: str
    message_id: str


class Mailer(Protocol):
    """Sends mail; raises UnavailableError when the server cannot be reached."""

    async def send(self, message: MailMessage) -> None: ...
