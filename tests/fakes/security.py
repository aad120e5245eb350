"""Passwords, tokens, secrets and the security log, without their cost or their randomness."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from taskflow.domain.errors import (
    InvalidTokenError,
)
from taskflow.domain.ports.security import (
    AccessToken,
    CommonPasswords,
    PasswordHasher,
    SecretGenerator,
    SecurityLog,
    TokenClaims,
    TokenIssuer,
)
from taskflow.domain.values import SessionId, UserId


class FakePasswordHasher(PasswordHasher):
    """Reversible on purpose; counts verifications so timing-equalisation rules are testable.

    `cost` plays the hashing parameters: hashes made at another cost need a rehash.
    """

    def __init__(self) -> None:
        self.verifications = 0
        self.cost = 1

    async def hash(self, password: str) -> str:
        return f"hashed:{self.cost}:{password}"

    async def verify(self, password_hash: str, password: str) -> bool:
        self.verifications += 1
        return password_hash.split(":", 2)[-1] == password and password_hash.startswith("hashed:")

    def needs_rehash(self, password_hash: str) -> bool:
        return not password_hash.startswith(f"hashed:{self.cost}:")

    async def verify_dummy(self, password: str) -> None:
        await self.verify(f"hashed:{self.cost}:\x00dummy", password)


class FakeTokenIssuer(TokenIssuer):
    """Like the JWT issuer: `issued_at` to the millisecond, rounded down."""

    def __init__(self) -> None:
        self._issued: dict[str, TokenClaims] = {}
        self._counter = itertools.count(1)

    def issue(self, subject: UserId, session_id: SessionId, *, now: datetime) -> AccessToken:
        token = f"token-{next(self._counter)}"
        issued_at = now.replace(microsecond=now.microsecond // 1000 * 1000)
        self._issued[token] = TokenClaims(
            subject=subject,
            session_id=session_id,
            token_id=token,
            issued_at=issued_at,
            expires_at=now + timedelta(minutes=15),
        )
        return AccessToken(token=token, expires_in=900)

    def verify(self, token: str) -> TokenClaims:
        if token not in self._issued:
            raise InvalidTokenError
        return self._issued[token]


@dataclass
class FakeCommonPasswords(CommonPasswords):
    listed: set[str] = field(default_factory=lambda: {"passwordpassword123"})

    def contains(self, password: str) -> bool:
        return password.lower() in self.listed


class SequentialSecrets(SecretGenerator):
    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def session_id(self) -> SessionId:
        return SessionId(f"{next(self._counter):032x}")

    def refresh_secret(self) -> str:
        return f"secret-{next(self._counter):024d}"


@dataclass
class RecordingSecurityLog(SecurityLog):
    events: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def record(self, event: str, **fields: str) -> None:
        self.events.append((event, fields))
