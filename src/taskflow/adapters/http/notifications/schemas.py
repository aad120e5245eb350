"""Notification bodies: what the inbox answers, what marking read takes, and the settings both ways."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from taskflow.adapters.http.fields import ActorResponse
from taskflow.domain.access.roles import ProjectRole
from taskflow.domain.model.notifications import (
    READ_AT_ONCE_MAX,
    Notification,
    NotificationKind,
    NotificationSettings,
)
from taskflow.domain.values import UserId

NotificationId = Annotated[str, msgspec.Meta(pattern="^[0-9a-f]{24}$", description="A notification's `id`.")]


class NotifiedTask(msgspec.Struct):
    """The task as it was when the notification was made."""

    id: str
    title: str
    project_id: str | None


class NotifiedProject(msgspec.Struct):
    """As it was when the notification was made; `name` null when the project was gone by then."""

    id: str
    name: str | None


class NotificationResponse(msgspec.Struct):
    id: str
    kind: Annotated[
        NotificationKind,
        msgspec.Meta(
            description="`assigned`: a task was assigned to you; `task_changed`: a task assigned to you changed "
            "(`fields`: which of title, status, due_at); `role_changed`: your role in a project (`role`: the new "
            "one); `removed_from_project`; `due_soon`: a task of yours is coming due (`due_at`)."
        ),
    ]
    at: datetime
    actor: ActorResponse | None
    task: NotifiedTask | None
    project: NotifiedProject | None
    read: bool
    fields: list[str]
    role: ProjectRole | None
    due_at: datetime | None

    @classmethod
    def of(cls, notification: Notification, names: dict[UserId, str]) -> NotificationResponse:
        task, project = notification.task, notification.project
        return cls(
            id=notification.id,
            kind=notification.kind,
            at=notification.at,
            actor=ActorResponse.of(notification.actor, names),
            task=None
            if task is None
            else NotifiedTask(task.id.value, task.title, None if task.project_id is None else task.project_id.value),
            project=None if project is None else NotifiedProject(project.id.value, project.name),
            read=notification.read,
            fields=list(notification.fields),
            role=notification.role,
            due_at=notification.due_at,
        )


class NotificationPageResponse(msgspec.Struct):
    items: list[NotificationResponse]
    next_cursor: str | None


class MarkRead(msgspec.Struct, forbid_unknown_fields=True):
    """Exactly one of `ids` and `up_to`."""

    ids: Annotated[list[NotificationId], msgspec.Meta(min_length=1, max_length=READ_AT_ONCE_MAX)] | None = None
    up_to: Annotated[NotificationId | None, msgspec.Meta(description="This one and every older one.")] = None


class UnreadCount(msgspec.Struct):
    unread: int


class ChannelsResponse(msgspec.Struct):
    inbox: bool
    mail: bool


class ChannelsPatch(msgspec.Struct, forbid_unknown_fields=True):
    inbox: bool | None = None
    mail: bool | None = None


class NotificationSettingsResponse(msgspec.Struct):
    assigned: ChannelsResponse
    task_changed: ChannelsResponse
    role_changed: ChannelsResponse
    removed_from_project: ChannelsResponse
    due_soon: ChannelsResponse

    @classmethod
    def of(cls, settings: NotificationSettings) -> NotificationSettingsResponse:
        def channels(kind: NotificationKind) -> ChannelsResponse:
            chosen = settings.of(kind)
            return ChannelsResponse(inbox=chosen.inbox, mail=chosen.mail)

        return cls(**{kind.value: channels(kind) for kind in NotificationKind})


class NotificationSettingsPatch(msgspec.Struct, forbid_unknown_fields=True):
    """A merge patch: a kind or a channel left out stays as it is."""

    assigned: ChannelsPatch | None = None
    task_changed: ChannelsPatch | None = None
    role_changed: ChannelsPatch | None = None
    removed_from_project: ChannelsPatch | None = None
    due_soon: ChannelsPatch | None = None

    def changes(self) -> dict[NotificationKind, tuple[bool | None, bool | None]]:
        chosen = {kind: getattr(self, kind.value) for kind in NotificationKind}
        return {kind: (patch.inbox, patch.mail) for kind, patch in chosen.items() if patch is not None}
