"""Notifications: what concerns someone who may not be looking, and how each person wants to hear of it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

    from taskflow.domain.access.roles import ProjectRole
    from taskflow.domain.values import ProjectId, TaskId, UserId

NOTIFICATION_PAGE_MAX: Final = 100
READ_AT_ONCE_MAX: Final = 100
"""Ids one `read` call may name."""


class NotificationKind(StrEnum):
    ASSIGNED = "assigned"
    """A task was assigned to you, by someone else."""
    TASK_CHANGED = "task_changed"
    """A task assigned to you changed its title, status or due date, by someone else."""
    ROLE_CHANGED = "role_changed"
    REMOVED = "removed_from_project"
    DUE_SOON = "due_soon"
    """A task of yours (in a project: assigned to you) is coming due."""


MAILED_BY_DEFAULT: Final = frozenset({NotificationKind.ASSIGNED, NotificationKind.DUE_SOON})
TOLD_FIELDS: Final = ("title", "status", "due_at")
"""The fields whose change, by someone else, is told to a task's assignee."""


class MailState(StrEnum):
    UNWANTED = "unwanted"
    PENDING = "pending"
    """To be mailed: alone, or in the digest of its person's mail window."""
    SENT = "sent"


@dataclass(frozen=True, slots=True)
class Channels:
    inbox: bool
    mail: bool


@dataclass(frozen=True, slots=True)
class NotificationSettings:
    """Per kind, whether it goes to the inbox and by mail; a kind not set has its default."""

    chosen: Mapping[NotificationKind, Channels] = field(default_factory=dict)

    def of(self, kind: NotificationKind) -> Channels:
        return self.chosen.get(kind) or Channels(inbox=True, mail=kind in MAILED_BY_DEFAULT)

    def changed(self, changes: Mapping[NotificationKind, tuple[bool | None, bool | None]]) -> NotificationSettings:
        """(inbox, mail) per kind; None leaves that channel as it is."""
        chosen = dict(self.chosen)
        for kind, (inbox, mail) in changes.items():
            current = self.of(kind)
            chosen[kind] = Channels(current.inbox if inbox is None else inbox, current.mail if mail is None else mail)
        return replace(self, chosen=chosen)


@dataclass(frozen=True, slots=True)
class TaskRef:
    """The task as it was when the notification was made."""

    id: TaskId
    title: str
    project_id: ProjectId | None


@dataclass(frozen=True, slots=True)
class ProjectRef:
    id: ProjectId
    name: str | None
    """As it was when the notification was made; None when it was gone by then."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Notification:
    """One notification of one person; `id` is derived from what it tells of, so telling twice stores it once."""

    id: str
    user: UserId
    kind: NotificationKind
    at: datetime
    actor: UserId | None
    task: TaskRef | None = None
    project: ProjectRef | None = None
    fields: tuple[str, ...] = ()
    """What changed (`task_changed`)."""
    role: ProjectRole | None = None
    """The role now (`role_changed`)."""
    due_at: datetime | None = None
    """When it is due (`due_soon`)."""
    read: bool = False
    in_inbox: bool = True
    mail: MailState = MailState.UNWANTED


def notification_id(user: UserId, kind: NotificationKind, cause: str) -> str:
    """24 hex digits from whom, what kind, and the cause (a task's version, a membership change, a due date)."""
    return hashlib.sha256(f"{user.value}:{kind.value}:{cause}".encode()).hexdigest()[:24]


@dataclass(frozen=True, slots=True)
class InboxPosition:
    """Where a page ends: newest first, by `at` then `id`."""

    at: datetime
    id: str
