"""Tell a task's owner, or a project task's assignee, when it is coming due: once per task and due date.

Rules:
- a personal task's reminder goes to its owner; a project's task's to its assignee, acting
  as themselves (read through their own membership, so a member removed meanwhile gets
  nothing), and only while it is still assigned to them; an unassigned project task gets
  none (the project's creator is not everyone's secretary);
- a task not done whose `due_at` falls within the lead time is due a reminder;
- the reminder's identity is the task and its `due_at`: it is recorded in the outbox under
  that id (so two ticks, or two workers, record it once) and enqueued by the tick that
  recorded it, under the same id (a lost enqueue is the sweeper's); changing `due_at`
  makes a new reminder;
- the job tells nothing when the task is gone, done, or due at another time by then;
  otherwise it is a notification (`due_soon`), which reaches the inbox and the mail as
  its person's settings say.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import TYPE_CHECKING, Final

from taskflow.domain.access.principal import Principal
from taskflow.domain.access.roles import Action
from taskflow.domain.errors import ProjectNotFoundError, TaskNotFoundError
from taskflow.domain.model.notifications import Notification, NotificationKind, ProjectRef, TaskRef, notification_id
from taskflow.domain.services.mail import REMINDER_JOB, reminder_job_id
from taskflow.domain.values import ProjectId, Role, TaskId, TaskStatus, UserId

if TYPE_CHECKING:
    from datetime import timedelta

    from taskflow.domain.access.grants import Grant
    from taskflow.domain.access.service import AccessService
    from taskflow.domain.model.tasks import Task
    from taskflow.domain.ports.projects import ProjectRepository
    from taskflow.domain.ports.tasks import TaskRepository, TaskScans
    from taskflow.domain.ports.time_and_ids import Clock
    from taskflow.domain.services.notifications import Notifier
    from taskflow.domain.services.outbox import OutboxService

TICK_LIMIT: Final = 5_000  # reminders recorded per tick at most; the next tick takes the rest


class ReminderService:
    def __init__(
        self,
        *,
        tasks: TaskRepository,
        scans: TaskScans,
        access: AccessService,
        projects: ProjectRepository,
        outbox: OutboxService,
        notifier: Notifier,
        clock: Clock,
        lead: timedelta,
    ) -> None:
        self._tasks = tasks
        self._scans = scans
        self._access = access
        self._projects = projects
        self._outbox = outbox
        self._notifier = notifier
        self._clock = clock
        self._lead = lead

    async def tick(self) -> int:
        """Record and enqueue a reminder for each task coming due; how many were found."""
        now = self._clock.now()
        due = await self._scans.coming_due(after=now, until=now + self._lead, limit=TICK_LIMIT)
        for task in due:
            if task.due_at is None:  # not what the query returns; typed so
                continue
            recipient = task.owner_id if task.project_id is None else task.assignee_id
            if recipient is None:
                continue
            place = {} if task.project_id is None else {"project_id": task.project_id.value}
            entry = await self._outbox.record_once(
                reminder_job_id(task.id, task.due_at),
                REMINDER_JOB,
                owner=recipient.value,
                task_id=task.id.value,
                due_at=task.due_at.isoformat(),
                **place,
            )
            if entry is not None:  # a reminder seen at an earlier tick is not queued again
                await self._outbox.dispatch(entry)
        return len(due)

    async def send(self, owner: UserId, task_id: TaskId, due_at: datetime, project: ProjectId | None = None) -> None:
        """The job: at least once; told again, the notification is stored and mailed once.

        `owner` is whom it is for: the task's owner, or in a project its assignee.
        """
        entry_id = reminder_job_id(task_id, due_at)
        if await self._outbox.is_done(entry_id):
            return
        with contextlib.suppress(TaskNotFoundError, ProjectNotFoundError):
            if project is None:
                grant = self._access.own(owner)
            else:
                grant = await self._access.project(Principal(owner, Role.USER), project, Action.READ)
            task = await self._tasks.get_latest(grant, task_id)
            still_theirs = project is None or task.assignee_id == owner
            if task.due_at == due_at and task.status is not TaskStatus.DONE and still_theirs:
                await self._notifier.notify([await self._due_soon(owner, task, grant, entry_id)])
        await self._outbox.mark_done(entry_id)

    async def _due_soon(self, owner: UserId, task: Task, grant: Grant, cause: str) -> Notification:
        project = None
        if task.project_id is not None:
            found = await self._projects.find(grant)
            project = ProjectRef(task.project_id, None if found is None else found.name)
        return Notification(
            id=notification_id(owner, NotificationKind.DUE_SOON, cause),
            user=owner,
            kind=NotificationKind.DUE_SOON,
            at=self._clock.now(),
            actor=None,
            task=TaskRef(task.id, task.title, task.project_id),
            project=project,
            due_at=task.due_at,
        )
