"""The audit trail: who did what to whom, kept apart from the logs and never holding a secret.

Entries are written by the services as part of the change they record: a change whose
entry cannot be written is not acknowledged (the request fails). The adapter adds when,
from which client address and under which request id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from datetime import datetime

    from taskflow.domain.values import UserId


class AuditKind(StrEnum):
    ACCOUNT_CREATED = "account_created"
    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"
    SIGN_OUT = "sign_out"
    REFRESH_TOKEN_REUSE = "refresh_token_reuse"  # noqa: S105 - an event's name
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 - an event's name
    PASSWORD_RESET = "password_reset"  # noqa: S105 - an event's name
    EMAIL_VERIFIED = "email_verified"
    ROLE_CHANGED = "role_changed"
    ACTIVE_CHANGED = "active_changed"
    ACCOUNT_DELETED = "account_deleted"
    ACCOUNT_ERASED = "account_erased"
    ADMIN_READ_ACCOUNTS = "admin_read_accounts"
    ADMIN_READ_AUDIT = "admin_read_audit"
    CHANGE_HISTORY_GAP = "change_history_gap"
    """The durable change consumer's checkpoint was older than the history kept: changes went unhandled."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditEntry:
    id: str
    kind: AuditKind
    actor: UserId | None
    """Who acted; None for a caller not signed in (a failed sign-in) or the system (an erasure)."""
    target: UserId | None
    """Whose account it concerns."""
    at: datetime
    address: str | None
    request_id: str | None
    detail: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditFilter:
    actor: UserId | None = None
    target: UserId | None = None
    kind: AuditKind | None = None
    since: datetime | None = None
    until: datetime | None = None


AUDIT_PAGE_MAX: Final = 100
