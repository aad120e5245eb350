"""Who is told what, as a reaction to the change feed: the rules of notifications for changes.

Rules:
- a task assigned to someone (on creation, or a new assignee) tells them; a task assigned
  to them whose title, status or due date changes tells them which;
- a new role in a project tells its member; a member removed from a project (not one who
  left, nor one of a project deleted by nobody) is told, with who removed them;
- nobody is told of their own action;
- a person is told of a project's task only while they are in the project, as judged when
  the notification is made: a member removed meanwhile gets nothing of it.

Whether someone is in a project is remembered between changes, and forgotten when the feed
brings a change of that membership (it carries every one, in commit order): one look-up
per person and project, not per change, and never older than the change being judged.
A project's name is remembered for `NAME_SECONDS`.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Final

from taskflow.domain.access.principal import Principal
from taskflow.domain.access.roles import Action
from taskflow.domain.changes.classification import ChangeKind, classify
from taskflow.domain.changes.feed import MembershipChanged, TaskChanged
from taskflow.domain.errors import ProjectNotFoundError
from taskflow.domain.model.notifications import (
    TOLD_FIELDS,
    Notification,
    NotificationKind,
    ProjectRef,
    TaskRef,
    notification_id,
)
from taskflow.domain.values import Role

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from taskflow.domain.access.service import AccessService
    from taskflow.domain.changes.classification import TaskChange
    from taskflow.domain.changes.feed import Change
    from taskflow.domain.ports.projects import ProjectRepository
    from taskflow.domain.ports.time_and_ids import Clock
    from taskflow.domain.services.notifications import Notifier
    from taskflow.domain.values import ProjectId, UserId


NAME_SECONDS: Final = 30.0
REMEMBERED: Final = 10_000
"""People in projects remembered at most; past it, all are forgotten and looked up again."""


class NotificationsOnChange:
    name = "notifications"

    def __init__(self, notifier: Notifier, access: AccessService, projects: ProjectRepository, clock: Clock) -> None:
        self._notifier = notifier
        self._access = access
        self._projects = projects
        self._clock = clock
        self._seen: dict[tuple[UserId, ProjectId], tuple[datetime, ProjectRef | None]] = {}
        """Who is in which project, as the feed has brought memberships up to now; when it was read."""

    async def handle(self, changes: Sequence[Change]) -> None:
        """Judged one by one, in commit order; told all together."""
        told: list[Notification] = []
        for change in changes:
            if isinstance(change, MembershipChanged):
                self._seen.pop((change.user, change.project), None)
                notification = await self._membership(change)
            elif isinstance(change, TaskChanged) and change.task is not None:
                notification = await self._task(classify(change))
            else:
                continue
            if notification is not None:
                told.append(notification)
        if told:
            await self._notifier.notify(told)

    async def _task(self, change: TaskChange) -> Notification | None:
        task = change.task
        if task is None or task.assignee_id is None or task.project_id is None or change.actor == task.assignee_id:
            return None
        fields: tuple[str, ...] = ()
        if ChangeKind.ASSIGNED in change.kinds:
            kind = NotificationKind.ASSIGNED
        else:
            fields = tuple(field.field for field in change.fields if field.field in TOLD_FIELDS)
            if not fields:
                return None
            kind = NotificationKind.TASK_CHANGED
        recipient = task.assignee_id
        project = await self._project_seen_by(recipient, task.project_id)
        if project is None:  # not in the project (any more)
            return None
        return Notification(
            id=notification_id(recipient, kind, f"{task.id.value}:{task.version}"),
            user=recipient,
            kind=kind,
            at=task.updated_at,
            actor=change.actor,
            task=TaskRef(task.id, task.title, task.project_id),
            project=project,
            fields=fields,
        )

    async def _membership(self, change: MembershipChanged) -> Notification | None:
        if change.actor is None or change.actor == change.user:
            return None
        cause = f"{change.project.value}:{change.position.token or change.position.time}"
        if change.new_role:
            project = await self._project_seen_by(change.user, change.project)
            if project is None:
                return None
            kind = NotificationKind.ROLE_CHANGED
        elif not change.member:
            # Told through the remover's eyes: the removed member sees the project no more.
            project = await self._project_seen_by(change.actor, change.project) or ProjectRef(change.project, None)
            kind = NotificationKind.REMOVED
        else:
            return None
        return Notification(
            id=notification_id(change.user, kind, cause),
            user=change.user,
            kind=kind,
            at=self._clock.now(),
            actor=change.actor,
            project=project,
            role=change.role,
        )

    async def _project_seen_by(self, user: UserId, project_id: ProjectId) -> ProjectRef | None:
        """The project as `user` sees it; None when they are not in it."""
        now = self._clock.now()
        remembered = self._seen.get((user, project_id))
        if remembered is not None and (remembered[1] is None or (now - remembered[0]).total_seconds() < NAME_SECONDS):
            return remembered[1]
        seen = None
        with contextlib.suppress(ProjectNotFoundError):
            grant = await self._access.project(Principal(user, Role.USER), project_id, Action.READ)
            project = await self._projects.find(grant)
            seen = ProjectRef(project_id, None if project is None else project.name)
        if len(self._seen) >= REMEMBERED:
            self._seen.clear()
        self._seen[user, project_id] = (now, seen)
        return seen
