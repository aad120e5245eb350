"""Administration bodies: account changes, the audit trail, pages of accounts and system-wide figures."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from taskflow.adapters.http.accounts.schemas import UserResponse
from taskflow.domain.model.audit import AuditEntry, AuditKind
from taskflow.domain.values import (
    Role,
    TaskStatus,
)


class AdminUserUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """Omitted fields are left as they are."""

    role: Role | None = None
    is_active: bool | None = None


class AuditEntryResponse(msgspec.Struct):
    id: str
    kind: AuditKind
    actor_id: Annotated[str | None, msgspec.Meta(description="Who acted; null: not signed in, or the system")]
    target_id: Annotated[str | None, msgspec.Meta(description="Whose account it concerns")]
    at: datetime
    address: Annotated[str | None, msgspec.Meta(description="The client address the request came from")]
    request_id: str | None
    detail: dict[str, str]

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditEntryResponse:
        return cls(
            id=entry.id,
            kind=entry.kind,
            actor_id=None if entry.actor is None else entry.actor.value,
            target_id=None if entry.target is None else entry.target.value,
            at=entry.at,
            address=entry.address,
            request_id=entry.request_id,
            detail=entry.detail,
        )


class AuditPageResponse(msgspec.Struct):
    items: list[AuditEntryResponse]
    next_cursor: str | None


class UserPageResponse(msgspec.Struct):
    items: list[UserResponse]
    next_cursor: str | None


class UserCountsResponse(msgspec.Struct):
    total: int
    active: int
    admins: int


class TaskCountsResponse(msgspec.Struct):
    total: int
    by_status: dict[TaskStatus, int]


class AdminStatsResponse(msgspec.Struct):
    users: UserCountsResponse
    tasks: TaskCountsResponse
