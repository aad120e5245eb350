"""Who is told what, as a reaction to the change feed: the rules of notifications for changes.

Rules:
- a task assigned to someone (on creation, or a new assignee) tells them; a task assigned
  to them whose title, status or due date changes tells them which;
- a new role in a project tells its member; a member removed from a project (not one who
  left, nor one of a project deleted by nobody) is told, with who removed them;
- nobody is told of their own action;
- a person is told of a project's task only while they are in the project, as judged when
  the notification is made: a member removed meanwhile gets nothing of it.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

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
    from taskflow.domain.access.service import AccessService
    from taskflow.domain.changes.classification import TaskChange
    from taskflow.domain.changes.feed import Change
    from taskflow.domain.ports.projects import ProjectRepository
    from taskflow.domain.ports.time_and_ids import Clock
    from taskflow.domain.services.notifications import Notifier
    from taskflow.domain.values import ProjectId, UserId


class NotificationsOnChange:
    name = "notifications"

    def __init__(self, notifier: Notifier, access: AccessService, projects: ProjectRepository, clock: Clock) -> None:
        self._notifier = notifier
        self._access = access
        self._projects = projects
        self._clock = clock

    async def handle(self, change: Change) -> None:
        if isinstance(change, MembershipChanged):
            await self._membership(change)
        elif isinstance(change, TaskChanged) and change.task is not None:
            await self._task(classify(change))

    async def _task(self, change: TaskChange) -> None:
        task = change.task
        if task is None or task.assignee_id is None or task.project_id is None or change.actor == task.assignee_id:
            return
        fields: tuple[str, ...] = ()
        if ChangeKind.ASSIGNED in change.kinds:
            kind = NotificationKind.ASSIGNED
        else:
            fields = tuple(field.field for field in change.fields if field.field in TOLD_FIELDS)
            if not fields:
                return
            kind = NotificationKind.TASK_CHANGED
        recipient = task.assignee_id
        project = await self._project_seen_by(recipient, task.project_id)
        if project is None:  # not in the project (any more)
            return
        await self._notifier.notify(
            Notification(
                id=notification_id(recipient, kind, f"{task.id.value}:{task.version}"),
                user=recipient,
                kind=kind,
                at=task.updated_at,
                actor=change.actor,
                task=TaskRef(task.id, task.title, task.project_id),
                project=project,
                fields=fields,
            )
        )

    async def _membership(self, change: MembershipChanged) -> None:
        if change.actor is None or change.actor == change.user:
            return
        cause = f"{change.project.value}:{change.position.token or change.position.time}"
        if change.new_role:
            project = await self._project_seen_by(change.user, change.project)
            if project is None:
                return
            kind = NotificationKind.ROLE_CHANGED
        elif not change.member:
            # Told through the remover's eyes: the removed member sees the project no more.
            project = await self._project_seen_by(change.actor, change.project) or ProjectRef(change.project, None)
            kind = NotificationKind.REMOVED
        else:
            return
        await self._notifier.notify(
            Notification(
                id=notification_id(change.user, kind, cause),
                user=change.user,
                kind=kind,
                at=self._clock.now(),
                actor=change.actor,
                project=project,
                role=change.role,
            )
        )

    async def _project_seen_by(self, user: UserId, project_id: ProjectId) -> ProjectRef | None:
        """The project as `user` sees it now; None when they are not in it."""
        with contextlib.suppress(ProjectNotFoundError):
            grant = await self._access.project(Principal(user, Role.USER), project_id, Action.READ)
            project = await self._projects.find(grant)
            return ProjectRef(project_id, None if project is None else project.name)
        return None
