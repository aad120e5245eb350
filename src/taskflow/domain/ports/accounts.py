"""Ports for accounts and their sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from taskflow.domain.values import Role, SessionId, UserId

if TYPE_CHECKING:
    from collections.abc import Sequence

    from taskflow.domain.model.accounts import Session, User
    from taskflow.domain.model.audit import AuditEntry, AuditFilter, AuditKind
    from taskflow.domain.values import Email


class UserRepository(Protocol):
    """Accounts. Reads here drive decisions (login, token checks): they go to the primary."""

    async def add(self, user: User) -> None:
        """Store a new account; EmailAlreadyRegisteredError if the e-mail is taken."""
        ...

    async def get(self, user_id: UserId) -> User:
        """UserNotFoundError if there is no such account."""
        ...

    async def find_by_email(self, email: Email) -> User | None: ...

    async def names(self, user_ids: Sequence[UserId]) -> dict[UserId, str]:
        """The display names of those accounts that exist, for showing who is who."""
        ...

    async def save(self, user: User, *, fields: frozenset[str]) -> None:
        """Write these attributes of the account; the others stay as stored.

        Never the whole account: it was read earlier (at authentication, say), and writing
        all of it back would undo a concurrent change, such as a deactivation.
        UserNotFoundError if there is no such account.
        """
        ...

    async def invalidate_tokens(self, user_id: UserId, *, issued_before: datetime) -> None:
        """Set the account's `tokens_valid_after`, without reading it first.

        UserNotFoundError if there is no such account.
        """
        ...

    async def list_page(self, user_filter: UserFilter, *, after: UserId | None, limit: int) -> list[User]:
        """Up to `limit` accounts matching the filter, in id order, with ids after `after`."""
        ...

    async def counts(self) -> UserCounts: ...

    async def delete(self, user_id: UserId) -> None:
        """Remove the account for good (its e-mail is free again); nothing if it is gone already."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class PasswordReset:
    """A password reset mailed to an account: only the digest of its token is kept."""

    token_digest: str
    user_id: UserId
    expires_at: datetime


class PasswordResetRepository(Protocol):
    async def add(self, reset: PasswordReset) -> None:
        """Store it; the same reset stored twice (a job run again) is stored once."""
        ...

    async def take(self, token_digest: str, *, now: datetime) -> PasswordReset | None:
        """The reset with this digest, if it has not expired, removed in the same step: it works once."""
        ...

    async def forget(self, user_id: UserId) -> int:
        """Every reset of the account (its password changed: the older mails must stop working)."""
        ...


class AuditTrail(Protocol):
    """Append-only. Writes raise UnavailableError when the entry could not be stored."""

    async def record(self, kind: AuditKind, *, actor: UserId | None, target: UserId | None, **detail: str) -> None:
        """Store one entry, stamped with the time, the client address and the request id of this request."""
        ...

    async def list_page(self, audit_filter: AuditFilter, *, after: str | None, limit: int) -> list[AuditEntry]:
        """Newest first; `after` is the id of the last entry of the previous page."""
        ...


class AccountRecords(Protocol):
    """What an account leaves besides its account, tasks and memberships, erased with it."""

    async def erase(self, user_id: UserId, *, keep_entry: str) -> int:
        """Erase its sessions, resets, idempotency keys, imports, notifications, and outbox entries naming it.

        All but `keep_entry`, the erasure's own (notification settings and mail windows go
        too). Returns how many records went.
        """
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class UserFilter:
    """Admin listing filters; `None` means "any"."""

    email_prefix: str | None = None
    role: Role | None = None
    is_active: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class UserCounts:
    total: int
    active: int
    admins: int


class SessionRepository(Protocol):
    """Sign-ins and their refresh-token families. Every call reads or writes the primary."""

    async def add(self, session: Session) -> None: ...

    async def get(self, session_id: SessionId) -> Session | None: ...

    async def rotate(
        self, session_id: SessionId, *, presented: str, replacement: str, now: datetime, expires_at: datetime
    ) -> Session | None:
        """Replace the token digest `presented` by `replacement`, atomically.

        One compare-and-set, durable on a majority: of two calls presenting the same digest,
        exactly one gets the session back; the other, and any call on a session that is
        revoked or expired at `now`, gets None.
        """
        ...

    async def revoke(self, session_id: SessionId, *, now: datetime, reason: str) -> None: ...

    async def revoke_all(self, user_id: UserId, *, now: datetime, reason: str) -> None:
        """End every live session of this account."""
        ...
