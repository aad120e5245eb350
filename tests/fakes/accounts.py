"""Accounts in memory: users, sessions, password resets, the audit trail, and erasing an account's records."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from taskflow.domain.errors import (
    EmailAlreadyRegisteredError,
    UnavailableError,
    UserNotFoundError,
)
from taskflow.domain.model.accounts import Session, User
from taskflow.domain.model.audit import AuditEntry, AuditFilter, AuditKind
from taskflow.domain.ports.accounts import (
    AccountRecords,
    AuditTrail,
    PasswordReset,
    PasswordResetRepository,
    SessionRepository,
    UserCounts,
    UserFilter,
    UserRepository,
)
from taskflow.domain.ports.time_and_ids import Clock
from taskflow.domain.values import Email, Role, SessionId, UserId
from tests.fakes.idempotency import InMemoryIdempotencyStore
from tests.fakes.jobs import InMemoryImportJobs, InMemoryOutbox
from tests.fakes.notifications import InMemoryInbox, InMemoryNotificationPreferences


class InMemoryUserRepository(UserRepository):
    """`gets` counts reads by id: what the gate spares."""

    def __init__(self) -> None:
        self._by_id: dict[UserId, User] = {}
        self.gets = 0

    async def add(self, user: User) -> None:
        if any(u.email == user.email for u in self._by_id.values()):
            raise EmailAlreadyRegisteredError
        self._by_id[user.id] = copy.deepcopy(user)

    async def get(self, user_id: UserId) -> User:
        self.gets += 1
        if user_id not in self._by_id:
            raise UserNotFoundError
        return copy.deepcopy(self._by_id[user_id])

    async def find_by_email(self, email: Email) -> User | None:
        found = next((u for u in self._by_id.values() if u.email == email), None)
        return copy.deepcopy(found)

    async def names(self, user_ids: Sequence[UserId]) -> dict[UserId, str]:
        return {user_id: self._by_id[user_id].name for user_id in user_ids if user_id in self._by_id}

    async def save(self, user: User, *, fields: frozenset[str]) -> None:
        if user.id not in self._by_id:
            raise UserNotFoundError
        stored = self._by_id[user.id]
        for name in fields:
            setattr(stored, name, copy.deepcopy(getattr(user, name)))

    async def invalidate_tokens(self, user_id: UserId, *, issued_before: datetime) -> None:
        if user_id not in self._by_id:
            raise UserNotFoundError
        self._by_id[user_id].tokens_valid_after = issued_before

    async def delete(self, user_id: UserId) -> None:
        self._by_id.pop(user_id, None)

    async def list_page(self, user_filter: UserFilter, *, after: UserId | None, limit: int) -> list[User]:
        def matches(user: User) -> bool:
            prefix = (user_filter.email_prefix or "").lower()
            return (
                user.email.value.startswith(prefix)
                and user_filter.role in {None, user.role}
                and user_filter.is_active in {None, user.is_active}
                and (after is None or user.id.value > after.value)
            )

        found = sorted((u for u in self._by_id.values() if matches(u)), key=lambda u: u.id.value)
        return [copy.deepcopy(user) for user in found[:limit]]

    async def counts(self) -> UserCounts:
        users = list(self._by_id.values())
        return UserCounts(
            total=len(users),
            active=sum(u.is_active for u in users),
            admins=sum(u.role is Role.ADMIN for u in users),
        )


class InMemorySessionRepository(SessionRepository):
    """`gets` counts reads by id."""

    def __init__(self) -> None:
        self.by_id: dict[SessionId, Session] = {}
        self.gets = 0

    async def add(self, session: Session) -> None:
        self.by_id[session.id] = session  # frozen: no copies needed

    async def get(self, session_id: SessionId) -> Session | None:
        self.gets += 1
        return self.by_id.get(session_id)

    async def rotate(
        self, session_id: SessionId, *, presented: str, replacement: str, now: datetime, expires_at: datetime
    ) -> Session | None:
        session = self.by_id.get(session_id)
        if session is None or session.token_digest != presented or not session.is_live(now):
            return None
        rotated = replace(session, token_digest=replacement, refreshed_at=now, expires_at=expires_at)
        self.by_id[session_id] = rotated
        return rotated

    async def revoke(self, session_id: SessionId, *, now: datetime, reason: str) -> None:
        session = self.by_id.get(session_id)
        if session is not None and session.revoked_at is None:
            self.by_id[session_id] = replace(session, revoked_at=now, revoked_reason=reason)

    async def revoke_all(self, user_id: UserId, *, now: datetime, reason: str) -> None:
        for session in list(self.by_id.values()):
            if session.user_id == user_id:
                await self.revoke(session.id, now=now, reason=reason)


class InMemoryPasswordResets(PasswordResetRepository):
    def __init__(self) -> None:
        self.resets: dict[str, PasswordReset] = {}

    async def add(self, reset: PasswordReset) -> None:
        self.resets.setdefault(reset.token_digest, reset)

    async def take(self, token_digest: str, *, now: datetime) -> PasswordReset | None:
        reset = self.resets.get(token_digest)
        if reset is None or reset.expires_at <= now:
            return None
        return self.resets.pop(token_digest)

    async def forget(self, user_id: UserId) -> int:
        theirs = [key for key, reset in self.resets.items() if reset.user_id == user_id]
        for key in theirs:
            del self.resets[key]
        return len(theirs)


class InMemoryAuditTrail(AuditTrail):
    """Entries in order; `down` plays a database that cannot take one (the change must then fail)."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.entries: list[AuditEntry] = []
        self.down = False

    async def record(self, kind: AuditKind, *, actor: UserId | None, target: UserId | None, **detail: str) -> None:
        if self.down:
            raise UnavailableError
        entry = AuditEntry(
            id=f"{len(self.entries) + 1:024x}", kind=kind, actor=actor, target=target,
            at=self._clock.now(), address=None, request_id=None, detail=dict(detail),
        )  # fmt: skip
        self.entries.append(entry)

    async def list_page(self, audit_filter: AuditFilter, *, after: str | None, limit: int) -> list[AuditEntry]:
        def matches(entry: AuditEntry) -> bool:
            return (
                audit_filter.actor in {None, entry.actor}
                and audit_filter.target in {None, entry.target}
                and audit_filter.kind in {None, entry.kind}
                and (audit_filter.since is None or entry.at >= audit_filter.since)
                and (audit_filter.until is None or entry.at < audit_filter.until)
                and (after is None or entry.id < after)
            )

        return [entry for entry in reversed(self.entries) if matches(entry)][:limit]

    def kinds(self) -> list[AuditKind]:
        return [entry.kind for entry in self.entries]


class InMemoryAccountRecords(AccountRecords):
    """Erases from the other fakes what the MongoDB adapter erases from their collections."""

    def __init__(
        self,
        *,
        sessions: InMemorySessionRepository,
        idempotency: InMemoryIdempotencyStore,
        import_jobs: InMemoryImportJobs,
        outbox: InMemoryOutbox,
        resets: InMemoryPasswordResets,
        inbox: InMemoryInbox,
        preferences: InMemoryNotificationPreferences,
    ) -> None:
        self._sessions, self._idempotency, self._import_jobs, self._outbox = sessions, idempotency, import_jobs, outbox
        self._resets, self._inbox, self._preferences = resets, inbox, preferences

    async def erase(self, user_id: UserId, *, keep_entry: str) -> int:
        sessions = [key for key, session in self._sessions.by_id.items() if session.user_id == user_id]
        keys = [key for key in self._idempotency.records if key[0] == user_id]
        jobs = [key for key, job in self._import_jobs.jobs.items() if job.owner == user_id]
        naming = {user_id.value, *jobs}
        entries = [
            key
            for key, entry in self._outbox.entries.items()
            if key != keep_entry and naming & {entry.args.get(name) for name in ("user_id", "owner", "import_id")}
        ]
        for session in sessions:
            del self._sessions.by_id[session]
        for key in keys:
            del self._idempotency.records[key]
        for job in jobs:
            del self._import_jobs.jobs[job]
            self._import_jobs.uploads.pop(job, None)
        for entry in entries:
            del self._outbox.entries[entry]
        notifications = [item.id for item in self._inbox.of(user_id)]
        for notification in notifications:
            del self._inbox.notifications[notification]
        self._preferences.settings.pop(user_id, None)
        erased = len(sessions) + len(keys) + len(jobs) + len(entries) + len(notifications)
        return erased + await self._resets.forget(user_id)
