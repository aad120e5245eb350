"""What administrators do: look at accounts, change roles and access, see system figures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from taskflow.domain.errors import ForbiddenError, SelfLockoutError, UserNotFoundError
from taskflow.domain.model.audit import AUDIT_PAGE_MAX, AuditEntry, AuditFilter, AuditKind
from taskflow.domain.values import Role, TaskStatus

if TYPE_CHECKING:
    from datetime import datetime

    from taskflow.domain.access.principal import Principal
    from taskflow.domain.model.accounts import User
    from taskflow.domain.ports.accounts import AuditTrail, UserCounts, UserFilter, UserRepository
    from taskflow.domain.ports.tasks import TaskScans
    from taskflow.domain.ports.time_and_ids import Clock
    from taskflow.domain.services.deletion import AccountDeletion
    from taskflow.domain.services.sessions import SessionService
    from taskflow.domain.values import UserId

MAX_PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class UserPage:
    items: list[User]
    next_after: UserId | None


@dataclass(frozen=True, slots=True)
class SystemStats:
    users: UserCounts
    tasks_by_status: dict[TaskStatus, int]

    @property
    def tasks_total(self) -> int:
        return sum(self.tasks_by_status.values())


@dataclass(frozen=True, slots=True)
class AuditPage:
    items: list[AuditEntry]
    next_after: str | None


class AdminService:
    """Administration.

    Rules:
    - only an admin may do any of this (checked here, whatever the HTTP guard did; a
      principal exists only for an active account);
    - deactivating an account revokes every token it holds, at once;
    - a role change takes effect on the account's next request (the gate is written through);
    - an admin cannot demote, deactivate or delete themselves, so the last admin cannot lock everyone out;
    - deleting an account stops it at once and has it erased (decision 0030).
    """

    def __init__(
        self,
        *,
        users: UserRepository,
        scans: TaskScans,
        sessions: SessionService,
        deletion: AccountDeletion,
        audit: AuditTrail,
        clock: Clock,
    ) -> None:
        self._users = users
        self._scans = scans
        self._sessions = sessions
        self._deletion = deletion
        self._audit = audit
        self._clock = clock

    async def list_users(
        self, actor: Principal, user_filter: UserFilter, *, after: UserId | None, limit: int
    ) -> UserPage:
        self._require_admin(actor)
        limit = max(1, min(limit, MAX_PAGE_SIZE))
        found = await self._users.list_page(user_filter, after=after, limit=limit + 1)
        await self._audit.record(
            AuditKind.ADMIN_READ_ACCOUNTS,
            actor=actor.id,
            target=None,
            email_prefix=user_filter.email_prefix or "",
            role=user_filter.role.value if user_filter.role else "",
            is_active="" if user_filter.is_active is None else str(user_filter.is_active).lower(),
            returned=str(min(len(found), limit)),
        )
        more = len(found) > limit
        items = found[:limit]
        return UserPage(items=items, next_after=items[-1].id if more else None)

    async def update_user(
        self, actor: Principal, user_id: UserId, *, role: Role | None = None, is_active: bool | None = None
    ) -> User:
        self._require_admin(actor)
        if user_id == actor.id and (role is Role.USER or is_active is False):
            raise SelfLockoutError
        user = await self._users.get(user_id)
        if user.deleted_at is not None:  # being erased: reactivating it would hand the erasure a live account
            raise UserNotFoundError
        deactivating = user.is_active and is_active is False
        changes = []
        if role is not None and role is not user.role:
            changes.append((AuditKind.ROLE_CHANGED, {"before": user.role.value, "after": role.value}))
            user.role = role
        if is_active is not None and is_active is not user.is_active:
            changes.append((AuditKind.ACTIVE_CHANGED, {"before": _flag(user.is_active), "after": _flag(is_active)}))
            user.is_active = is_active
        user.updated_at = self._clock.now()
        await self._users.save(user, fields=frozenset({"role", "is_active", "updated_at"}))
        for kind, detail in changes:
            await self._audit.record(kind, actor=actor.id, target=user.id, **detail)
        if deactivating:
            await self._sessions.end_all(user, reason="deactivated")
        return user

    async def delete_user(self, actor: Principal, user_id: UserId) -> datetime:
        """Another account, deleted as its owner would; one's own goes through `/users/me`."""
        self._require_admin(actor)
        if user_id == actor.id:
            raise SelfLockoutError
        return await self._deletion.request(await self._users.get(user_id), actor=actor.id)

    async def audit(self, actor: Principal, audit_filter: AuditFilter, *, after: str | None, limit: int) -> AuditPage:
        """The trail, newest first; reading it is itself an entry."""
        self._require_admin(actor)
        limit = max(1, min(limit, AUDIT_PAGE_MAX))
        found = await self._audit.list_page(audit_filter, after=after, limit=limit + 1)
        await self._audit.record(AuditKind.ADMIN_READ_AUDIT, actor=actor.id, target=audit_filter.target)
        items = found[:limit]
        return AuditPage(items=items, next_after=items[-1].id if len(found) > limit else None)

    async def stats(self, actor: Principal) -> SystemStats:
        self._require_admin(actor)
        by_status = await self._scans.count_by_status()
        return SystemStats(
            users=await self._users.counts(),
            tasks_by_status={status: by_status.get(status, 0) for status in TaskStatus},
        )

    @staticmethod
    def _require_admin(actor: Principal) -> None:
        if not actor.is_admin:
            raise ForbiddenError


def _flag(value: bool) -> str:
    return "true" if value else "false"
