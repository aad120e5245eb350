"""Accounts and their sessions: identity equality and the behaviour that keeps their invariants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from taskflow.domain.values import (
    Email,
    Role,
    SessionId,
    UserId,
    check_name,
)


@dataclass(slots=True, eq=False, kw_only=True)
class User:
    """An account. `tokens_valid_after` revokes every token issued before it.

    `deleted_at`: its owner or an admin deleted it; it no longer signs in, and the erasure
    job removes it and everything of it (decision 0030).
    """

    id: UserId
    email: Email
    name: str
    password_hash: str
    role: Role = Role.USER
    is_active: bool = True
    created_at: datetime
    updated_at: datetime
    tokens_valid_after: datetime | None = None
    deleted_at: datetime | None = None
    email_verified: bool = False

    def __eq__(self, other: object) -> bool:
        return isinstance(other, User) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


@dataclass(frozen=True, slots=True, kw_only=True)
class Session:
    """One sign-in: a family of refresh tokens of which only the newest is valid.

    Only a digest of that newest token is kept. It lives until it idles past `expires_at`,
    reaches `ends_at` (however active), or is revoked.
    """

    id: SessionId
    user_id: UserId
    token_digest: str
    created_at: datetime
    refreshed_at: datetime
    expires_at: datetime
    ends_at: datetime
    revoked_at: datetime | None = None
    revoked_reason: str | None = None

    def is_live(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at and now < self.ends_at


def new_user(user_id: UserId, email: Email, name: str, password_hash: str, *, now: datetime) -> User:
    """A fresh, active, ordinary account."""
    return User(
        id=user_id,
        email=email,
        name=check_name(name),
        password_hash=password_hash,
        created_at=now,
        updated_at=now,
    )
