"""Ports for passwords, tokens, secrets, rate limits and the security log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

# Runtime imports: the HTTP adapter resolves the annotations of TokenClaims at run time.
from taskflow.domain.values import SessionId, UserId


@dataclass(frozen=True, slots=True)
class RateRule:
    """At most `limit` hits per `window_seconds`, counted per key; `name` keeps rules apart."""

    name: str
    limit: int
    window_seconds: int


@dataclass(frozen=True, slots=True)
class RateDecision:
    allowed: bool
    remaining: int
    reset_after: int
    """Seconds until the window refills."""


class RateLimiter(Protocol):
    """Counts hits in fixed windows that start at a key's first hit; atomic per key.

    Never raises for an outage: implementations fall back to a cruder limiter instead.
    """

    async def hit(self, rule: RateRule, key: str) -> RateDecision:
        """Count one hit and say whether it is within the limit."""
        ...

    async def refund(self, rule: RateRule, key: str) -> None:
        """Take back one hit, for an attempt that turned out not to count."""
        ...

    async def reset(self, rule: RateRule, key: str) -> None: ...


class CommonPasswords(Protocol):
    """A list of passwords attackers try first."""

    def contains(self, password: str) -> bool: ...


class SecretGenerator(Protocol):
    """Unguessable values from a cryptographic random source."""

    def session_id(self) -> SessionId: ...

    def refresh_secret(self) -> str:
        """At least 128 random bits, URL-safe, with no '.' in it."""
        ...


class SecurityLog(Protocol):
    """Events an operator must be able to find: token theft, revocation fallbacks."""

    def record(self, event: str, **fields: str) -> None: ...


class PasswordHasher(Protocol):
    """Slow, salted password hashing; implementations bound their concurrency."""

    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str, password: str) -> bool: ...

    def needs_rehash(self, password_hash: str) -> bool:
        """True when the hash was made with other parameters than the current ones."""
        ...

    async def verify_dummy(self, password: str) -> None:
        """Spend the time of one verify, so an unknown e-mail answers as slowly as a known one."""
        ...


@dataclass(frozen=True, slots=True)
class AccessToken:
    """A signed bearer token and how many seconds it lives."""

    token: str
    expires_in: int


@dataclass(frozen=True, slots=True)
class TokenClaims:
    """What a verified access token says."""

    subject: UserId
    session_id: SessionId
    token_id: str
    issued_at: datetime
    expires_at: datetime


class TokenIssuer(Protocol):
    """Issues and verifies access tokens; InvalidTokenError for anything not genuine and current."""

    def issue(self, subject: UserId, session_id: SessionId, *, now: datetime) -> AccessToken:
        """`issued_at` of the token is `now` to the millisecond, rounded down."""
        ...

    def verify(self, token: str) -> TokenClaims: ...
