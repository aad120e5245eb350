"""Tokens a mail carries, derived from a record's random id: stored nowhere, only their digest kept.

The job that sends the mail derives the token again from the id, so neither the record nor
the outbox entry holds it; without the server's secret nobody can derive it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac


class DerivedTokens:
    def __init__(self, secret: bytes, purpose: bytes) -> None:
        """`purpose` separates the kinds of token: one kind's token is no token of another."""
        self._key = hmac.new(secret, purpose, hashlib.sha256).digest()

    def token(self, record_id: str) -> str:
        mac = hmac.new(self._key, record_id.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


INVITATION_TOKENS = b"taskflow invitation tokens v1"
PASSWORD_RESET_TOKENS = b"taskflow password reset tokens v1"
VERIFICATION_TOKENS = b"taskflow e-mail verification tokens v1"
