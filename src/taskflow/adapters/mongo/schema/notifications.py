"""The notification collections: each person's inbox (sharded by person), their settings and their mail window."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

import pymongo
from beanie import Document, PydanticObjectId
from bson import ObjectId
from pydantic import Field
from pymongo import IndexModel

from taskflow.domain.access.roles import ProjectRole
from taskflow.domain.model.notifications import (
    Channels,
    MailState,
    Notification,
    NotificationKind,
    NotificationSettings,
    ProjectRef,
    TaskRef,
)
from taskflow.domain.values import ProjectId, TaskId, UserId


class NotificationDocument(Document):
    """`_id` is derived from the notification's cause: telling it again is a duplicate key."""

    id: str  # type: ignore[assignment]  # 24 hex digits, not Beanie's ObjectId
    user_id: PydanticObjectId
    kind: str
    at: datetime
    actor: PydanticObjectId | None = None
    task: dict[str, Any] | None = None  # {id, title, project_id}
    project: dict[str, Any] | None = None  # {id, name}
    fields: list[str] = Field(default_factory=list)
    role: str | None = None
    due_at: datetime | None = None
    read: bool = False
    in_inbox: bool = True
    mail: str = MailState.UNWANTED.value

    class Settings:
        name = "notifications"
        indexes: ClassVar = [
            IndexModel(
                [("user_id", 1), ("in_inbox", 1), ("at", pymongo.DESCENDING), ("_id", pymongo.DESCENDING)],
                name="inbox",
            ),
            IndexModel(
                [("user_id", 1), ("in_inbox", 1), ("read", 1), ("at", pymongo.DESCENDING), ("_id", pymongo.DESCENDING)],
                name="unread",
            ),
            IndexModel([("user_id", 1), ("mail", 1), ("at", 1)], name="mail"),
        ]


class NotificationSettingsDocument(Document):
    """`_id` is the person; `chosen` their channels by kind, those they set."""

    id: PydanticObjectId
    chosen: dict[str, dict[str, bool]] = Field(default_factory=dict)

    class Settings:
        name = "notification_settings"


class MailWindowDocument(Document):
    """`_id` is the person; the notification that opened their mail window, and its end."""

    id: PydanticObjectId
    opener: str
    until: datetime

    class Settings:
        name = "notification_mail_windows"


NOTIFICATIONS = NotificationDocument.Settings.name
NOTIFICATION_SETTINGS = NotificationSettingsDocument.Settings.name
MAIL_WINDOWS = MailWindowDocument.Settings.name


def _oid(value: UserId | TaskId | ProjectId | None) -> ObjectId | None:
    return None if value is None else ObjectId(value.value)


def notification_to_document(notification: Notification) -> dict[str, Any]:
    task, project = notification.task, notification.project
    return {
        "_id": notification.id,
        "user_id": ObjectId(notification.user.value),
        "kind": notification.kind.value,
        "at": notification.at,
        "actor": _oid(notification.actor),
        "task": None
        if task is None
        else {"id": ObjectId(task.id.value), "title": task.title, "project_id": _oid(task.project_id)},
        "project": None if project is None else {"id": ObjectId(project.id.value), "name": project.name},
        "fields": list(notification.fields),
        "role": None if notification.role is None else notification.role.value,
        "due_at": notification.due_at,
        "read": notification.read,
        "in_inbox": notification.in_inbox,
        "mail": notification.mail.value,
    }


def notification_to_entity(raw: dict[str, Any]) -> Notification:
    task, project = raw.get("task"), raw.get("project")
    return Notification(
        id=raw["_id"],
        user=UserId(str(raw["user_id"])),
        kind=NotificationKind(raw["kind"]),
        at=raw["at"],
        actor=None if raw.get("actor") is None else UserId(str(raw["actor"])),
        task=None
        if task is None
        else TaskRef(
            TaskId(str(task["id"])),
            task["title"],
            None if task.get("project_id") is None else ProjectId(str(task["project_id"])),
        ),
        project=None if project is None else ProjectRef(ProjectId(str(project["id"])), project.get("name")),
        fields=tuple(raw.get("fields") or ()),
        role=None if raw.get("role") is None else ProjectRole(raw["role"]),
        due_at=raw.get("due_at"),
        read=raw["read"],
        in_inbox=raw["in_inbox"],
        mail=MailState(raw["mail"]),
    )


def settings_to_document(settings: NotificationSettings) -> dict[str, dict[str, bool]]:
    return {kind.value: {"inbox": channels.inbox, "mail": channels.mail} for kind, channels in settings.chosen.items()}


def settings_to_entity(chosen: dict[str, dict[str, bool]]) -> NotificationSettings:
    return NotificationSettings(
        {
            NotificationKind(kind): Channels(inbox=channels["inbox"], mail=channels["mail"])
            for kind, channels in chosen.items()
            if kind in NotificationKind.__members__.values()
        }
    )
