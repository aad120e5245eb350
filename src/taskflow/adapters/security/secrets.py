"""Session ids and refresh-token secrets from the operating system's CSPRNG."""

from __future__ import annotations

import secrets

from taskflow.domain.ports.security import SecretGenerator
from taskflow.domain.values import SessionId

SESSION_ID_BYTES = 16  # 128 bits
REFRESH_SECRET_BYTES = 32  # 256 bits, above the 128-bit floor of RFC 9700 §4.14 and OWASP


class RandomSecrets(SecretGenerator):
    def session_id(self) -> SessionId:
        return SessionId(secrets.token_hex(SESSION_ID_BYTES))

    def refresh_secret(self) -> str:
        return secrets.token_urlsafe(REFRESH_SECRET_BYTES)
